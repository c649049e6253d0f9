"""Seeded random draws on the host, moved explicitly to the requested namespace and device.

The array API standard has no random module, so every backend receives the same
draws from NumPy's legacy ``RandomState`` stream (the one the course uses), which
makes the notebook's values reproducible and cross-backend results comparable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from ._backend import Array
from .io import move_to


def scaled_normal_draws(
    shapes: Sequence[tuple[int, int]],
    scale: Callable[[np.ndarray, int], np.ndarray],
    *,
    seed: int,
    xp: ModuleType,
    device: Any,
    dtype: Any,
) -> list[Array]:
    """Draw ``randn(*shape)`` for each shape in order from ``RandomState(seed)``.

    ``scale(draws, fan_in)`` is applied on the host in float64 (``fan_in`` is
    ``shape[1]``); the result is cast on the host to ``dtype`` and then moved to
    ``device`` with one explicit ``xp.asarray`` per array.
    """
    rng = np.random.RandomState(seed)
    return [move_to(scale(rng.randn(*shape), shape[1]), xp, device, dtype) for shape in shapes]
