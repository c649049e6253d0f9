"""Datasets in the course's layout: ``X`` (n_x, m) scaled to [0, 1], ``Y`` (1, m) of labels.

- :func:`load_h5_dataset`: the course's ``train_catvnoncat.h5`` / ``test_catvnoncat.h5`` files.
- :func:`load_digits`: the embedded default, UCI handwritten digits with their 10 classes.
- :func:`load_digits_parity`: the same images labelled even/odd (0/1).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from ._backend import Array, install_extra, resolve_device, resolve_dtype, resolve_namespace
from ._backend.transfers import move_to


class Dataset(NamedTuple):
    """Train and test arrays, the class names (index = label) and each image's shape."""

    train_x: Array
    train_y: Array
    test_x: Array
    test_y: Array
    classes: list[str]
    image_shape: tuple[int, ...]
    pixel_max: float


def images_to_columns(
    images: np.ndarray, pixel_max: float, *, xp: ModuleType, device: Any, dtype: Any
) -> Array:
    """Host images (m, ...) -> (n_x, m) array scaled by ``1 / pixel_max``, moved to ``device``."""
    m = images.shape[0]
    return move_to(images.reshape(m, -1).T / pixel_max, xp, device, dtype)


def labels_to_row(labels: np.ndarray, *, xp: ModuleType, device: Any, dtype: Any) -> Array:
    """Host labels (m,) -> (1, m) array of ``dtype`` on ``device``."""
    return move_to(labels.reshape(1, -1), xp, device, dtype)


def _placement(backend: str | ModuleType | None, device: Any, dtype: Any) -> tuple[ModuleType, Any, Any]:
    xp = resolve_namespace(backend)
    device = resolve_device(xp, device)
    return xp, device, resolve_dtype(xp, dtype, device)


def _read_h5(path: Path, keys: list[str], optional: list[str]) -> dict[str, np.ndarray]:
    try:
        import h5py
    except ImportError as error:
        raise ImportError(f"reading {path} needs h5py: {install_extra('cli')}") from error
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        with h5py.File(path, "r") as handle:
            found = {}
            for key in keys + optional:
                if key in handle and isinstance(handle[key], h5py.Dataset):
                    found[key] = np.asarray(handle[key][()])
                elif key in keys:
                    raise ValueError(f"{path}: missing dataset {key!r} (found {sorted(handle.keys())})")
            return found
    except OSError as error:
        raise ValueError(f"{path}: not a readable HDF5 file ({error})") from error


def _check_images_and_labels(
    path: Path, x_key: str, images: np.ndarray, y_key: str, labels: np.ndarray
) -> None:
    if images.ndim not in (3, 4) or images.dtype != np.uint8:
        raise ValueError(
            f"{path}: {x_key!r} must be uint8 images of shape (m, height, width[, channels]), "
            f"got {images.dtype} of shape {images.shape}"
        )
    labels = labels.reshape(-1) if labels.ndim == 2 and 1 in labels.shape else labels
    if labels.shape != (images.shape[0],):
        raise ValueError(
            f"{path}: {y_key!r} must hold one label per image ({images.shape[0]}), got shape {labels.shape}"
        )
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"{path}: {y_key!r} must hold labels 0 and 1 only, got {np.unique(labels)[:10]}")


def read_h5_split(path: str | Path, split: str) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """Host ``(images, labels, classes)`` of one course file: ``{split}_set_x``, ``{split}_set_y``
    and, where present, ``list_classes`` (``None`` otherwise)."""
    path = Path(path)
    x_key, y_key = f"{split}_set_x", f"{split}_set_y"
    found = _read_h5(path, [x_key, y_key], optional=["list_classes"])
    images, labels = found[x_key], found[y_key]
    _check_images_and_labels(path, x_key, images, y_key, labels)
    classes = None
    if "list_classes" in found:
        classes = [c.decode() if isinstance(c, bytes) else str(c) for c in found["list_classes"].reshape(-1)]
    return images, labels.reshape(-1), classes


