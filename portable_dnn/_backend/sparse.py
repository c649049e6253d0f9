"""Sparse inputs: SciPy's matrices and arrays on NumPy, ``cupyx.scipy.sparse`` on CuPy.

A sparse ``X`` (m, n) enters once (:func:`check_sparse`), becomes CSC columns (n, m) where the
network trains (:func:`sparse_columns`), and stays sparse: only the first layer's products touch
it, taken by the kernels as sparse @ dense (:mod:`portable_dnn._engine.kernels.sparse`).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from . import backend_name, device_scope, resolve_namespace

#: The modules whose matrices and arrays are sparse inputs.
SPARSE_MODULES = ("scipy.sparse", "cupyx.scipy.sparse")

#: Where sparse input trains: the namespaces with a sparse library.
SPARSE_BACKENDS = ("numpy", "cupy")


def is_sparse(x: Any) -> bool:
    """Whether ``x`` is a SciPy or CuPy sparse matrix or array (without importing either)."""
    return type(x).__module__.startswith(SPARSE_MODULES)


def _cupyx(x: Any) -> bool:
    """Whether sparse ``x`` is CuPy's (on a GPU)."""
    return type(x).__module__.startswith("cupyx")


def check_sparse(X: Any, name: str = "X") -> Any:
    """Sparse ``X`` (m, n) as CSR in a floating dtype (integers and booleans as float64), its stored
    values checked finite, its shape 2-D and non-empty: ``ValueError`` naming ``name`` otherwise."""
    if len(X.shape) != 2 or 0 in X.shape:
        raise ValueError(f"{name}: expected a non-empty 2-D sparse matrix (samples, features), got shape "
                         f"{tuple(X.shape)}")
    X = X.tocsr()
    if X.dtype.kind not in "f":
        if X.dtype.kind not in "biu":
            raise TypeError(f"{name}: expected real numbers, got sparse dtype {X.dtype}")
        X = X.astype("float64")
    library = importlib.import_module("cupy" if _cupyx(X) else "numpy")
    if not bool(library.isfinite(X.data).all()):
        raise ValueError(f"Input {name} contains NaN or infinity.")
    return X


def sparse_columns(X: Any, xp: ModuleType, device: Any, dtype: Any) -> Any:
    """Checked sparse ``X`` (m, n) as CSC columns (n, m) in ``dtype`` on ``xp``'s ``device``:
    SciPy's on NumPy, ``cupyx.scipy.sparse`` on CuPy (copied there); ``TypeError`` elsewhere."""
    name = backend_name(xp)
    if name not in SPARSE_BACKENDS:
        raise TypeError(f"X: sparse input trains on NumPy (scipy.sparse) or CuPy (cupyx.scipy.sparse), not on {name}; "
                        "pass device='numpy' (or 'cupy'), or X.toarray()")
    if name == "numpy":
        host = X.get() if _cupyx(X) else X
        return host.T.tocsc().astype(dtype, copy=False)
    cupyx_sparse = importlib.import_module("cupyx.scipy.sparse")
    with device_scope(device):
        placed = X if _cupyx(X) else cupyx_sparse.csr_matrix(X)
        return placed.T.tocsc().astype(dtype)


def sparse_placement(columns: Any) -> tuple[ModuleType, Any]:
    """``(xp, device)`` of sparse ``columns``: NumPy's on the CPU, or CuPy's on their device."""
    if _cupyx(columns):
        xp = resolve_namespace("cupy")
        return xp, columns.data.device
    xp = resolve_namespace("numpy")
    return xp, "cpu"
