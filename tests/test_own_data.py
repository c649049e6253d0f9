"""The command line on your own data (a .csv, .npy, .npz or .h5 table, classification or regression,
scaled or not, predictions and scores from the saved model), and the rough edges of a first contact:
messages, exit statuses and pictures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn.cli import build_parser, main
from portable_dnn.cli.tables import read_table

pytest.importorskip("matplotlib", reason="the command line's extra is not installed")
QUIET = pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")


def blobs(m=240, seed=0):
    """Three well separated classes in 4 features on very different scales."""
    rng = np.random.RandomState(seed)
    labels = np.arange(m) % 3
    X = rng.randn(m, 4) * 0.5 + np.eye(3, 4)[labels] * 3
    return X * [1.0, 100.0, 0.01, 1000.0], np.array(["cat", "dog", "emu"])[labels]


def write_csv(path, X, y, header=True):
    lines = (["a,b,c,d,animal"] if header else []) + [",".join([*(repr(float(v)) for v in row), label])
                                                       for row, label in zip(X, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def run(capsys, *argv):
    try:
        code = main([str(arg) for arg in argv])
    except SystemExit as exit:  # a usage error, from the parser
        code = exit.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_train_and_predict_on_a_csv_with_string_labels(tmp_path, capsys):
    X, y = blobs()
    path = write_csv(tmp_path / "animals.csv", X, y)
    code, out, _ = run(capsys, "train", "--data", path, "--target", "animal", "--out", tmp_path / "out", "--quiet",
                       "--iterations", "300", "--learning-rate", "0.01")
    assert code == 0, out
    train_accuracy = float(out.split("Train accuracy: ")[1].split()[0])
    test_accuracy = float(out.split("Test accuracy: ")[1].split()[0])
    assert train_accuracy > 0.95 and test_accuracy > 0.95
    code, out, _ = run(capsys, "predict", tmp_path / "out" / "model.npz", path, "--target", "animal")
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(X) + 1 and lines[-1].startswith("Accuracy: ")
    model = dnn.DeepNeuralNetwork.load(tmp_path / "out" / "model.npz")  # raw features in, as written
    first = lines[0].split()
    assert first[1] == model.predict(X[:1])[0] == y[0]
    assert float(first[2][3:-1]) == pytest.approx(model.predict_proba(X[:1]).max(), abs=5e-5)
    assert float(lines[-1].split()[1]) == pytest.approx(model.score(X, y), abs=5e-5)
    # Its optimiser averages belonged to the scaled parameters: a new state, the epochs kept.
    assert not model.optimizer_state_.v and not model.optimizer_state_.s and model.optimizer_state_.t == 0
    assert model.optimizer_state_.epochs == model.n_iter_ > 0
    # The features only (no target column): predictions, no score.
    (tmp_path / "features.csv").write_text("a,b,c,d\n" + "\n".join(",".join(repr(float(v)) for v in row)
                                                                     for row in X[:5]))
    code, out, _ = run(capsys, "predict", tmp_path / "out" / "model.npz", tmp_path / "features.csv")
    assert code == 0 and len(out.splitlines()) == 5


@QUIET
def test_a_table_trains_on_the_backend_and_device_asked_for(tmp_path, capsys):
    X, y = blobs(m=60)
    path = write_csv(tmp_path / "animals.csv", X, y)
    code, out, _ = run(capsys, "train", "--data", path, "--target", "animal", "--backend", "array_api_strict",
                       "--device", "device1", "--iterations", "20", "--out", tmp_path / "out", "--quiet")
    assert code == 0 and "Test accuracy" in out
    model = dnn.DeepNeuralNetwork.load(tmp_path / "out" / "model.npz")
    assert model.n_features_in_ == 4 and list(model.classes_) == ["cat", "dog", "emu"]


@QUIET
def test_scaling_is_what_makes_unscaled_features_learnable(tmp_path, capsys):
    X, y = blobs()
    path = write_csv(tmp_path / "animals.csv", X, y, header=False)  # no header: the target is the last column
    scores = {}
    for flag in ([], ["--no-scale"]):
        code, out, _ = run(capsys, "train", "--data", path, "--out", tmp_path / "out", "--quiet", *flag,
                           "--iterations", "50", "--learning-rate", "0.01")
        assert code == 0
        scores[bool(flag)] = float(out.split("Train accuracy: ")[1].split()[0])
    assert scores[False] > 0.95 > scores[True]
    code, out, err = run(capsys, "train", "--data", path, "--out", tmp_path / "out", "--iterations", "60",
                         "--learning-rate", "0.0001")
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("Cost")] == [
        "Cost after epoch 0", "Cost after epoch 50", "Cost after epoch 59"]
    assert "60 epochs ran out before training converged" in err and "train longer: --iterations 120" in err


@QUIET
def test_regression_on_npy_npz_and_h5(tmp_path, capsys):
    rng = np.random.RandomState(1)
    X = rng.randn(200, 3)
    y = X @ [2.0, -1.0, 0.5] + 10.0
    np.save(tmp_path / "table.npy", np.column_stack([X, y]))
    np.savez(tmp_path / "table.npz", X=X, y=y)
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "table.h5", "w") as handle:
        handle["X"], handle["y"] = X, y
    for name in ("table.npy", "table.npz", "table.h5"):
        code, out, _ = run(capsys, "train", "--data", tmp_path / name, "--task", "regression", "--quiet",
                           "--out", tmp_path / name.replace(".", "_"), "--learning-rate", "0.05", "--iterations", "500")
        assert code == 0, name
        assert float(out.split("Test R²: ")[1].split()[0]) > 0.95, name
    code, out, _ = run(capsys, "predict", tmp_path / "table_npz" / "model.npz", tmp_path / "table.npz")
    lines = out.splitlines()
    assert code == 0 and lines[-1].startswith("R²: ") and float(lines[-1].split()[1]) > 0.95
    assert float(lines[0].split()[1]) == pytest.approx(y[0], rel=0.1)


@pytest.mark.parametrize(("contents", "argv", "message"), [
    ("a,b\n1,2\n3,x\n", ["--target", "a"], "feature column 'b' holds values that are not numbers"),
    ("a,b\n1,2\n3,4\n", ["--target", "z"], "no column 'z' (columns: a, b)"),
    ("a,b\n1,cat\n3,dog\n", ["--task", "regression"], "--task regression needs numbers in the target column 'b'"),
    ("a,b\n1,2\n3\n", [], "every row needs 2 values"),
    ("a,b\n1,2\n3,4\n", ["--time-interval", "10"], "--time-interval: the estimators decay"),
])
def test_bad_tables_are_named(contents, argv, message, tmp_path, capsys):
    (tmp_path / "bad.csv").write_text(contents)
    code, _, err = run(capsys, "train", "--data", tmp_path / "bad.csv", *argv, "--out", tmp_path, "--quiet")
    assert code == 1 and message in err


def test_read_table_reads_each_layout(tmp_path):
    X, y = blobs(m=6)
    table = read_table(write_csv(tmp_path / "t.csv", X, y), "animal")
    np.testing.assert_allclose(table.X, X)
    assert table.y.tolist() == y.tolist() and table.features == ["a", "b", "c", "d"] and table.target == "animal"
    np.save(tmp_path / "t.npy", np.column_stack([X, np.arange(6)]))
    table = read_table(tmp_path / "t.npy")
    np.testing.assert_allclose(table.X, X)
    np.testing.assert_array_equal(table.y, np.arange(6))
    assert read_table(tmp_path / "t.npy", features=5).y is None  # as many columns as the model's features
    np.testing.assert_array_equal(read_table(tmp_path / "t.npy", "0").y, X[:, 0])  # a target by index
    with pytest.raises(ValueError, match="expected a 2-D numeric array"):
        np.save(tmp_path / "bad.npy", np.zeros(3))
        read_table(tmp_path / "bad.npy")
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_table(tmp_path / "missing.csv")


@pytest.mark.parametrize(("argv", "message"), [
    (["--keep-prob", "1.5"], "keep_prob: expected a number in (0, 1]"),
    (["--data", "parity.txt"], "expected one of digits, moons, parity or a .csv, .npy, .npz or .h5 file"),
])
def test_bad_settings_are_refused_before_training(argv, message, tmp_path, capsys):
    code, out, err = run(capsys, "train", *argv, "--out", tmp_path)
    assert code in (1, 2) and message in err and "Training" not in out


@pytest.mark.parametrize(("fraction", "message"), [
    ("0.999", "--test-fraction: 0.999 of n_samples = 30 leaves no test or no training examples"),
    ("1.5", "--test-fraction: expected a number between 0 and 1, got 1.5"),
])
def test_a_test_fraction_that_leaves_no_training_rows_is_refused(fraction, message, tmp_path, capsys):
    X, y = blobs(30)
    path = write_csv(tmp_path / "animals.csv", X, y)
    code, out, err = run(capsys, "train", "--data", path, "--test-fraction", fraction, "--out", tmp_path / "out")
    assert code == 1 and message in err and "Training" not in out


def test_training_that_does_not_learn_warns(tmp_path, capsys):
    code, _, err = run(capsys, "train", "--data", "parity", "--learning-rate", "50", "--iterations", "100",
                       "--out", tmp_path, "--quiet")
    assert code == 0 and "the network did not learn" in err and "try --learning-rate 5" in err


def test_a_file_that_is_no_model_is_named_without_numpys_pickle_advice(tmp_path, capsys):
    (tmp_path / "junk.npz").write_text("not a model")
    code, _, err = run(capsys, "predict", tmp_path / "junk.npz", "digits")
    assert code == 1 and "neither an .npz archive nor an .npy array" in err and "pickle" not in err


def test_predict_names_every_kind_of_data_it_takes(tmp_path, capsys):
    assert run(capsys, "train", "--iterations", "1", "--out", tmp_path, "--quiet")[0] == 0
    code, _, err = run(capsys, "predict", tmp_path / "model.npz", "parity")
    assert code == 1 and "'digits' or 'moons'" in err


def test_a_closed_pipe_ends_predict_quietly(tmp_path):
    assert main(["train", "--iterations", "1", "--out", str(tmp_path), "--quiet"]) == 0
    command = f"{sys.executable} -m portable_dnn predict {tmp_path / 'model.npz'} digits | head -1"
    path = os.pathsep.join(filter(None, [str(Path.cwd()), os.environ.get("PYTHONPATH")]))  # keep what is there
    result = subprocess.run(command, shell=True, capture_output=True, text=True, check=False,
                            env={**os.environ, "PYTHONPATH": path})
    assert result.stdout.startswith("0: ") and "Broken pipe" not in result.stderr and "Error" not in result.stderr


def test_help_is_plain_text_and_says_the_defaults():
    text = build_parser().format_help()
    assert "``" not in text
    train_help = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    assert "default: numpy" in train_help and "default gd" in train_help and "--time-interval" in train_help


def test_the_cost_curve_shows_every_recorded_cost_and_the_last(tmp_path, capsys, monkeypatch):
    seen = {}
    from portable_dnn.cli import commands

    def record(path, epochs, costs, title, unit="iteration"):
        seen.update(epochs=list(epochs), costs=list(costs), title=title)
        return path

    monkeypatch.setattr(commands, "save_cost_curve", record)
    assert run(capsys, "train", "--data", "moons", "--optimizer", "momentum", "--epochs", "250", "--out", tmp_path,
               "--quiet")[0] == 0
    assert seen["epochs"] == [0, 100, 200, 249] and seen["title"].startswith("momentum")


def test_decay_on_a_schedule_reaches_train(tmp_path, capsys, monkeypatch):
    seen = {}
    import portable_dnn.cli.commands as cli

    def recording(X, Y, parameters, **settings):
        seen.update(settings)
        return dict(parameters), [1.0]

    monkeypatch.setattr(cli, "train", recording)
    assert run(capsys, "train", "--data", "moons", "--decay-rate", "1", "--time-interval", "1000", "--epochs", "3",
               "--out", tmp_path, "--quiet")[0] == 0
    assert (seen["decay_rate"], seen["time_interval"], seen["lambd"]) == (1.0, 1000, 0.0)  # no L2 unless asked


def test_a_missing_extra_names_the_install_from_the_checkout(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)  # as if the extra were not installed: importing it fails
    (tmp_path / "t.h5").write_bytes(b"")
    code, _, err = run(capsys, "train", "--data", tmp_path / "t.h5", "--out", tmp_path, "--quiet")
    assert code == 1 and f"reading {tmp_path / 't.h5'} needs h5py: python3 -m pip install '.[cli]' in the " \
        "portable_dnn checkout" in err and err.count("pip install") == 1
    monkeypatch.setitem(sys.modules, "tqdm", None)
    code, _, err = run(capsys, "train", "--iterations", "1", "--out", tmp_path)  # the progress bar's tqdm
    assert code == 1 and err.endswith("; the command line needs: python3 -m pip install '.[cli]' in the "
                                      "portable_dnn checkout\n")
    from portable_dnn.cli import plots

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"plots need matplotlib: python3 -m pip install '\.\[cli\]' in the"):
        plots.save_cost_curve(tmp_path / "c.png", [0], [1.0], "title")
