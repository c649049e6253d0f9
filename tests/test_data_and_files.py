"""Datasets, save/load across backends, and the safety of files."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

import portable_dnn as dnn


def write_course_files(folder, m_train=6, m_test=4, shape=(4, 4, 3)):
    rng = np.random.RandomState(0)
    images = {split: rng.randint(0, 256, size=(m, *shape)).astype(np.uint8)
              for split, m in (("train", m_train), ("test", m_test))}
    labels = {"train": np.arange(m_train) % 2, "test": (np.arange(m_test) + 1) % 2}
    paths = {}
    for split in ("train", "test"):
        paths[split] = folder / f"{split}_catvnoncat.h5"
        with h5py.File(paths[split], "w") as handle:
            handle[f"{split}_set_x"] = images[split]
            handle[f"{split}_set_y"] = labels[split]
            handle["list_classes"] = np.array([b"non-cat", b"cat"])
    return paths, images, labels


def test_h5_loader_flattens_scales_and_places(tmp_path, backend_kwargs, check):
    paths, images, labels = write_course_files(tmp_path)
    data = dnn.load_h5_dataset(paths["train"], paths["test"], dtype="float32", **backend_kwargs)
    check(data.train_x, images["train"].reshape(6, -1).T / 255.0, dtype="float32", atol=1e-7)
    check(data.test_y, labels["test"].reshape(1, -1), dtype="float32")
    assert tuple(data.train_x.shape) == (48, 6) and tuple(data.test_x.shape) == (48, 4)
    assert data.classes == ["non-cat", "cat"] and data.image_shape == (4, 4, 3)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda h: h.pop("train_set_y"), r"train_catvnoncat.h5: missing dataset 'train_set_y'"),
        (lambda h: h.update(train_set_x=np.zeros((6, 4, 4, 3), np.float32)), r"'train_set_x' must be uint8"),
        (lambda h: h.update(train_set_y=np.arange(5)), r"'train_set_y' must hold one label per image \(6\)"),
        (lambda h: h.update(train_set_y=np.arange(6)), r"'train_set_y' must hold labels 0 and 1 only"),
    ],
)
def test_h5_loader_names_file_and_key(tmp_path, damage, message):
    paths, _, _ = write_course_files(tmp_path)
    with h5py.File(paths["train"], "r") as handle:
        content = {key: handle[key][()] for key in handle}
    damage(content)
    with h5py.File(paths["train"], "w") as handle:
        for key, value in content.items():
            handle[key] = value
    with pytest.raises(ValueError, match=message):
        dnn.load_h5_dataset(paths["train"], paths["test"])


def test_h5_loader_missing_and_foreign_files(tmp_path):
    paths, _, _ = write_course_files(tmp_path)
    with pytest.raises(FileNotFoundError, match="nope.h5: no such file"):
        dnn.load_h5_dataset(tmp_path / "nope.h5", paths["test"])
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(ValueError, match="text.h5: not a readable HDF5 file"):
        dnn.load_h5_dataset(tmp_path / "text.h5", paths["test"])


def test_embedded_digits(backend_kwargs, xp):
    data = dnn.load_digits_parity(**backend_kwargs)
    assert tuple(data.train_x.shape) == (64, 1348) and tuple(data.test_x.shape) == (64, 449)
    assert data.classes == ["even", "odd"] and data.image_shape == (8, 8)
    host = dnn.to_numpy(data.train_x)
    assert host.min() == 0.0 and host.max() == 1.0
    assert 0.45 < dnn.to_numpy(data.train_y).mean() < 0.55  # balanced: about half the digits are odd


def test_save_and_load_round_trip_across_backends(tmp_path, make, backend_kwargs):
    """Train on the backend under test (array_api_strict: also device1), load on NumPy: same predictions."""
    data = dnn.load_digits_parity(**backend_kwargs)
    start = dnn.initialize_parameters_deep([64, 8, 1], seed=1, init="lecun", **backend_kwargs)
    trained, costs = dnn.train(data.train_x, data.train_y, start, learning_rate=0.1, num_iterations=50)
    path = dnn.save_parameters(tmp_path / "model.npz", trained, init="lecun", costs=costs)
    loaded = dnn.load_parameters(path)
    assert all(isinstance(value, np.ndarray) for value in loaded.values())
    for key in trained:
        np.testing.assert_array_equal(loaded[key], dnn.to_numpy(trained[key]))
    here = dnn.to_numpy(dnn.predict_proba(data.test_x, trained))
    there = dnn.predict_proba(dnn.to_numpy(data.test_x), loaded)
    np.testing.assert_array_equal(here > 0.5, there > 0.5)
    metadata = dnn.load_metadata(path)
    assert metadata["layer_dims"] == [64, 8, 1] and metadata["activations"] == ["relu", "sigmoid"]
    assert metadata["init"] == "lecun" and metadata["costs"] == costs
    assert metadata["dtype"] == str(dnn.to_numpy(trained["W1"]).dtype)
    back = dnn.load_parameters(path, **backend_kwargs)
    for key in trained:
        np.testing.assert_array_equal(dnn.to_numpy(back[key]), loaded[key])


def test_load_casts_for_a_device_without_float64(tmp_path):
    strict = pytest.importorskip("array_api_strict")
    path = dnn.save_parameters(tmp_path / "m.npz", dnn.initialize_parameters(3, 2, 1))
    loaded = dnn.load_parameters(path, backend="array_api_strict", device="no_float64")
    assert loaded["W1"].dtype == strict.float32


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    dnn.save_parameters(path, dnn.initialize_parameters(3, 2, 1))
    before = path.read_bytes()

    def broken_savez(handle, **arrays):
        handle.write(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(RuntimeError, match="disk full"):
        dnn.save_parameters(path, dnn.initialize_parameters(3, 4, 1))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind


def test_non_finite_parameters_are_never_saved(tmp_path):
    parameters = dnn.initialize_parameters(3, 2, 1)
    parameters["W2"] = parameters["W2"] * np.nan
    with pytest.raises(ValueError, match=r"parameters\['W2'\]: contains NaN"):
        dnn.save_parameters(tmp_path / "m.npz", parameters)
    assert not (tmp_path / "m.npz").exists()


def write_npy(path, array):
    with open(path, "wb") as handle:
        np.save(handle, array)


class Boom:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: p.write_bytes(b""), "unreadable or corrupted"),
        (lambda p: p.write_bytes(b"PK\x03\x04 truncated zip"), "unreadable or corrupted"),
        (lambda p: np.savez(p, W1=np.ones((2, 2))), "missing or corrupted '__metadata__'"),
        (lambda p: np.savez(p, W1=np.ones((2, 2)), __metadata__=np.asarray(json.dumps({"format": "other"}))),
         "not a portable_dnn parameter file"),
        (lambda p: np.savez(p, W1=np.array([Boom()], dtype=object)), "not a portable_dnn parameter file"),
        (lambda p: write_npy(p, np.ones(2)), "an .npy array, not an .npz archive"),
    ],
)
def test_foreign_or_damaged_files_are_refused(tmp_path, monkeypatch, write, message):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "model.npz"
    write(path)
    with pytest.raises(ValueError, match=message) as info:
        dnn.load_parameters(path)
    assert "model.npz" in str(info.value)
    assert not (tmp_path / "pwned").exists()  # a pickled object is refused and never runs


def test_truncated_model_is_refused(tmp_path):
    path = dnn.save_parameters(tmp_path / "model.npz", dnn.initialize_parameters(3, 2, 1))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="model.npz: unreadable or corrupted"):
        dnn.load_parameters(path)
    with zipfile.ZipFile(tmp_path / "inconsistent.npz", "w") as archive:
        for name, value in {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 5)),
                            "b2": np.zeros((1, 1))}.items():
            with archive.open(f"{name}.npy", "w") as handle:
                np.lib.format.write_array(handle, value)
        with archive.open("__metadata__.npy", "w") as handle:
            meta = {"format": "portable_dnn.parameters", "layer_dims": [3, 2, 1]}
            np.lib.format.write_array(handle, np.asarray(json.dumps(meta)))
    with pytest.raises(ValueError, match=r"inconsistent.npz\['W2'\]: expected 2 columns"):
        dnn.load_parameters(tmp_path / "inconsistent.npz")


def test_metadata_that_disagrees_with_the_arrays_is_refused(tmp_path):
    """Arrays of a consistent [3, 2, 1] network whose metadata says [3, 4, 1]."""
    parameters = dnn.initialize_parameters(3, 2, 1)
    path = tmp_path / "model.npz"
    metadata = {"format": "portable_dnn.parameters", "layer_dims": [3, 4, 1], "dtype": "float64"}
    np.savez(path, **parameters, __metadata__=np.asarray(json.dumps(metadata)))
    with pytest.raises(ValueError, match=r"model.npz: inconsistent parameter file: metadata layer_dims "
                                         r"\[3, 4, 1\] do not match the arrays' \[3, 2, 1\]"):
        dnn.load_parameters(path)
    metadata["layer_dims"] = [3, 2, 1]
    np.savez(path, **parameters, __metadata__=np.asarray(json.dumps(metadata)))
    assert list(dnn.load_parameters(path)) == ["W1", "b1", "W2", "b2"]


@pytest.mark.parametrize("key", ["format", "version", "layer_dims", "activations", "dtype"])
def test_reserved_metadata_keys_are_refused(key, tmp_path):
    with pytest.raises(ValueError, match=f"metadata: \\['{key}'\\] are written by save_parameters itself"):
        dnn.save_parameters(tmp_path / "m.npz", dnn.initialize_parameters(3, 2, 1), **{key: "mine"})
    assert not (tmp_path / "m.npz").exists()


def test_to_numpy_is_a_copy(make, xp):
    """Writing to the host copy never changes the array it came from (NumPy arrays and CPU
    tensors included, which could share memory with it)."""
    original = make(np.arange(6.0).reshape(2, 3))
    host = dnn.to_numpy(original)
    assert isinstance(host, np.ndarray)
    host[0, 0] = 100.0
    np.testing.assert_array_equal(dnn.to_numpy(original), np.arange(6.0).reshape(2, 3))


def test_moons_are_two_seeded_half_circles(backend_kwargs, xp, device):
    data = dnn.load_moons(**backend_kwargs)
    assert tuple(data.train_x.shape) == (2, 300) and tuple(data.test_y.shape) == (1, 300)
    assert dnn.to_numpy(data.train_x).dtype == dnn.to_numpy(data.train_y).dtype
    X, y = dnn.to_numpy(data.train_x), dnn.to_numpy(data.train_y)[0]
    assert set(np.unique(y)) == {0.0, 1.0} and y.sum() == 150
    # Without noise the points lie on the unit circle (class 0) or on the one centred at (1, 0.5).
    clean, labels = dnn.datasets.moons(200, 0.0, seed=0)
    centre = np.where(labels == 0, 0.0, 1.0)[None, :] * np.array([[1.0], [0.5]])
    np.testing.assert_allclose(np.hypot(*(clean - centre)), 1.0, atol=1e-12)
    assert (clean[1][labels == 0] >= -1e-12).all() and (clean[1][labels == 1] <= 0.5 + 1e-12).all()
    again = dnn.load_moons(**backend_kwargs)
    np.testing.assert_array_equal(dnn.to_numpy(again.train_x), X)  # seeded
    assert not np.array_equal(dnn.to_numpy(data.test_x), X)  # the test points are other draws


DATA = Path(__file__).resolve().parent / "data"


def test_files_saved_by_version_0_1_load_and_predict_as_then():
    """Model files written by portable_dnn 0.1 (tests/data/) load, and predict what they predicted."""
    expected = json.loads((DATA / "saved-0.1.json").read_text())
    X = np.array(expected["X"])
    classifier = dnn.DeepNeuralNetwork.load(DATA / "classifier-0.1.npz")
    np.testing.assert_allclose(classifier.predict_proba(X), expected["classifier_proba"], rtol=1e-12)
    assert classifier.predict(X).tolist() == expected["classifier_labels"] and classifier.n_iter_ == 3
    assert classifier.classes_.tolist() == ["a", "b", "c"] and classifier.get_params()["hidden_layers"] == (5,)
    regressor = dnn.DeepNeuralNetworkRegressor.load(DATA / "regressor-0.1.npz")
    np.testing.assert_allclose(regressor.predict(X), expected["regressor"], rtol=1e-12)
    parameters = dnn.load_parameters(DATA / "parameters-0.1.npz")
    np.testing.assert_array_equal(parameters["W1"], expected["parameters_W1"])
    assert dnn.load_metadata(DATA / "parameters-0.1.npz")["init"] == "lecun"
