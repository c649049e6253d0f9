"""Activation functions and their backward passes, with one registry keyed by name.

Each public function checks its inputs and returns arrays of the input's namespace,
device and dtype. The ``_kernel`` functions beneath them take ``xp`` and skip the
checks; the training loop uses those.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import NamedTuple

from ._backend import Array, check_float, get_namespace


def sigmoid_kernel(xp: ModuleType, Z: Array) -> Array:
    """1 / (1 + exp(-Z)) without overflow: exp is only taken of -|Z|."""
    e = xp.exp(-xp.abs(Z))
    return xp.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu_kernel(xp: ModuleType, Z: Array) -> Array:
    """max(Z, 0); NaN stays NaN."""
    return xp.maximum(Z, 0.0)


def sigmoid_backward_kernel(xp: ModuleType, dA: Array, Z: Array) -> Array:
    """dA * s * (1 - s) with s = sigmoid(Z)."""
    s = sigmoid_kernel(xp, Z)
    return dA * s * (1.0 - s)


def relu_backward_kernel(xp: ModuleType, dA: Array, Z: Array) -> Array:
    """dA where Z > 0, else 0 (the derivative at Z = 0 is taken as 0)."""
    return xp.where(Z > 0, dA, 0.0)


def _forward(kernel: Callable[[ModuleType, Array], Array], Z: Array) -> tuple[Array, Array]:
    xp = get_namespace(Z=Z)
    check_float(xp, Z=Z)
    return kernel(xp, Z), Z


def _backward(kernel: Callable[[ModuleType, Array, Array], Array], dA: Array, cache: Array) -> Array:
    xp = get_namespace(dA=dA, cache=cache)
    check_float(xp, dA=dA, cache=cache)
    if tuple(dA.shape) != tuple(cache.shape):
        raise ValueError(
            f"dA has shape {tuple(dA.shape)} but the cached Z has shape {tuple(cache.shape)}"
        )
    return kernel(xp, dA, cache)


def sigmoid(Z: Array) -> tuple[Array, Array]:
    """Sigmoid of ``Z`` (any shape). Returns ``(A, cache)`` with ``cache = Z``."""
    return _forward(sigmoid_kernel, Z)


def relu(Z: Array) -> tuple[Array, Array]:
    """ReLU of ``Z`` (any shape). Returns ``(A, cache)`` with ``cache = Z``."""
    return _forward(relu_kernel, Z)


def sigmoid_backward(dA: Array, cache: Array) -> Array:
    """Gradient with respect to Z of a sigmoid unit; ``dA`` and ``cache`` (Z) share a shape."""
    return _backward(sigmoid_backward_kernel, dA, cache)


def relu_backward(dA: Array, cache: Array) -> Array:
    """Gradient with respect to Z of a ReLU unit; ``dA`` and ``cache`` (Z) share a shape."""
    return _backward(relu_backward_kernel, dA, cache)


class Activation(NamedTuple):
    """An activation's kernels: ``forward(xp, Z) -> A`` and ``backward(xp, dA, Z) -> dZ``."""

    forward: Callable[[ModuleType, Array], Array]
    backward: Callable[[ModuleType, Array, Array], Array]


#: Activation name -> its forward and backward kernels.
ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(sigmoid_kernel, sigmoid_backward_kernel),
    "relu": Activation(relu_kernel, relu_backward_kernel),
}


def check_activation(activation: object) -> str:
    """Return ``activation`` if it names a known activation, else raise ``ValueError``."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"activation: expected one of {sorted(ACTIVATIONS)}, got {activation!r}"
        )
    return activation
