"""The portable-dnn command line, end to end in a temporary folder."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from test_data_and_files import write_course_files

import portable_dnn as dnn
from portable_dnn.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(argv):
    """``main(argv)``'s exit code, also when argparse exits."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code


def assert_png(path, min_size=(100, 100)):
    import matplotlib.image

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    height, width = matplotlib.image.imread(path).shape[:2]
    assert height >= min_size[0] and width >= min_size[1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    code = main(["train", "--iterations", "300", "--out", str(out), "--quiet"])
    assert code == 0
    return out


def test_train_on_the_embedded_dataset_writes_model_and_pictures(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["train", "--iterations", "201", "--layers", "64,10,1", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert "Cost after iteration 0: " in captured.out and "Cost after iteration 200: " in captured.out
    assert any(line.startswith("Train accuracy: ") for line in lines)
    test_accuracy = float(next(line for line in lines if line.startswith("Test accuracy: ")).split()[-1])
    assert test_accuracy > 0.8
    assert "training" in captured.err  # the progress bar
    for name in ("cost_curve.png", "misclassified.png"):
        assert_png(out / name)
    metadata = dnn.load_metadata(out / "model.npz")
    assert metadata["layer_dims"] == [64, 10, 1] and metadata["classes"] == ["even", "odd"]
    assert len(metadata["costs"]) == 3 and metadata["learning_rate"] == 0.1


def test_train_on_course_files(tmp_path, capsys):
    paths, _, _ = write_course_files(tmp_path, m_train=12, m_test=6)
    out = tmp_path / "out"
    code = main(["train", "--train", str(paths["train"]), "--test", str(paths["test"]), "--layers", "48,4,1",
                 "--iterations", "5", "--dtype", "float32", "--out", str(out), "--quiet"])
    assert code == 0
    assert "Cost after" not in capsys.readouterr().out
    assert dnn.load_metadata(out / "model.npz")["dtype"] == "float32"
    assert_png(out / "misclassified.png")


def test_predict_prints_predictions_and_accuracy(trained, tmp_path, capsys):
    assert main(["predict", str(trained / "model.npz"), "digits"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 450 and lines[0].split(":")[0] == "0"
    assert lines[0].split()[1] in ("even", "odd") and lines[-1].startswith("Accuracy: ")
    test_x = dnn.to_numpy(dnn.load_digits_parity().test_x)
    np.save(tmp_path / "some.npy", np.rint(test_x.T[:5] * 16).astype(np.uint8).reshape(5, 8, 8))
    assert main(["predict", str(trained / "model.npz"), str(tmp_path / "some.npy"),
                 "--backend", "array_api_strict", "--device", "device1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5  # no labels, no accuracy


def test_info_lists_backends(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "numpy" in out and "cpu" in out and "cupy" in out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["train", "--train", "missing.h5", "--test", "missing.h5"], 1, "missing.h5: no such file"),
        (["train", "--train", "x.h5"], 1, "--train and --test go together"),
        (["train", "--layers", "10,1", "--iterations", "1"], 1, "--layers must start with the input size 64"),
        (["train", "--learning-rate", "-1"], 2, "expected a positive number"),
        (["train", "--backend", "tensorflow"], 2, "invalid choice"),
        (["predict", "missing.npz", "digits"], 1, "missing.npz: no such model file"),
        (["fly"], 2, "invalid choice"),
    ],
)
def test_errors_are_one_line_without_traceback(argv, code, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run(argv) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_unavailable_backend(capsys):
    try:
        import cupy  # noqa: F401
    except ImportError:
        assert main(["train", "--backend", "cupy", "--iterations", "1"]) == 1
        err = capsys.readouterr().err
        assert "backend 'cupy' is not available" in err and len(err.strip().splitlines()) == 1
    else:
        pytest.skip("CuPy is installed here")


def test_module_and_console_entry_points():
    result = subprocess.run([sys.executable, "-m", "portable_dnn", "info"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and "array_api_strict" in result.stdout


def test_ctrl_c_stops_cleanly_and_writes_nothing(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("portable_dnn.cli.train", interrupted)
    out = tmp_path / "out"
    assert main(["train", "--out", str(out), "--quiet"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not out.exists()


def test_diverging_training_saves_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.warns(RuntimeWarning):  # NumPy's own overflow warnings on the way to NaN
        code = main(["train", "--learning-rate", "1e300", "--iterations", "200", "--out", str(out), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "training diverged" in err and "smaller learning rate" in err and "nothing was saved" in err
    assert not out.exists()
