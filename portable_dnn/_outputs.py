"""The output layer for each loss: its activation (:func:`output_activation`), the targets it is
trained on, encoded from labels or values (:func:`targets`), and the classes read from it
(:func:`predicted_classes_kernel`: above 0.5 for sigmoid units, else the most probable)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from array_api_compat import device as array_device

from ._backend import Array, as_float_labels, describe_dtype

#: The costs the output layer can be trained for (see :func:`portable_dnn.compute_cost`).
LOSSES = ("cross_entropy", "binary_cross_entropy", "squared_error", "poisson")

#: The losses of real-valued targets (a regression network, scored by R²).
REGRESSION_LOSSES = ("squared_error", "poisson")


def check_loss(loss: object, choices: tuple[str, ...] = LOSSES) -> str:
    """``loss`` if it is one of ``choices`` (default :data:`LOSSES`), else ``ValueError``."""
    if not isinstance(loss, str) or loss not in choices:
        raise ValueError(f"loss: expected one of {list(choices)}, got {loss!r}")
    return loss


def output_activation(units: int, loss: str = "cross_entropy") -> str:
    """The output layer's activation for its number of units and its cost: for the cross-entropy,
    sigmoid for 1 unit and softmax for more; for the binary cross-entropy of each unit (multilabel),
    sigmoid; for the squared error, the identity; for the Poisson deviance, the exponential (a
    log link)."""
    if loss == "squared_error":
        return "identity"
    if loss == "poisson":
        return "exp"
    return "sigmoid" if units == 1 or loss == "binary_cross_entropy" else "softmax"


def layer_activations(L: int, output_units: int = 1, hidden_activation: str = "relu",
                      loss: str = "cross_entropy") -> list[str]:
    """The activation of each of the L layers: ``hidden_activation`` for 1..L-1, then the
    output layer's (:func:`output_activation`)."""
    return [hidden_activation] * (L - 1) + [output_activation(output_units, loss)]


def one_hot_kernel(xp: ModuleType, labels: Array, num_classes: int, dtype: Any) -> Array:
    """(num_classes, m) of ``dtype``: column j is 1 in row ``labels[j]`` (no value checks)."""
    m = labels.shape[-1]
    rows = xp.reshape(xp.arange(num_classes, device=array_device(labels)), (num_classes, 1))
    return xp.astype(xp.reshape(labels, (1, m)) == xp.astype(rows, labels.dtype), dtype)


def class_targets(xp: ModuleType, Y: Array, shape: tuple[int, int], dtype: Any, name: str = "Y") -> Array:
    """``Y`` as one-hot targets of ``shape`` (C, m) and ``dtype``: ``Y`` is one-hot (C, m) or
    class indices of shape (m,) or (1, m) (values not inspected: no host sync)."""
    C, m = shape
    if tuple(Y.shape) == (C, m):
        return Y if Y.dtype == dtype else xp.astype(Y, dtype)
    if tuple(Y.shape) not in ((m,), (1, m)):
        raise ValueError(f"{name}: expected one-hot labels of shape ({C}, {m}) or class indices of shape "
                         f"({m},) or (1, {m}), got {tuple(Y.shape)}")
    if not xp.isdtype(Y.dtype, ("integral", "real floating")):
        raise TypeError(f"{name}: expected integer class indices, got dtype {describe_dtype(Y.dtype)}")
    return one_hot_kernel(xp, Y, C, dtype)


def regression_targets(xp: ModuleType, Y: Array, units: int, like: Array, name: str = "Y") -> Array:
    """Real targets (units, m) in ``like``'s dtype from ``Y`` (units, m), or (m,) for one unit."""
    m = like.shape[1]
    if tuple(Y.shape) != (units, m) and not (units == 1 and tuple(Y.shape) == (m,)):
        shapes = f"({units}, {m})" + (f" or ({m},)" if units == 1 else "")
        raise ValueError(f"{name}: expected targets of shape {shapes}, got {tuple(Y.shape)}")
    if not xp.isdtype(Y.dtype, ("integral", "real floating", "bool")):
        raise TypeError(f"{name}: expected real targets, got dtype {describe_dtype(Y.dtype)}")
    Y = Y if Y.dtype == like.dtype else xp.astype(Y, like.dtype)
    return xp.reshape(Y, (units, m))


def targets(xp: ModuleType, Y: Array, units: int, like: Array, name: str = "Y", loss: str = "cross_entropy") -> Array:
    """``Y`` as targets for ``units`` output units over the m columns of ``like`` (an (n, m)
    array whose dtype they take): for the cross-entropy, 0/1 labels (1, m) for one unit, one-hot
    (units, m) otherwise; for the squared error, real values (units, m) (values not inspected:
    no host sync)."""
    if loss in (*REGRESSION_LOSSES, "binary_cross_entropy"):  # values (units, m): real, or 0/1 labels of each unit
        return regression_targets(xp, Y, units, like, name)
    if units == 1:
        return as_float_labels(xp, Y, like, name)
    return class_targets(xp, Y, (units, like.shape[1]), like.dtype, name)


def all_one_hot(xp: ModuleType, T: Array) -> bool:
    """Whether every column of ``T`` (C, m) is 0 but for a single 1 (one host sync). Class
    indices outside [0, C) or not whole give a column of zeros through :func:`one_hot_kernel`."""
    return bool(xp.all(((T == 0.0) | (T == 1.0)) & (xp.sum(T, axis=0, keepdims=True) == 1.0)))


def predicted_classes_kernel(xp: ModuleType, AL: Array, each_unit: bool = False) -> Array:
    """The classes an output ``AL`` (units, m) predicts: for sigmoid units (one unit, or
    ``each_unit`` for multilabel) whether each is above 0.5 (bool, (units, m)); for a softmax
    layer the index of the most probable class (m,)."""
    if each_unit or AL.shape[0] == 1:
        return AL > 0.5
    return xp.argmax(AL, axis=0)
