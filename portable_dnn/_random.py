"""Seeded random draws: initial weights on the host, dropout masks on the data's device.

The array API standard has no random module. Initial weights: every backend receives the
same draws from NumPy's legacy ``RandomState`` stream (the one the course uses), which makes
the notebook's values reproducible and cross-backend results comparable. Masks drawn every
step: :class:`DeviceRandom`, each library's own generator where it has one.
"""

from __future__ import annotations

import importlib
import numbers
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from ._backend import Array, backend_name, device_scope
from ._backend.transfers import move_to


def check_seed(seed: object) -> int:
    """A seed for NumPy's legacy generator: an integer from 0 to 2**32 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed: expected an integer, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed: expected an integer from 0 to 2**32 - 1, got {seed}")
    return int(seed)


#: A seed for the host's draws: an integer, or a generator to draw from (and advance).
Seed = int | np.random.RandomState


def random_state(seed: object) -> np.random.RandomState:
    """``seed`` as a generator: ``RandomState(seed)`` for an integer (:func:`check_seed`), a
    ``numpy.random.RandomState`` as it is (it is drawn from, and so advanced)."""
    return seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(check_seed(seed))


def host_draws(
    shapes: Sequence[tuple[int, int]],
    draw: Callable[[np.random.RandomState, tuple[int, int]], tuple[np.ndarray, np.ndarray | None]],
    *,
    seed: Seed,
    xp: ModuleType,
    device: Any,
    dtype: Any,
) -> list[tuple[Array, Array | None]]:
    """``(W, b)`` for each shape in order, ``draw(rng, shape)`` from one generator,
    :func:`random_state` of ``seed`` (None for b stays None).

    The draws are made on the host in float64, cast there to ``dtype`` and then moved to
    ``device`` with one explicit ``xp.asarray`` per array.
    """
    rng = random_state(seed)
    drawn = [draw(rng, shape) for shape in shapes]
    return [(move_to(W, xp, device, dtype), None if b is None else move_to(b, xp, device, dtype)) for W, b in drawn]


def fresh_seed() -> int:
    """A seed from the operating system's entropy (for ``seed=None``)."""
    return int(np.random.SeedSequence().generate_state(1)[0])


class DeviceRandom:
    """Seeded Bernoulli masks drawn where the data lives, one stream per generator.

    NumPy, array-api-strict and Dask draw ``RandomState(seed).random_sample`` on the host (the
    legacy stream behind the course's ``np.random.rand``, so the course's dropout masks come out
    with its seed) and move them over; CuPy (``cupy.random.RandomState``), PyTorch
    (``torch.Generator`` on the tensor's device) and JAX (``jax.random`` keys, split per draw) draw
    on the device. The same seed gives the same masks on the same backend, not across backends
    (except NumPy, array-api-strict and Dask, which share the host stream).
    """

    def __init__(self, xp: ModuleType, device: Any, seed: int | None = None) -> None:
        self.xp, self.device = xp, device
        seed = fresh_seed() if seed is None else int(seed)
        name = backend_name(xp)
        if name == "torch":
            torch = importlib.import_module("torch")
            self._torch = torch
            self._generator = torch.Generator(device=device).manual_seed(seed)
            self.mask = self._torch_mask
        elif name == "cupy":
            cupy = importlib.import_module("cupy")
            with device_scope(device):
                self._generator = cupy.random.RandomState(seed)
            self.mask = self._cupy_mask
        elif name == "jax":
            self._jax = importlib.import_module("jax")
            self._key = self._jax.random.key(seed)
            self.mask = self._jax_mask
        else:
            self._generator = np.random.RandomState(seed)
            self.mask = self._host_mask

    def _host_mask(self, shape: tuple[int, int], keep_prob: float) -> Array:
        return move_to(self._generator.random_sample(shape) < keep_prob, self.xp, self.device)

    def _torch_mask(self, shape: tuple[int, int], keep_prob: float) -> Array:
        draws = self._torch.rand(shape, generator=self._generator, device=self.device)
        return draws < keep_prob

    def _cupy_mask(self, shape: tuple[int, int], keep_prob: float) -> Array:
        with device_scope(self.device):
            return self._generator.random_sample(shape, dtype="float32") < keep_prob

    def _jax_mask(self, shape: tuple[int, int], keep_prob: float) -> Array:
        self._key, key = self._jax.random.split(self._key)
        return self._jax.device_put(self._jax.random.bernoulli(key, keep_prob, shape), self.device)


def permutation(m: int, seed: int) -> np.ndarray:
    """``RandomState(seed).permutation(m)`` (the course's ``np.random.seed(seed);
    np.random.permutation(m)``), on the host."""
    return np.random.RandomState(seed).permutation(m)


def is_generator(seed: object) -> bool:
    """Whether ``seed`` is a ``numpy.random.RandomState`` (drawn from, rather than an integer seed)."""
    return isinstance(seed, np.random.RandomState)


def check_generator(shuffle: object, name: str = "shuffle") -> np.random.RandomState | bool | None:
    """``shuffle``: None, False (no shuffling) or a ``numpy.random.RandomState``, else ``TypeError``
    naming it."""
    if shuffle is not None and shuffle is not False and not isinstance(shuffle, np.random.RandomState):
        raise TypeError(f"{name}: expected None, False or a numpy.random.RandomState, got {type(shuffle).__name__}")
    return shuffle


class Reshuffled:
    """scikit-learn's MLP order of m examples: each epoch, :meth:`next` reorders the last epoch's
    order by ``rng.permutation(m)`` (what ``sklearn.utils.shuffle`` of the sample indices draws),
    starting from ``0, ..., m - 1``; host indices. Without ``rng`` (``shuffle=False``), the
    examples in their own order every epoch, drawing nothing."""

    def __init__(self, rng: np.random.RandomState | None, m: int) -> None:
        self.rng, self.order = rng, np.arange(m)

    def next(self) -> np.ndarray:
        if self.rng is not None:
            self.order = self.order[self.rng.permutation(self.order.shape[0])]
        return self.order


def shuffled_indices(m: int, seed: int, xp: ModuleType, device: Any) -> Array:
    """:func:`permutation` moved to ``device``."""
    return move_to(permutation(m, seed), xp, device)
