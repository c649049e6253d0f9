"""CuPy's fast forms: each optimiser update as one fused CUDA kernel (on top of NumPy's ``out=``
forms, :mod:`.numpy`, which CuPy shares)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .portable import squared_gradient_weight


@functools.lru_cache(maxsize=1)
def _optimizer_kernels_cupy(cupy: ModuleType) -> dict[str, Callable[..., Any]]:
    """The optimiser updates as one fused CUDA kernel each (``cupy.ElementwiseKernel``): every
    element of W, g, v (and s) read once and W, v (and s) written once, in one launch per parameter
    instead of the eight to eleven of the ``out=`` forms; the same formulas as theirs."""
    momentum_kernel = cupy.ElementwiseKernel(
        "T g, T beta, T lr", "T W, T v",
        "v = beta * v + g; W = W - lr * v;",
        "portable_dnn_momentum")
    adam_kernel = cupy.ElementwiseKernel(
        "T g, T beta1, T beta2, T weight, T step_size, T eps_hat", "T W, T v, T s",
        "v = beta1 * v + g; s = beta2 * s + weight * (g * g); W = W - step_size * (v / (sqrt(s) + eps_hat));",
        "portable_dnn_adam")

    def momentum(W: Any, g: Any, v: Any, scratch: Any, beta: float, lr: float) -> tuple[Any, Any]:
        momentum_kernel(g, beta, lr, W, v)
        return W, v

    def adam(W: Any, g: Any, v: Any, s: Any, scratch: Any, beta1: float, beta2: float, step_size: float,
             eps_hat: float) -> tuple[Any, Any, Any]:
        adam_kernel(g, beta1, beta2, squared_gradient_weight(beta1, beta2), step_size, eps_hat, W, v, s)
        return W, v, s

    return {"momentum": momentum, "adam": adam}
