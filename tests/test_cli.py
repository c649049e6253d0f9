"""The portable-dnn command line, end to end in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import reference
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
    code = main(["train", "--data", "parity", "--iterations", "300", "--out", str(out), "--quiet"])
    assert code == 0
    return out


def test_train_on_the_embedded_dataset_writes_model_and_pictures(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["train", "--data", "parity", "--iterations", "201", "--layers", "64,10,1", "--out", str(out)]) == 0
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


def parse_predictions(lines):
    """``[(index, class, p), ...]`` from lines ``i: class (p=0.1234)``."""
    parsed = []
    for line in lines:
        index, rest = line.split(": ", 1)
        name, p = rest.rsplit(" (p=", 1)
        parsed.append((int(index), name, float(p.rstrip(")"))))
    return parsed


def test_predict_prints_each_class_probability_and_the_accuracy(trained, tmp_path, capsys):
    """Checked against the saved parameters run through the host reference forward pass."""
    data = dnn.load_digits_parity()
    host_x, labels = dnn.to_numpy(data.test_x), dnn.to_numpy(data.test_y)[0]
    p_odd = reference.forward(host_x, dnn.load_parameters(trained / "model.npz"))[0][0]
    expected_p = np.where(p_odd > 0.5, p_odd, 1.0 - p_odd)  # the predicted class's probability
    assert main(["predict", str(trained / "model.npz"), "digits"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 450
    parsed = parse_predictions(lines[:-1])
    assert [index for index, _, _ in parsed] == list(range(449))
    assert [name for _, name, _ in parsed] == [("even", "odd")[int(p > 0.5)] for p in p_odd]
    np.testing.assert_allclose([p for _, _, p in parsed], expected_p, atol=5e-5)
    accuracy = np.mean((p_odd > 0.5) == (labels == 1))
    assert 0.8 < accuracy < 1.0 and lines[-1] == f"Accuracy: {accuracy:.4f}"

    # The same images as a uint8 .npy of 0..16 pixel values (scaled by the model's pixel_max)
    # and as a float .npy already in [0, 1]: the same probabilities, and no accuracy (no labels).
    images = np.rint(host_x.T * 16).reshape(449, 8, 8)
    np.save(tmp_path / "uint8.npy", images.astype(np.uint8))
    np.save(tmp_path / "float.npy", images / 16)
    for name in ("uint8.npy", "float.npy"):
        assert main(["predict", str(trained / "model.npz"), str(tmp_path / name),
                     "--backend", "array_api_strict", "--device", "device1"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 449, name
        np.testing.assert_allclose([p for _, _, p in parse_predictions(lines)], expected_p, atol=5e-5, err_msg=name)


def test_info_lists_backends(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "numpy" in out and "cpu" in out and "cupy" in out



def test_info_shows_no_library_notices():
    """PyTorch warns about a device type while listing its devices, once per process: a fresh one."""
    path = os.pathsep.join(filter(None, [str(Path.cwd()), os.environ.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", "portable_dnn", "info"], capture_output=True, text=True,
                            check=False, env={**os.environ, "PYTHONPATH": path})
    assert result.returncode == 0 and "numpy" in result.stdout
    assert "Warning" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["train", "--train", "missing.h5", "--test", "missing.h5"], 1, "missing.h5: no such file"),
        (["train", "--train", "x.h5"], 1, "--train and --test go together"),
        (["train", "--layers", "10,1", "--iterations", "1"], 1, "--layers must start with the input size 64"),
        (["train", "--layers", "64,5,1", "--iterations", "1"], 1, "and end with 10 (the output units for 10 classes)"),
        (["train", "--learning-rate", "-1"], 2, "expected a positive number"),
        (["train", "--learning-rate", "fast"], 2, "argument --learning-rate: expected a positive number, got 'fast'"),
        (["train", "--iterations", "x"], 2, "argument --iterations/--epochs: expected a positive integer, got 'x'"),
        (["train", "--iterations", "0"], 2, "argument --iterations/--epochs: expected a positive integer, got '0'"),
        (["train", "--seed", "-1", "--iterations", "1"], 1, "seed: expected an integer from 0 to 2**32 - 1"),
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


@pytest.mark.parametrize("command", [[sys.executable, "-m", "portable_dnn"], ["portable-dnn"]],
                         ids=["python -m portable_dnn", "portable-dnn"])
def test_module_and_console_entry_points(command):
    if command == ["portable-dnn"]:  # the console script installed beside this interpreter
        checkout = Path(dnn.__file__).resolve().parent.parent
        if checkout in [Path(entry).resolve() for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]:
            pytest.skip("portable_dnn runs from a checkout on PYTHONPATH, not installed: no console script")
        script = Path(sys.executable).parent / "portable-dnn"
        assert script.is_file(), f"{script}: the console script is not installed"
        command = [str(script)]
    result = subprocess.run([*command, "info"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"portable_dnn {dnn.__version__}\n")
    assert "array_api_strict" in result.stdout and "numpy" in result.stdout
    result = subprocess.run([*command, "train", "--iterations", "x"], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "expected a positive integer" in result.stderr


def test_ctrl_c_stops_cleanly_and_writes_nothing(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("portable_dnn.cli.commands.train", interrupted)
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


def test_the_default_job_trains_ten_digit_classes(tmp_path, capsys):
    """The main job: softmax over the 10 digits; accuracies, misclassified digits and predict agree."""
    out = tmp_path / "out"
    assert main(["train", "--iterations", "400", "--out", str(out), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    test_accuracy = float(next(line for line in lines if line.startswith("Test accuracy: ")).split()[-1])
    assert test_accuracy > 0.9
    metadata = dnn.load_metadata(out / "model.npz")
    assert metadata["layer_dims"] == [64, 20, 7, 5, 10] and metadata["classes"] == [str(k) for k in range(10)]
    assert metadata["activations"][-1] == "softmax" and metadata["learning_rate"] == 0.3
    assert_png(out / "misclassified.png")

    data = dnn.load_digits()
    parameters = dnn.load_parameters(out / "model.npz")
    AL = reference.forward(dnn.to_numpy(data.test_x), parameters, output="softmax")[0]
    assert main(["predict", str(out / "model.npz"), "digits"]) == 0
    lines = capsys.readouterr().out.splitlines()
    parsed = parse_predictions(lines[:-1])
    assert [name for _, name, _ in parsed] == [str(k) for k in AL.argmax(axis=0)]
    np.testing.assert_allclose([p for _, _, p in parsed], AL.max(axis=0), atol=5e-5)
    expected = np.mean(AL.argmax(axis=0) == dnn.to_numpy(data.test_y)[0])
    assert lines[-1] == f"Accuracy: {expected:.4f}" and abs(expected - test_accuracy) < 1e-4


def test_moons_with_each_optimizer_draws_the_decision_boundary(tmp_path, capsys):
    """The course's optimisation chapter from the command line: [2, 5, 2, 1], mini-batches of 64."""
    accuracies = {}
    for optimizer in ("gd", "adam"):
        out = tmp_path / optimizer
        assert main(["train", "--data", "moons", "--optimizer", optimizer, "--epochs", "400",
                     "--learning-rate", "0.007", "--out", str(out)]) == 0
        captured = capsys.readouterr().out
        assert "Training [2, 5, 2, 1] on 300 moons examples" in captured and "mini-batches of 64" in captured
        assert "Cost after epoch 0: " in captured and "Cost after epoch 300: " in captured
        accuracies[optimizer] = float(captured.split("Train accuracy: ")[1].split()[0])
        for name in ("cost_curve.png", "decision_boundary.png"):
            assert_png(out / name)
        assert not (out / "misclassified.png").exists()  # points, not images
        metadata = dnn.load_metadata(out / "model.npz")
        assert metadata["optimizer"] == optimizer and metadata["mini_batch_size"] == 64
        assert main(["predict", str(out / "model.npz"), "moons"]) == 0
        assert "Accuracy: " in capsys.readouterr().out
    assert accuracies["adam"] > accuracies["gd"] and accuracies["adam"] > 0.85


def test_regularised_training_with_early_stopping(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["train", "--data", "parity", "--layers", "64,16,1", "--optimizer", "momentum",
                 "--mini-batch-size", "64", "--epochs", "200", "--learning-rate", "0.1", "--lambd", "0.5",
                 "--keep-prob", "0.8", "--decay-rate", "0.01", "--early-stopping", "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr().out
    assert float(captured.split("Test accuracy: ")[1].split()[0]) > 0.8
    epochs = int(captured.split("Early stopping: ")[1].split()[0])
    assert 11 <= epochs < 200  # at least n_iter_no_change + 1
