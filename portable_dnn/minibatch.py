"""Mini-batches: the course's ``random_mini_batches``, gathered on the data's device."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from array_api_compat import device as array_device

from ._backend import Array, get_namespace, on_the_arrays_device
from ._checks import check_count
from ._random import check_seed, shuffled_indices
from ._splits import split_examples


def batch_bounds(m: int, mini_batch_size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each mini-batch: ``m // size`` complete ones, then the rest (if any)."""
    return [(start, min(start + mini_batch_size, m)) for start in range(0, m, mini_batch_size)]


def label_rows(xp: ModuleType, Y: Array, m: int) -> Array:
    """``Y`` as rows of labels (1, m) from (m,) or (1, m), or one-hot (C, m) as given."""
    if Y.ndim == 1 and Y.shape[0] == m:
        return xp.reshape(Y, (1, m))
    if Y.ndim == 2 and Y.shape[1] == m:
        return Y
    raise ValueError(f"Y: expected shape (1, {m}), ({m},) or one-hot (C, {m}) for X's {m} examples, "
                     f"got {tuple(Y.shape)}")


@on_the_arrays_device
def random_mini_batches(
    X: Array, Y: Array, mini_batch_size: int = 64, seed: int = 0
) -> list[tuple[Array, Array]]:
    """The course's mini-batches: the columns of ``X`` (n, m) and ``Y`` shuffled together by
    ``RandomState(seed).permutation(m)``, then cut into ``m // mini_batch_size`` batches of
    ``mini_batch_size`` columns and a last, smaller one with the rest (when m is not a multiple).

    ``Y``: labels (1, m) or (m,) (batches (1, size)) or one-hot (C, m). The permutation (m
    integers) is drawn on the host; the data is gathered on its own device. Returns a list
    of ``(mini_batch_X, mini_batch_Y)``.
    """
    xp = get_namespace(X=X, Y=Y)
    size = check_count(mini_batch_size, "mini_batch_size", minimum=1)
    seed = check_seed(seed)
    if X.ndim != 2 or X.shape[1] == 0:
        raise ValueError(f"X: expected shape (n, m) with m >= 1 examples, got {tuple(X.shape)}")
    m = X.shape[1]
    Y = label_rows(xp, Y, m)
    order = shuffled_indices(m, seed, xp, array_device(X))
    shuffled_X, shuffled_Y = xp.take(X, order, axis=1), xp.take(Y, order, axis=1)
    return [(shuffled_X[:, start:stop], shuffled_Y[:, start:stop]) for start, stop in batch_bounds(m, size)]


@on_the_arrays_device
def hold_out(X: Array, Y: Array, fraction: float, seed: int,
             stratify: Any = None) -> tuple[Array, Array, tuple[Array, Array]]:
    """``(X_kept, Y_kept, (X_held, Y_held))``: the first ``round(fraction * m)`` examples (at least one) of
    ``RandomState(seed).permutation(m)`` held out (for validation), the others kept, taken on the
    data's device; with ``stratify`` (class labels (m,) on the host), those of
    :func:`stratified_order` (each class held out in proportion). ``X`` (n, m); ``Y``'s last axis
    holds the m examples ((m,), (1, m) or (C, m)). ``ValueError`` unless both sides get at least
    one example."""
    (X_kept, Y_kept), (X_held, Y_held) = split_examples({"X": X, "Y": Y}, fraction, seed, stratify)
    return X_kept, Y_kept, (X_held, Y_held)
