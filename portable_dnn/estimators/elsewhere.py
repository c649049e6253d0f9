"""Predictions that do not run in a fitted model's device scope: of a Dask ``X``, lazily, block by
block (on the workers of a ``dask.distributed`` cluster where there is one), and of a model whose
parameters are Dask arrays, with a host copy of them."""

from __future__ import annotations

import copy
import importlib
from typing import Any, TypeVar

import numpy as np
from array_api_compat import is_dask_array

from .._backend.transfers import to_numpy

Model = TypeVar("Model")


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
