"""The cross-entropy cost."""

from __future__ import annotations

from types import ModuleType

from ._backend import Array, as_float_labels, check_float, check_ndim, get_namespace


def cross_entropy_kernel(xp: ModuleType, AL: Array, Y: Array) -> Array:
    """-mean(Y log AL + (1 - Y) log(1 - AL)) over the m columns, AL clipped to [eps, 1 - eps]."""
    eps = float(xp.finfo(AL.dtype).eps)
    P = xp.minimum(xp.maximum(AL, eps), 1.0 - eps)  # clip, without the wrappers' overhead
    return -xp.sum(Y * xp.log(P) + (1.0 - Y) * xp.log1p(-P)) / AL.shape[1]


def compute_cost(AL: Array, Y: Array) -> Array:
    """Cross-entropy cost of predictions ``AL`` (1, m) for labels ``Y`` (1, m) or (m,).

    Returns a 0-d array in ``AL``'s namespace, device and dtype (no host sync; use
    ``float(cost)`` to read it). ``Y`` may be boolean, integer or floating. AL values of
    exactly 0 or 1 are clipped by the dtype's machine epsilon, so the cost stays finite.
    """
    xp = get_namespace(AL=AL, Y=Y)
    check_float(xp, AL=AL)
    check_ndim("AL", AL)
    if AL.shape[0] != 1 or AL.shape[1] == 0:
        raise ValueError(f"AL: expected shape (1, m) with m >= 1, got {tuple(AL.shape)}")
    return cross_entropy_kernel(xp, AL, as_float_labels(xp, Y, AL))
