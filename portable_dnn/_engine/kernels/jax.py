"""JAX's forms: batches gathered as rows of X's transpose, and the step compiled with ``jax.jit``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..._backend import on_cpu


def _jax_gather(xp: ModuleType) -> dict[str, Callable[..., Any]]:
    """JAX arrays are row-major, with no strided views: a batch of columns is gathered as rows of
    X's transpose (made once) and transposed back, which XLA folds into the next product
    (a column gather from X itself costs 7x as much)."""
    return {"batch_source": lambda X: X.T,
            "take_columns": lambda rows, indices, out: xp.take(rows, indices, axis=0).T}


def _jax_compile(device: Any) -> Callable[..., Callable[..., Any]]:
    """``jax.jit``, donating the step's parameters and optimiser state (its first three arguments;
    none with ``donate=False``) except on the CPU, where XLA cannot reuse donated buffers (and warns)."""
    jax = importlib.import_module("jax")
    donated = () if on_cpu(getattr(device, "platform", device)) else (0, 1, 2)
    return lambda step, donate=True: jax.jit(step, donate_argnums=donated if donate else ())
