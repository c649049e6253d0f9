"""The training data checked once where it enters the engine: targets encoded and checked, values
finite, sample weights as a row below the targets (so every batch gathers them with its targets)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from array_api_compat import device as array_device

from .._backend import Array
from .._backend.transfers import move_to
from .._outputs import REGRESSION_LOSSES, all_one_hot, targets
from .._validation import host_sample_weight


def check_targets(xp: ModuleType, Y: Array, X: Array, classes: int, name: str = "Y",
                  loss: str = "cross_entropy") -> Array:
    """Training targets in X's dtype (:func:`targets`), their values checked (one host sync):
    0/1 labels (1, m) for one output unit; for ``classes`` >= 2 softmax units, one-hot
    (classes, m) from one-hot ``Y`` or from class indices (m,) or (1, m) in [0, classes); for
    the squared error, finite real targets (``classes`` outputs, m)."""
    T = targets(xp, Y, classes, X, name, loss)
    if loss in REGRESSION_LOSSES:
        check_finite(xp, **{name: T})
        if loss == "poisson" and not bool(xp.all(T >= 0.0)):
            raise ValueError(f"{name}: Poisson regression needs non-negative targets (counts, rates)")
        return T
    if classes == 1 or loss == "binary_cross_entropy":
        if not bool(xp.all((T == 0.0) | (T == 1.0))):
            raise ValueError(f"{name}: expected labels 0 and 1 only (or False/True)")
        return T
    if not all_one_hot(xp, T):
        raise ValueError(f"{name}: expected class indices from 0 to {classes - 1} (or one-hot columns)")
    return T


def all_finite(xp: ModuleType, arrays: Mapping[str, Array]) -> bool:
    """Whether every array holds only finite values: two reductions per array, no
    temporaries, one host sync. NaN propagates through ``max`` and ``min`` (array API
    standard), and an infinity is an array's max or min."""
    flags = [xp.isfinite(xp.max(a)) & xp.isfinite(xp.min(a)) for a in arrays.values() if 0 not in a.shape]
    return not flags or bool(functools.reduce(operator.and_, flags))


def check_finite(xp: ModuleType, **arrays: Array) -> None:
    """``ValueError`` naming the first array that holds NaN or infinity."""
    if all_finite(xp, arrays):
        return
    for name, array in arrays.items():
        if not all_finite(xp, {name: array}):
            raise ValueError(f"{name}: contains NaN or infinity")


def weight_row(xp: ModuleType, sample_weight: Any, like: Array, check: bool = True, whole: bool = True,
               name: str = "sample_weight") -> tuple[Array, Any]:
    """``(row, host)``: the sample weights (m,) of the m columns of ``like`` as a row (1, m) in its
    dtype on its device, and on the host (NumPy float64: :func:`host_sample_weight`, which checks
    them with ``check`` and ``whole``, naming ``name``; one host sync)."""
    m = like.shape[1]
    host = host_sample_weight(sample_weight, m, check, whole, name)
    return xp.reshape(move_to(host, xp, array_device(like), like.dtype), (1, m)), host


def weighted(xp: ModuleType, T: Array, sample_weight: Any, check: bool = True,
             whole: bool = True) -> tuple[Array, Any]:
    """``(Y, host)``: the targets ``T`` (k, m) with the sample weights (m,) as one more row below them
    (gathered into batches with them), and the weights on the host, for the batches' total
    weights (:func:`weight_row`)."""
    row, host = weight_row(xp, sample_weight, T, check, whole)
    return xp.concat([T, row], axis=0), host



def split_weights(Y: Array, weighted: bool) -> tuple[Array, Array | None]:
    """``(targets, weights)``: Y's rows but the last and its last row (1, m) where Y carries the
    sample weights (:func:`weighted`), else ``(Y, None)``."""
    return (Y[:-1, ...], Y[-1:, ...]) if weighted else (Y, None)

