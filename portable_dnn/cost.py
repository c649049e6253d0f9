"""The costs: the cross-entropy (binary for one sigmoid unit, categorical for a softmax layer) and
the squared error (identity output units, for regression)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from array_api_compat import device as array_device

from ._backend import (
    Array,
    check_float,
    check_ndim,
    default_float_dtype,
    get_namespace,
    on_the_arrays_device,
)
from ._outputs import all_one_hot, check_loss, class_targets, targets


def clipped(xp: ModuleType, AL: Array) -> Array:
    """AL clipped to [eps, 1 - eps] of its dtype (so its logs are finite); NaN stays NaN.

    Written with ``where`` (whose scalars every library takes as they are): the wrappers'
    ``clip`` is 4x slower on NumPy and ``maximum`` would copy a scalar to a CUDA device."""
    eps = float(xp.finfo(AL.dtype).eps)
    return xp.where(AL < eps, eps, xp.where(AL > 1.0 - eps, 1.0 - eps, AL))


def example_costs_kernel(xp: ModuleType, loss: str, AL: Array, Y: Array) -> Array:
    """Each example's cost under ``loss`` (1, m), AL and Y (k, m), AL clipped to [eps, 1 - eps] for
    the cross-entropies: ``"cross_entropy"``, the binary -(Y log AL + (1 - Y) log(1 - AL)) for one
    sigmoid unit, the categorical -sum(Y log AL) over a softmax layer; ``"binary_cross_entropy"``,
    the binary one summed over k sigmoid units (multilabel); ``"squared_error"``, half the squared
    error summed over k outputs (with one output, scikit-learn's ``0.5 * (y - prediction)**2``;
    ``MLPRegressor`` descends its gradient ``AL - Y`` with several too); ``"poisson"``, half the
    Poisson deviance ``y log(y / AL) - y + AL`` summed over k outputs (scikit-learn's)."""
    if loss == "squared_error":
        D = AL - Y
        return xp.sum(D * D, axis=0, keepdims=True) / 2
    if loss == "poisson":  # half the deviance: y log(y / AL) - y + AL, with 0 log 0 = 0
        ylogy = xp.where(Y > 0.0, Y * xp.log(xp.where(Y > 0.0, Y, 1.0) / AL), 0.0)
        return xp.sum(ylogy - Y + AL, axis=0, keepdims=True)
    P = clipped(xp, AL)
    if loss == "binary_cross_entropy" or AL.shape[0] == 1:
        return -xp.sum(Y * xp.log(P) + (1.0 - Y) * xp.log1p(-P), axis=0, keepdims=True)
    return -xp.sum(Y * xp.log(P), axis=0, keepdims=True)


def mean_cost_kernel(xp: ModuleType, loss: str, AL: Array, Y: Array) -> Array:
    """The cost of ``loss``: its examples' costs (:func:`example_costs_kernel`) averaged over the m columns."""
    return xp.sum(example_costs_kernel(xp, loss, AL, Y)) / AL.shape[1]


def weighted_cost_kernel(xp: ModuleType, loss: str, AL: Array, Y: Array, weights: Array) -> Array:
    """The cost of ``loss`` weighted by the sample weights (1, m): ``sum_i w_i cost_i / sum_i w_i``
    (with equal weights, :func:`mean_cost_kernel`'s mean)."""
    return xp.sum(weights * example_costs_kernel(xp, loss, AL, Y)) / xp.sum(weights)


@on_the_arrays_device
def one_hot(labels: Array, num_classes: int, *, dtype: Any = None) -> Array:
    """Class indices ``labels`` (m,) or (1, m) as one-hot columns (num_classes, m).

    On the labels' namespace and device; ``dtype`` defaults to the device's widest float.
    ``ValueError`` unless every label is a whole number in [0, num_classes) (one host sync).
    """
    xp = get_namespace(labels=labels)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes: expected a positive integer, got {num_classes!r}")
    if labels.ndim not in (1, 2) or (labels.ndim == 2 and labels.shape[0] != 1):
        raise ValueError(f"labels: expected shape (m,) or (1, m), got {tuple(labels.shape)}")
    dtype = default_float_dtype(xp, array_device(labels)) if dtype is None else dtype
    T = class_targets(xp, labels, (num_classes, labels.shape[-1]), dtype, "labels")
    if not all_one_hot(xp, T):
        raise ValueError(f"labels: expected whole numbers from 0 to {num_classes - 1}")
    return T


@on_the_arrays_device
def compute_cost(AL: Array, Y: Array, *, loss: str = "cross_entropy") -> Array:
    """The cost of predictions ``AL`` for targets ``Y``.

    Parameters
    ----------
    AL : array (nL, m)
        Predictions: (1, m) of one sigmoid unit, (C, m) of a softmax layer (C >= 2), (k, m) of
        sigmoid units (multilabel), identity units (regression) or exponential units (Poisson).
    Y : array
        For one sigmoid unit, 0/1 labels (1, m) or (m,) (boolean, integer or floating); for a
        softmax layer, one-hot (C, m) or class indices (m,) or (1, m); 0/1 targets (k, m) for
        ``"binary_cross_entropy"``; real targets (k, m), or (m,) for one unit, for ``"squared_error"``
        (non-negative for ``"poisson"``).
    loss : {"cross_entropy", "binary_cross_entropy", "squared_error", "poisson"}, default "cross_entropy"
        ``"cross_entropy"``: the notebook's binary cross-entropy for one unit, the categorical
        ``-mean(sum(Y log AL))`` for a softmax layer; ``"binary_cross_entropy"``: each unit's binary
        cross-entropy, summed; ``"squared_error"``: ``sum((AL - Y)**2) / (2 m)``; ``"poisson"``:
        ``sum(Y log(Y / AL) - Y + AL) / m`` (half the deviance; ``0 log 0 = 0``).

    Returns
    -------
    cost : array
        0-d, in AL's namespace, device and dtype (no host sync; ``float(cost)`` reads it). AL is
        clipped to [eps, 1 - eps] of its dtype for the cross-entropies, so predictions of
        exactly 0 or 1 give a finite cost.

    Raises
    ------
    TypeError, ValueError
        Arrays of another library or device, a non-floating AL, shapes that do not match, an
        unknown loss.
    """
    xp = get_namespace(AL=AL, Y=Y)
    check_float(xp, AL=AL)
    check_ndim("AL", AL)
    if AL.shape[1] == 0:
        raise ValueError(f"AL: expected shape (C, m) with m >= 1, got {tuple(AL.shape)}")
    loss = check_loss(loss)
    return mean_cost_kernel(xp, loss, AL, targets(xp, Y, AL.shape[0], AL, loss=loss))
