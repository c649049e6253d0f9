"""The estimators' training data, checked once where it enters and placed once: X as columns on the
training device, the targets encoded on the host and placed beside it, the sample weights checked on
the host (they stay there: the engine sums the batches' weights on the host). :class:`FitData` holds
them and splits off early stopping's held-out examples by host indices."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np
from array_api_compat import is_dask_array

from .._backend import Array, dtype_name, resolve_dtype, resolve_placement
from .._backend.sparse import is_sparse, sparse_columns, sparse_placement
from .._backend.transfers import move_to
from .._engine.inputs import check_finite
from .._splits import split_indices, take_examples
from .._validation import check_features, host_sample_weight
from .attributes import check_feature_names
from .targets import Targets


@dataclass(frozen=True)
class FitData:
    """``columns`` X (n, m) and ``targets`` (class indices (m,) or values (k, m)) on the training
    placement, as ``spec`` describes them; ``encoded``, the targets on the host (None for a Dask
    y); ``weights``, the checked sample weights on the host (m,) float64, or a Dask array chunked
    as the columns (None: not given)."""

    columns: Array
    targets: Array
    spec: Targets
    encoded: Any
    weights: Any = None

    def held_out(self, fraction: float, generator: np.random.RandomState,
                 seed: int) -> tuple[FitData, tuple[Any, ...]]:
        """``(training data, (X_val, y_val[, weights_val]))``: the samples of positive weight split
        by :func:`~portable_dnn._splits.split_indices`, each side taken where it lives: stratified
        by the classes (seeded by ``seed``) where the targets say so, else drawn from ``generator``
        as scikit-learn's ``train_test_split`` (a Dask stream: seeded by ``seed``)."""
        data = self._positive()
        stratify = data.spec.stratify(data.encoded if data.encoded is not None else data.targets)
        lazy = is_dask_array(data.columns)  # Dask: each side in the examples' order (X's chunks, thinned)
        order = generator if stratify is None and not lazy else seed
        kept, held = split_indices(data.columns.shape[1], fraction, order, stratify, in_order=lazy)
        return data._take(kept), data._take(held).validation

    @property
    def validation(self) -> tuple[Any, ...]:
        """These examples as ``validation_data``: ``(X, y)`` or ``(X, y, sample_weight)``."""
        return (self.columns, self.targets) if self.weights is None else (self.columns, self.targets, self.weights)

    def _positive(self) -> FitData:
        """The samples of positive weight: those of weight 0 would change nothing in training, and
        a held-out validation set needs a positive total weight (Dask weights: all samples)."""
        if self.weights is None or is_dask_array(self.weights) or bool(np.all(self.weights > 0)):
            return self
        return self._take(np.flatnonzero(self.weights > 0))

    def _take(self, indices: np.ndarray) -> FitData:
        """The samples ``indices`` (host), each array where it lives."""
        lazy_weights = is_dask_array(self.weights)
        taken = take_examples([self.columns, self.targets, *([self.weights] if lazy_weights else [])], indices)
        encoded = None if self.encoded is None else self.encoded[indices]
        weights = taken[2] if lazy_weights else None if self.weights is None else self.weights[indices]
        return replace(self, columns=taken[0], targets=taken[1], encoded=encoded, weights=weights)


def checked_validation(model: Any, X: Array, X_val: Any, y_val: Any, sample_weight_val: Any,
                       spec: Targets) -> tuple[Array, Any, Any, Targets, Any] | None:
    """``(X_val, y_val, encoded, spec, sample_weight_val)`` checked where they enter (the targets
    encoded as ``spec`` describes ``y``'s: a label outside the classes is refused), or None."""
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError("sample_weight_val: given without X_val and y_val")
        return None
    if X_val is None or y_val is None:
        raise ValueError("X_val and y_val: give both (the samples early stopping scores) or neither")
    if not model._stochastic:
        raise ValueError("X_val and y_val: optimizer='lbfgs' does not stop early (it stops by tol on the gradient "
                         "and max_fun); pass them with a stochastic optimizer")
    if model.early_stopping is False:
        raise ValueError("X_val and y_val are passed to fit while at the same time early_stopping is False. "
                         "When passing X_val and y_val to fit, early_stopping should be set to either 'auto' "
                         "or True.")
    check_feature_names(model, X_val, reset=False)
    X_val = check_features(X_val, type(model).__name__, name="X_val", sparse=True)
    if X_val.shape[1] != X.shape[1]:
        raise ValueError(f"X_val: expected {X.shape[1]} features as X has, got {X_val.shape[1]}")
    encoded, spec = model._targets.encode(X_val, y_val, spec, model)
    return X_val, y_val, encoded, spec, sample_weight_val


def training_placement(X: Array, device: Any, dtype: Any) -> tuple[ModuleType, Any, Any]:
    """``(xp, device, dtype)`` to train on, from the ``device`` and ``dtype`` settings (None: ``X``'s
    library and device, and its float32/float64 when it is another library's array)."""
    xp, where = resolve_placement(device, X)
    if dtype is None and array_api_compat.is_array_api_obj(X):
        try:  # keep X's float32/float64 when training on another library
            dtype = dtype_name(array_api_compat.array_namespace(X), X.dtype)
        except TypeError:
            dtype = None
    return xp, where, resolve_dtype(xp, dtype, where)


def as_columns(X: Array, xp: ModuleType, device: Any, dtype: Any, check_cast: bool = True) -> Array:
    """Checked ``X`` (m, n) as columns (n, m) on ``xp``'s ``device`` in ``dtype``; with
    ``check_cast``, values that a narrowing cast made infinite are refused (the only check after
    the entry's). Sparse X: sparse columns (:func:`~portable_dnn._backend.sparse.sparse_columns`)."""
    if is_sparse(X):
        columns = sparse_columns(X, xp, device, dtype)
        values = columns.data  # the stored values: what a cast can make infinite
    else:
        X = move_to(X, xp, device)
        if X.dtype == dtype:
            return X.T
        columns = values = xp.astype(X, dtype).T
    narrowing = xp.isdtype(X.dtype, "real floating") and xp.finfo(dtype).max < xp.finfo(X.dtype).max
    if check_cast and narrowing and not is_dask_array(X):
        check_finite(xp, X=values)
    return columns


def columns_placement(columns: Any) -> tuple[ModuleType, Any]:
    """``(xp, device)`` where ``columns`` (dense, or sparse) live."""
    if is_sparse(columns):
        return sparse_placement(columns)
    return array_api_compat.array_namespace(columns), array_api_compat.device(columns)


def placed_weights(sample_weight: Any, columns: Array) -> Any:
    """``sample_weight`` checked once: on the host, m finite non-negative numbers of positive total
    (float64); for Dask ``columns``, a Dask array chunked as their examples (its values checked
    block by block as the stream reaches them)."""
    m = columns.shape[1]
    if is_dask_array(columns):
        dask_array = importlib.import_module("dask.array")
        weights = sample_weight if is_dask_array(sample_weight) else dask_array.asarray(sample_weight)
        if weights.shape != (m,):
            raise ValueError(f"sample_weight: expected shape ({m},) (one weight per sample), got {weights.shape}")
        return weights.astype(columns.dtype).rechunk(columns.chunks[1])
    return host_sample_weight(sample_weight, m)