def load_h5_dataset(
    train_path: str | Path,
    test_path: str | Path,
    *,
    backend: str | ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Dataset:
    """Load the course's HDF5 files (``train_set_x`` (m, 64, 64, 3) uint8, ``train_set_y``,
    ``list_classes``; ``test_set_x``, ``test_set_y``) as a :class:`Dataset`.

    Images are flattened to columns and divided by 255; labels become (1, m) rows of
    ``dtype`` (default float64 where the device has it). ``ValueError`` names the file and
    key of anything missing or malformed.
    """
    xp, device, dtype = _placement(backend, device, dtype)
    train_images, train_labels, classes = read_h5_split(train_path, "train")
    test_images, test_labels, _ = read_h5_split(test_path, "test")
    if classes is None:
        raise ValueError(f"{train_path}: missing dataset 'list_classes'")
    if train_images.shape[1:] != test_images.shape[1:]:
        raise ValueError(
            f"{test_path}: 'test_set_x' images have shape {test_images.shape[1:]}, "
            f"but {train_path}: 'train_set_x' images have shape {train_images.shape[1:]}"
        )
    place = {"xp": xp, "device": device, "dtype": dtype}
    return Dataset(
        images_to_columns(train_images, 255.0, **place), labels_to_row(train_labels, **place),
        images_to_columns(test_images, 255.0, **place), labels_to_row(test_labels, **place),
        classes, tuple(int(n) for n in train_images.shape[1:]), 255.0,
    )


#: The embedded dataset's classes: label 0 is an even digit, label 1 an odd one.
DIGITS_PARITY_CLASSES = ["even", "odd"]


def _read_digits() -> dict[str, np.ndarray]:
    with resources.files("portable_dnn").joinpath("data/digits_parity.npz").open("rb") as handle:
        with np.load(handle, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}


def load_digits(*, backend: str | ModuleType | None = None, device: Any = None, dtype: Any = None) -> Dataset:
    """The embedded handwritten digits with their 10 classes: the images of
    :func:`load_digits_parity` (the same split), labelled by the digit 0-9 (class indices,
    a (1, m) row of ``dtype``; ``classes`` ``["0", ..., "9"]``)."""
    return _digits(lambda digits: digits, [str(digit) for digit in range(10)], backend, device, dtype)


def load_digits_parity(
    *, backend: str | ModuleType | None = None, device: Any = None, dtype: Any = None
) -> Dataset:
    """The embedded default dataset: 1,797 handwritten digits (8x8, 16 grey levels) labelled
    0 = even, 1 = odd; a fixed split of 1,348 training and 449 test images.

    Source: "Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak (1998),
    UCI Machine Learning Repository, CC BY 4.0 (the part that scikit-learn distributes).
    Pixels are divided by 16; arrays are placed as in :func:`load_h5_dataset`.
    """
    return _digits(lambda digits: digits % 2, list(DIGITS_PARITY_CLASSES), backend, device, dtype)


def _digits(label: Callable[[np.ndarray], np.ndarray], classes: list[str], backend: str | ModuleType | None,
            device: Any, dtype: Any) -> Dataset:
    """The embedded digits' fixed split, each image labelled ``label(digit)`` as one of ``classes``."""
    xp, device, dtype = _placement(backend, device, dtype)
    place = {"xp": xp, "device": device, "dtype": dtype}
    arrays = _read_digits()
    return Dataset(
        images_to_columns(arrays["train_images"], 16.0, **place), labels_to_row(label(arrays["train_digits"]), **place),
        images_to_columns(arrays["test_images"], 16.0, **place), labels_to_row(label(arrays["test_digits"]), **place),
        classes, (8, 8), 16.0,
    )


def moons(m: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in the plane with Gaussian ``noise``, shuffled: host
    ``(X (2, m), labels (m,))``, the lower moon class 1. Seeded (``RandomState(seed)``)."""
    rng = np.random.RandomState(seed)
    upper, lower = m - m // 2, m // 2
    angles_upper, angles_lower = np.linspace(0, np.pi, upper), np.linspace(0, np.pi, lower)
    X = np.stack([np.concatenate([np.cos(angles_upper), 1.0 - np.cos(angles_lower)]),
                  np.concatenate([np.sin(angles_upper), 0.5 - np.sin(angles_lower)])])
    X += rng.normal(scale=noise, size=X.shape)
    labels = np.concatenate([np.zeros(upper, np.int64), np.ones(lower, np.int64)])
    order = rng.permutation(m)
    return X[:, order], labels[order]


def load_moons(
    *, m_train: int = 300, m_test: int = 300, noise: float = 0.2, seed: int = 3,
    backend: str | ModuleType | None = None, device: Any = None, dtype: Any = None,
) -> Dataset:
    """The course's two-moons data (its optimisation chapter: 300 points, noise 0.2): two
    features, labels 0/1 (the lower moon 1); a test set drawn the same way with seed + 1.
    Arrays are placed as in :func:`load_h5_dataset`; ``image_shape`` is ``()`` (points)."""
    xp, device, dtype = _placement(backend, device, dtype)
    place = {"xp": xp, "device": device, "dtype": dtype}
    (train_x, train_labels), (test_x, test_labels) = moons(m_train, noise, seed), moons(m_test, noise, seed + 1)
    return Dataset(
        move_to(train_x, xp, device, dtype), labels_to_row(train_labels, **place),
        move_to(test_x, xp, device, dtype), labels_to_row(test_labels, **place),
        ["0", "1"], (), 1.0,
    )
