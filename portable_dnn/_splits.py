"""Held-out splits: how many examples a split holds out, which ones (seeded, stratified by class, or
as scikit-learn's ``train_test_split`` draws them from a generator), on the host; and the arrays
taken on their own device by those indices."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from array_api_compat import device as array_device

from ._backend import Array, get_namespace, is_lazy
from ._backend.sparse import is_sparse
from ._backend.transfers import move_to
from ._random import is_generator, permutation


def stratified_order(labels: np.ndarray, held: int, seed: int) -> np.ndarray:
    """A seeded permutation of the m examples whose first ``held`` take each class of ``labels``
    (m,) (host values) in proportion to its count, as scikit-learn's stratified splits do: each
    class gets the floor of its share, the classes with the largest remainders one more (ties
    in seeded random order)."""
    rng = np.random.RandomState(seed)
    classes, counts = np.unique(labels, return_counts=True)
    if counts.min() < 2:
        raise ValueError(f"validation split: the least populated class in y has only {counts.min()} member, too few "
                         "for a stratified split (each class needs one sample on each side); classes with too few "
                         f"members: {[_plain(label) for label in classes[counts < 2]]}")
    share = held * counts / counts.sum()
    quota = np.floor(share).astype(int)
    by_remainder = np.lexsort((rng.random_sample(len(classes)), quota - share))
    quota[by_remainder[:held - quota.sum()]] += 1
    members = [rng.permutation(np.flatnonzero(labels == label)) for label in classes]
    first = np.concatenate([indices[:k] for indices, k in zip(members, quota, strict=True)])
    rest = np.concatenate([indices[k:] for indices, k in zip(members, quota, strict=True)])
    return np.concatenate([rng.permutation(first), rng.permutation(rest)])


def _plain(label: Any) -> Any:
    """A label as it reads best: a whole float as an integer."""
    value = label.item() if hasattr(label, "item") else label
    return int(value) if isinstance(value, float) and value.is_integer() else value


def held_out_count(m: int, fraction: float, name: str, held: str = "validation", rounding: Any = round) -> int:
    """How many of m examples a split holds out: ``rounding(fraction * m)`` (``math.ceil``:
    scikit-learn's ``train_test_split``), at least one; ``ValueError`` naming ``name`` unless
    both sides get at least one (``held``: what the held-out side is called)."""
    count = max(1, int(rounding(fraction * m)))
    if not count < m:
        raise ValueError(f"{name}: {fraction} of n_samples = {m} leaves no {held} or no training examples")
    return count


def held_out_indices(m: int, held: int, seed: int | np.random.RandomState, stratify: Any = None,
                     in_order: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(kept, held_out)`` host indices of m examples: the first ``held`` of
    :func:`permutation` held out (``seed`` a generator: of its next ``permutation(m)``, as
    scikit-learn's ``train_test_split`` draws it), or with ``stratify`` (the m labels, any shape) of
    :func:`stratified_order`; with ``in_order``, each side sorted."""
    if isinstance(seed, np.random.RandomState):  # a generator: its next permutation(m)
        order = seed.permutation(m)
    elif stratify is None:
        order = permutation(m, seed)
    else:
        order = stratified_order(np.asarray(stratify).reshape(-1), held, seed)
    kept, out = order[held:], order[:held]
    return (np.sort(kept), np.sort(out)) if in_order else (kept, out)


def split_indices(m: int, fraction: float, seed: Any, stratify: Any = None,
                  in_order: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(kept, held)`` host indices of m examples: ``round(fraction * m)`` held out (at least one)
    by :func:`held_out_indices`; ``seed`` a generator (not stratified): scikit-learn's
    ``train_test_split`` from it, the first ``ceil(fraction * m)`` of its next permutation."""
    held = held_out_count(m, fraction, "validation_fraction", rounding=math.ceil if is_generator(seed) else round)
    return held_out_indices(m, held, seed, stratify, in_order=in_order)


def take_examples(arrays: Sequence[Array], indices: np.ndarray) -> list[Array]:
    """The examples ``indices`` (host) of each of the ``arrays`` (one namespace, the examples along
    the last axis), taken on their device (a Dask array: indexed lazily)."""
    if is_sparse(arrays[0]):  # sparse columns: gathered as they are, the others (dense) on their device
        return [arrays[0][:, indices], *(take_examples(arrays[1:], indices) if len(arrays) > 1 else [])]
    xp = get_namespace(**{f"array {i}": array for i, array in enumerate(arrays)})
    if is_lazy(xp):
        return [array[..., indices] for array in arrays]
    placed = move_to(indices, xp, array_device(arrays[0]))
    return [xp.take(array, placed, axis=array.ndim - 1) for array in arrays]


def split_examples(named: Mapping[str, Array], fraction: float, seed: Any,
                   stratify: Any = None) -> tuple[list[Array], list[Array]]:
    """``(kept, held)``: each of the ``named`` arrays (one namespace, the m examples along the last
    axis, as X (n, m), targets, sample weights (m,)), in order, split as :func:`hold_out` splits X
    and Y; ``seed`` a generator (not stratified): scikit-learn's ``train_test_split`` from it, the
    first ``ceil(fraction * m)`` of its next permutation held out."""
    xp = get_namespace(**named)
    arrays = list(named.values())
    # Dask: each side in the examples' order, indexed by host indices: X's chunks, thinned.
    kept, held = split_indices(arrays[0].shape[-1], fraction, seed, stratify, in_order=is_lazy(xp))
    return take_examples(arrays, kept), take_examples(arrays, held)
