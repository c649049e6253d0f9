"""Your own data from a file, for the command line: a table of samples (rows) with numeric features and
one target, read on the host.

- ``.csv``: comma-separated, with a header row naming the columns (or no header, when the first
  row is all numbers); the target is the column ``target`` names (a name or a 0-based index), by
  default the last one. Its values may be strings (class labels).
- ``.npy``: a 2-D numeric array, the target its last column (or column ``target``).
- ``.npz`` and ``.h5``/``.hdf5``: arrays ``X`` (m, n) and ``y`` (m,) (or the one ``target`` names).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .datasets import _read_h5

SUFFIXES = (".csv", ".npy", ".npz", ".h5", ".hdf5")


class Table(NamedTuple):
    """Features ``X`` (m, n) float64, the target ``y`` (m,) (None where the file has none), and
    the feature and target names."""

    X: np.ndarray
    y: np.ndarray | None
    features: list[str]
    target: str | None


def is_table(name: str) -> bool:
    """Whether ``name`` is a file name this module reads (by its suffix)."""
    return Path(name).suffix.lower() in SUFFIXES


def read_table(path: str | Path, target: str | None = None, *, features: int | None = None) -> Table:
    """The table in ``path`` (see the module). ``features``: the number of feature columns a model
    expects; a file with exactly that many columns is read as features only (no target), for
    prediction. ``ValueError`` naming the file and what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, target, features)
    if suffix == ".npy":
        values = np.load(path, allow_pickle=False)
        if values.ndim != 2 or values.dtype.kind not in "biuf":
            raise ValueError(f"{path}: expected a 2-D numeric array (samples in rows, the target last), "
                             f"got shape {values.shape} and dtype {values.dtype}")
        names = [str(k) for k in range(values.shape[1])]
        return _split(path, values.astype(object), names, target, features)
    if suffix in (".npz", ".h5", ".hdf5"):
        arrays = _read_arrays(path, ["X", "x", *([target] if target else ["y", "Y"])])
        X_key = next((key for key in ("X", "x") if key in arrays), None)
        if X_key is None:
            raise ValueError(f"{path}: expected arrays named X (samples in rows) and y")
        X = np.asarray(arrays[X_key])
        if X.ndim != 2 or X.dtype.kind not in "biuf":
            raise ValueError(f"{path}: expected X of shape (m, n) with numbers, got {X.shape} {X.dtype}")
        y_key = target or next((key for key in ("y", "Y") if key in arrays), None)
        y = None if y_key is None or y_key not in arrays else np.asarray(arrays[y_key]).reshape(len(X), -1)
        if y is not None and y.shape[1] == 1:
            y = y[:, 0]
        return Table(X.astype(np.float64), y, [str(k) for k in range(X.shape[1])], y_key)
    raise ValueError(f"{path}: expected a .csv, .npy, .npz or .h5 file")


def _read_arrays(path: Path, names: list[str]) -> dict[str, Any]:
    """The arrays ``names`` that the ``.npz`` or HDF5 file ``path`` holds."""
    if path.suffix.lower() != ".npz":
        return _read_h5(path, [], names)
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in names if key in archive.files}
    except (ValueError, OSError) as error:
        raise ValueError(f"{path}: not a readable .npz file ({error})") from None


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_csv(path: Path, target: str | None, features: int | None) -> Table:
    with path.open(newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError(f"{path}: no rows")
    header = not all(_number(cell) for cell in rows[0])
    names = [cell.strip() for cell in rows[0]] if header else [str(k) for k in range(len(rows[0]))]
    body = rows[1:] if header else rows
    widths = {len(row) for row in body}
    if widths != {len(names)}:
        raise ValueError(f"{path}: every row needs {len(names)} values, found rows of {sorted(widths)}")
    return _split(path, np.array([[cell.strip() for cell in row] for row in body], dtype=object), names, target,
                  features)


def _split(path: Path, values: np.ndarray, names: list[str], target: str | None, features: int | None) -> Table:
    """Features and target from a table of ``values`` (m, columns) with column ``names``."""
    if features is not None and values.shape[1] == features and target is None:
        column = None
    elif target is None:
        column = values.shape[1] - 1
    elif target in names:
        column = names.index(target)
    elif target.isdigit() and int(target) < values.shape[1]:
        column = int(target)
    else:
        raise ValueError(f"{path}: no column {target!r} (columns: {', '.join(names)})")
    kept = [k for k in range(values.shape[1]) if k != column]
    if not kept:
        raise ValueError(f"{path}: needs at least one feature column besides the target")
    try:
        X = values[:, kept].astype(np.float64)
    except ValueError:
        bad = next(names[k] for k in kept if not all(_number(str(v)) for v in values[:, k]))
        raise ValueError(f"{path}: feature column {bad!r} holds values that are not numbers") from None
    if column is None:
        return Table(X, None, [names[k] for k in kept], None)
    y = values[:, column]
    if all(_number(str(v)) for v in y):
        y = y.astype(np.float64)
    else:
        y = y.astype(str)
    return Table(X, y, [names[k] for k in kept], names[column])
