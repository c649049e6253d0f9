"""``portable-dnn export MODEL OUT`` (ONNX Runtime on the raw table gives the saved model's
predictions: its scaling is folded into the first layer) and ``portable-dnn info MODEL`` (the summary)."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
from test_own_data import QUIET, blobs, run, write_csv

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetwork
from portable_dnn.cli import main

pytest.importorskip("matplotlib", reason="the command line's extra is not installed")


@pytest.fixture(scope="module")
def table_model(tmp_path_factory):
    """A classifier trained on a table with columns on very different scales (scaled, then folded)."""
    folder = tmp_path_factory.mktemp("table")
    X, y = blobs()
    path = write_csv(folder / "animals.csv", X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "epochs ran out before the stopping rule")
        assert main(["train", "--data", str(path), "--target", "animal", "--iterations", "40", "--out",
                     str(folder / "out"), "--quiet"]) == 0
    return folder / "out" / "model.npz", X


@QUIET
def test_export_of_a_table_model_takes_the_raw_features(table_model, tmp_path, capsys):
    ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")
    model_path, X = table_model
    code, out, err = run(capsys, "export", model_path, tmp_path / "animals.onnx", "--dtype", "float64")
    assert (code, err) == (0, "") and out == f"Wrote {tmp_path / 'animals.onnx'}\n"
    session = ort.InferenceSession(str(tmp_path / "animals.onnx"), providers=["CPUExecutionProvider"])
    labels, probabilities = session.run(None, {"X": X})
    model = DeepNeuralNetwork.load(model_path)
    np.testing.assert_array_equal(labels, model.predict(X))
    assert set(labels) == {"cat", "dog", "emu"}
    np.testing.assert_allclose(probabilities, model.predict_proba(X), rtol=0, atol=1e-12)


def test_export_of_a_course_model_gives_its_probabilities(tmp_path, capsys):
    ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")
    assert run(capsys, "train", "--data", "digits", "--iterations", "30", "--out", tmp_path / "out", "--quiet")[0] == 0
    code, _, err = run(capsys, "export", tmp_path / "out" / "model.npz", tmp_path / "digits.onnx")
    assert (code, err) == (0, "")
    digits = dnn.load_digits()
    X = dnn.to_numpy(digits.test_x).T
    session = ort.InferenceSession(str(tmp_path / "digits.onnx"), providers=["CPUExecutionProvider"])
    labels, probabilities = session.run(None, {"X": X.astype(np.float32)})
    expected = dnn.to_numpy(dnn.predict_proba(digits.test_x, dnn.load_parameters(tmp_path / "out" / "model.npz")))
    np.testing.assert_allclose(probabilities, expected.T, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(labels, np.argmax(expected, axis=0).astype(str))


def test_export_errors_are_one_line(table_model, tmp_path, capsys, monkeypatch):
    pytest.importorskip("onnx", reason="needs the onnx extra")
    model_path, _ = table_model
    assert run(capsys, "export", model_path, tmp_path / "a.onnx", "--opset", "12")[1:] == \
        ("", "portable-dnn: error: target_opset: expected an opset from 13 to "
             f"{__import__('onnx').defs.onnx_opset_version()} (this onnx's newest), got 12\n")
    assert run(capsys, "export", tmp_path / "missing.npz", tmp_path / "a.onnx")[2] == \
        f"portable-dnn: error: {tmp_path / 'missing.npz'}: no such model file\n"
    monkeypatch.setitem(sys.modules, "onnx", None)
    code, _, err = run(capsys, "export", model_path, tmp_path / "a.onnx")
    assert code == 1 and err == ("portable-dnn: error: exporting to ONNX needs the onnx package: "
                                 "pip install 'portable_dnn[onnx]'\n")
    assert not (tmp_path / "a.onnx").exists()


def test_info_summarises_a_model_file(table_model, tmp_path, capsys):
    model_path, _ = table_model
    code, out, _ = run(capsys, "info", model_path)
    lines = out.splitlines()
    assert code == 0 and lines[0] == 'Model: "DeepNeuralNetwork"'
    assert lines[2].split() == ["Layer", "Parameters", "Output", "shape", "Activation", "Param", "#"]
    assert lines[4].split() == ["input", "(None,", "4)", "0"]
    assert lines[5].split() == ["dense_1", "W1", "(100,", "4),", "b1", "(100,", "1)", "(None,", "100)", "relu", "500"]
    assert lines[6].split() == ["dense_2", "(output)", "W2", "(3,", "100),", "b2", "(3,", "1)", "(None,", "3)",
                                "softmax", "303"]
    assert lines[8:13] == ["Total params: 803", "Loss: cross_entropy", "Dtype: float64", "Device: cpu (numpy)",
                           "Classes: cat, dog, emu"]
    assert run(capsys, "train", "--data", "moons", "--iterations", "2", "--out", tmp_path / "moons", "--quiet")[0] == 0
    code, out, _ = run(capsys, "info", tmp_path / "moons" / "model.npz")
    lines = out.splitlines()
    assert lines[0] == 'Model: "L_layer_model (model.npz)"'
    assert [line.split()[-2:] for line in lines[5:8]] == [["relu", "15"], ["relu", "12"], ["sigmoid", "3"]]
    assert "Total params: 30" in lines
