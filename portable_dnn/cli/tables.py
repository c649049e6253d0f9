"""Your own data from a file, for the command line: a table of samples (rows) with numeric features and
one target, read on the host.

- ``.csv``: comma-separated, with a header row naming the columns (or no header: the first row is
  a header when a column that holds numbers has a name there that is not one); the target is the
  column ``target`` names (a name or a 0-based index), by default the last one. Its values may be
  strings (class labels).
- ``.npy``: a 2-D numeric array, the target its last column (or column ``target``).
- ``.npz`` and ``.h5``/``.hdf5``: arrays ``X`` (m, n) and ``y`` (m,) (or the one ``target`` names).

Missing values (empty cells, ``NA``, ``NaN`` and the other spellings of :data:`MISSING`, or NaN in an
array) are refused with the file, the column, how many and where.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..datasets import _read_h5

SUFFIXES = (".csv", ".npy", ".npz", ".h5", ".hdf5")

#: Cells that mean "no value" (pandas' default ``na_values``, and the empty cell).
MISSING = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


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
        return _split(path, values.astype(object), names, target, features, rows=None)
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
        X = X.astype(np.float64)
        for k in range(X.shape[1]):
            _refuse_missing(path, f"column {k} of {X_key}", np.isnan(X[:, k]), rows=None)
        if y is not None:
            missing = np.asarray(_missing_targets(y).reshape(len(X), -1).any(axis=1))
            _refuse_missing(path, f"the target {y_key}", missing, rows=None)
        return Table(X, y, [str(k) for k in range(X.shape[1])], y_key)
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
        reader = csv.reader(handle)
        rows, lines = [], []
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append([cell.strip() for cell in row])
                lines.append(reader.line_num)
    if not rows:
        raise ValueError(f"{path}: no rows")
    header = _is_header(rows)
    names = rows[0] if header else [str(k) for k in range(len(rows[0]))]
    body, lines = (rows[1:], lines[1:]) if header else (rows, lines)
    if not body:
        raise ValueError(f"{path}: no rows (only the header {', '.join(names)})")
    widths = {len(row) for row in body}
    if widths != {len(names)}:
        raise ValueError(f"{path}: every row needs {len(names)} values, found rows of {sorted(widths)}")
    return _split(path, np.array(body, dtype=object), names, target, features, rows=np.asarray(lines))


def _is_header(rows: list[list[str]]) -> bool:
    """Whether the first of the CSV's ``rows`` names the columns: some column holds numbers (or
    missing values) below it but not in it. A first row like the rest (all numbers, or numbers and
    labels in the same places) is data."""
    first, rest = rows[0], rows[1:]
    if not rest:
        return not all(_number_or_missing(cell) for cell in first)
    return any(not _number_or_missing(cell) and all(_number_or_missing(row[k]) for row in rest if len(row) > k)
               for k, cell in enumerate(first))


def _number_or_missing(text: str) -> bool:
    return text in MISSING or _number(text)


def _missing_targets(y: np.ndarray) -> np.ndarray:
    """Which of the targets ``y`` are missing: NaN, or a cell of :data:`MISSING`."""
    if y.dtype.kind == "f":
        return np.asarray(np.isnan(y))
    if y.dtype.kind in "OUS":
        return np.asarray(np.isin(y.astype(str), list(MISSING)))
    return np.zeros(y.shape, dtype=bool)


def _refuse_missing(path: Path, column: str, missing: np.ndarray, rows: np.ndarray | None) -> None:
    """``ValueError`` naming the file, the column, the number of missing values and the first few
    places (``rows``: each row's line in the file; None: row indices from 0), unless none is missing."""
    where = np.flatnonzero(missing)
    if not len(where):
        return
    several = len(where) > 1
    shown = ", ".join(str(v) for v in (where if rows is None else rows[where])[:5]) + (", ..." if len(where) > 5
                                                                                      else "")
    place = f"in row{'s' * several} {shown} (counting from 0)" if rows is None else f"on line{'s' * several} {shown}"
    kind = "NaN" if rows is None else "empty, NA or NaN"
    raise ValueError(f"{path}: {column} has {len(where)} missing value{'s' * several} ({kind}) {place}; drop those "
                     "rows or fill them in first")


def _split(path: Path, values: np.ndarray, names: list[str], target: str | None, features: int | None,
           rows: np.ndarray | None) -> Table:
    """Features and target from a table of ``values`` (m, columns) with column ``names``; ``rows``:
    each row's line in the file (None: counted from 0), for the messages."""
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
    X = _numbers(path, values[:, kept], [names[k] for k in kept], rows)
    if column is None:
        return Table(X, None, [names[k] for k in kept], None)
    y = values[:, column]
    _refuse_missing(path, f"the target column {names[column]!r}", _missing_cells(y), rows)
    y = y.astype(np.float64) if all(_number(str(v)) for v in y) else y.astype(str)
    return Table(X, y, [names[k] for k in kept], names[column])


def _missing_cells(cells: np.ndarray) -> np.ndarray:
    """Which of the ``cells`` (m,) (text or numbers) are missing: a spelling of :data:`MISSING`, or NaN."""
    return np.array([str(v) in MISSING or str(v).lower() == "nan" for v in cells], dtype=bool)


def _numbers(path: Path, cells: np.ndarray, names: list[str], rows: np.ndarray | None) -> np.ndarray:
    """The feature ``cells`` (m, n) as float64, refusing a missing value or a cell that is not a
    number with the column's name (the cells are looked at one by one only where that is so)."""
    try:
        X = cells.astype(np.float64)
    except ValueError:
        X = None
    for k, name in enumerate(names):
        _refuse_missing(path, f"feature column {name!r}", np.isnan(X[:, k]) if X is not None else
                        _missing_cells(cells[:, k]), rows)
        if X is None and not all(_number(str(v)) for v in cells[:, k]):
            bad = next(str(v) for v in cells[:, k] if not _number(str(v)))
            raise ValueError(f"{path}: feature column {name!r} holds values that are not numbers ({bad!r})")
    assert X is not None  # a cell that did not convert was refused above
    return X
