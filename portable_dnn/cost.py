"""The cross-entropy cost: binary for one sigmoid unit, categorical for a softmax layer."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from array_api_compat import device as array_device

from ._backend import (
    Array,
    as_float_labels,
    check_float,
    check_ndim,
    default_float_dtype,
    describe_dtype,
    get_namespace,
)


def clipped(xp: ModuleType, AL: Array) -> Array:
    """AL clipped to [eps, 1 - eps] of its dtype (so its logs are finite)."""
    eps = float(xp.finfo(AL.dtype).eps)
    return xp.clip(AL, eps, 1.0 - eps)


def cross_entropy_kernel(xp: ModuleType, AL: Array, Y: Array) -> Array:
    """The mean cross-entropy over the m columns, AL clipped to [eps, 1 - eps]: binary,
    -mean(Y log AL + (1 - Y) log(1 - AL)), for AL (1, m); categorical, -mean(sum(Y log AL)),
    for AL (C, m) with Y one-hot (C, m)."""
    P = clipped(xp, AL)
    if AL.shape[0] == 1:
        return -xp.sum(Y * xp.log(P) + (1.0 - Y) * xp.log1p(-P)) / AL.shape[1]
    return -xp.sum(Y * xp.log(P)) / AL.shape[1]


def one_hot_kernel(xp: ModuleType, labels: Array, num_classes: int, dtype: Any) -> Array:
    """(num_classes, m) of ``dtype``: column j is 1 in row ``labels[j]`` (no value checks)."""
    m = labels.shape[-1]
    rows = xp.reshape(xp.arange(num_classes, device=array_device(labels)), (num_classes, 1))
    return xp.astype(xp.reshape(labels, (1, m)) == xp.astype(rows, labels.dtype), dtype)


def class_targets(xp: ModuleType, Y: Array, AL: Array, name: str = "Y") -> Array:
    """``Y`` as one-hot targets (C, m) in AL's dtype, for AL (C, m): ``Y`` is one-hot (C, m)
    or class indices of shape (m,) or (1, m) (values not inspected: no host sync)."""
    C, m = AL.shape
    if tuple(Y.shape) == (C, m):
        return Y if Y.dtype == AL.dtype else xp.astype(Y, AL.dtype)
    if tuple(Y.shape) not in ((m,), (1, m)):
        raise ValueError(f"{name}: expected one-hot labels of shape ({C}, {m}) or class indices of shape "
                         f"({m},) or (1, {m}), got {tuple(Y.shape)}")
    if not xp.isdtype(Y.dtype, ("integral", "real floating")):
        raise TypeError(f"{name}: expected integer class indices, got dtype {describe_dtype(Y.dtype)}")
    return one_hot_kernel(xp, Y, C, AL.dtype)


def targets(xp: ModuleType, Y: Array, AL: Array, name: str = "Y") -> Array:
    """``Y`` in AL's shape and dtype: 0/1 labels (1, m) for AL (1, m), one-hot (C, m) otherwise."""
    return as_float_labels(xp, Y, AL, name) if AL.shape[0] == 1 else class_targets(xp, Y, AL, name)


def checked_one_hot(xp: ModuleType, labels: Array, num_classes: int, dtype: Any, name: str) -> Array:
    """:func:`one_hot` with ``xp`` given and errors naming ``name``."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes: expected a positive integer, got {num_classes!r}")
    if labels.ndim not in (1, 2) or (labels.ndim == 2 and labels.shape[0] != 1):
        raise ValueError(f"{name}: expected shape (m,) or (1, m), got {tuple(labels.shape)}")
    if not xp.isdtype(labels.dtype, ("integral", "real floating")):
        raise TypeError(f"{name}: expected integer class indices, got dtype {describe_dtype(labels.dtype)}")
    in_range = (labels >= 0) & (labels < num_classes)
    if xp.isdtype(labels.dtype, "real floating"):
        in_range = in_range & (labels == xp.round(labels))
    if not bool(xp.all(in_range)):
        raise ValueError(f"{name}: expected whole numbers from 0 to {num_classes - 1}")
    dtype = default_float_dtype(xp, array_device(labels)) if dtype is None else dtype
    return one_hot_kernel(xp, labels, num_classes, dtype)


def one_hot(labels: Array, num_classes: int, *, dtype: Any = None) -> Array:
    """Class indices ``labels`` (m,) or (1, m) as one-hot columns (num_classes, m).

    On the labels' namespace and device; ``dtype`` defaults to the device's widest float.
    ``ValueError`` unless every label is a whole number in [0, num_classes) (one host sync).
    """
    xp = get_namespace(labels=labels)
    return checked_one_hot(xp, labels, num_classes, dtype, "labels")


def compute_cost(AL: Array, Y: Array) -> Array:
    """Cross-entropy cost of predictions ``AL``.

    ``AL`` (1, m), one sigmoid unit: the notebook's binary cross-entropy, ``Y`` 0/1 labels
    (1, m) or (m,) (boolean, integer or floating). ``AL`` (C, m) with C >= 2, a softmax
    layer: the categorical cross-entropy, ``Y`` one-hot (C, m) or class indices (m,) or
    (1, m). Returns a 0-d array in ``AL``'s namespace, device and dtype (no host sync; use
    ``float(cost)`` to read it). AL is clipped to [eps, 1 - eps] of its dtype, so
    predictions of exactly 0 or 1 give a finite cost.
    """
    xp = get_namespace(AL=AL, Y=Y)
    check_float(xp, AL=AL)
    check_ndim("AL", AL)
    if AL.shape[1] == 0:
        raise ValueError(f"AL: expected shape (C, m) with m >= 1, got {tuple(AL.shape)}")
    return cross_entropy_kernel(xp, AL, targets(xp, Y, AL))
