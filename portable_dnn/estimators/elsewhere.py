"""Where predictions run: not in a fitted model's device scope for a Dask ``X`` (lazily, block by
block, on the workers of a ``dask.distributed`` cluster where there is one) and for a model whose
parameters are Dask arrays (with a host copy of them); and, under scikit-learn's
``array_api_dispatch``, only for an ``X`` in the fitted namespace and device."""

from __future__ import annotations

import copy
import importlib
import sys
from typing import Any, TypeVar

import array_api_compat
import numpy as np
from array_api_compat import is_dask_array

from .._backend import backend_name
from .._backend.transfers import to_numpy

Model = TypeVar("Model")


def check_dispatch_namespace(model: Any, X: Any, method: str) -> None:
    """Under scikit-learn's ``array_api_dispatch=True``, a ``ValueError`` (scikit-learn's words) unless
    ``X`` is in the namespace and on the device of the fitted parameters, as scikit-learn's array API
    estimators insist; otherwise any ``X`` (its predictions come back to its own namespace)."""
    sklearn = sys.modules.get("sklearn")
    if sklearn is None or not sklearn.get_config().get("array_api_dispatch", False):
        return
    W1 = model.parameters_["W1"]
    fitted_xp, fitted_device = array_api_compat.array_namespace(W1), array_api_compat.device(W1)
    if not array_api_compat.is_array_api_obj(X) or array_api_compat.is_numpy_array(X):
        if array_api_compat.is_numpy_namespace(fitted_xp):
            return
        xp, where = np, "cpu"
    else:
        xp, where = array_api_compat.array_namespace(X), array_api_compat.device(X)
        if xp is fitted_xp and where == fitted_device:
            return
    differ = f"Array namespaces used during fit ({backend_name(fitted_xp)}) and {method} ({backend_name(xp)}) differ." \
        if xp is not fitted_xp else f"Devices used during fit ({fitted_device}) and {method} ({where}) differ."
    raise ValueError(f"Inputs passed to {type(model).__name__}.{method}() must use the same namespace and the same "
                     f"device as those passed to fit(). {differ}")


def predict_elsewhere(model: Any, X: Any, method: str) -> Any:
    """``model.method(X)`` (``"predict"``, ``"predict_proba"``) of a Dask ``X``
    (:func:`blockwise`), or with a host copy of Dask parameters; None where it runs in the
    model's device scope."""
    if is_dask_array(X):
        return blockwise(model, X, method)
    if is_dask_array(model.parameters_["W1"]):
        return getattr(on_the_host(model), method)(X)
    return None


def blockwise(model: Any, X: Any, method: str) -> Any:
    """``method`` of a Dask ``X`` (m, n), lazily, block by block: the fitted model, its parameters
    on the host, is one object of the task graph, sent to each worker once."""
    dask = importlib.import_module("dask")
    if len(X.chunks[1]) != 1:
        raise ValueError(f"X: expected a Dask array chunked along the samples only (axis 0 of (m, n)), got "
                         f"{len(X.chunks[1])} chunks along the features; rechunk with X.rechunk({{1: -1}})")
    host = on_the_host(model)
    example = getattr(host, method)(np.zeros((1, X.shape[1]), dtype=X.dtype))  # the blocks' dtype and width
    delayed = dask.delayed(host, pure=True)
    if example.ndim == 2:
        return X.map_blocks(_method_of_block, delayed, method, chunks=(X.chunks[0], (example.shape[1],)),
                            dtype=example.dtype, meta=example[:0])
    return X.map_blocks(_method_of_block, delayed, method, drop_axis=1, dtype=example.dtype, meta=example[:0])


def on_the_host(model: Model) -> Model:
    """``model``, or a copy of it whose parameters are NumPy arrays."""
    parameters = model.parameters_  # type: ignore[attr-defined]
    if all(isinstance(value, np.ndarray) for value in parameters.values()):
        return model
    host = copy.copy(model)
    host.parameters_ = {key: to_numpy(value) for key, value in parameters.items()}  # type: ignore[attr-defined]
    host.device = None  # type: ignore[attr-defined]
    return host


def _method_of_block(block: Any, model: Any, method: str) -> Any:
    """``model.method(block)``: a block of a Dask array's predictions."""
    return getattr(model, method)(block)
