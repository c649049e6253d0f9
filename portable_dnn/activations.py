"""Activation functions and their backward passes, with one registry keyed by name.

Each public function checks its inputs and returns arrays of the input's namespace,
device and dtype. The ``_kernel`` functions beneath them take ``xp`` and skip the
checks; the training loop uses those. Element-wise activations act on arrays of any
shape; ``softmax`` acts on each column of a (C, m) array (the class axis is axis 0).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import NamedTuple

from ._backend import Array, check_float, check_ndim, get_namespace, on_the_arrays_device

#: The slope of leaky ReLU for negative inputs.
LEAKY_SLOPE = 0.01


def sigmoid_kernel(xp: ModuleType, Z: Array) -> Array:
    """1 / (1 + exp(-Z)) without overflow: exp is only taken of -|Z|."""
    e = xp.exp(-xp.abs(Z))
    return xp.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu_kernel(xp: ModuleType, Z: Array) -> Array:
    """max(Z, 0); NaN stays NaN. (No Python scalar is handed to ``maximum``: the PyTorch
    wrapper would copy it to the device on every call.)"""
    return xp.where(Z < 0.0, 0.0, Z)


def tanh_kernel(xp: ModuleType, Z: Array) -> Array:
    """tanh(Z)."""
    return xp.tanh(Z)


def leaky_relu_kernel(xp: ModuleType, Z: Array) -> Array:
    """Z where Z > 0, else ``LEAKY_SLOPE`` * Z."""
    return xp.where(Z > 0.0, Z, LEAKY_SLOPE * Z)


def softmax_kernel(xp: ModuleType, Z: Array) -> Array:
    """exp(Z) / sum(exp(Z)) over each column, shifted by the column's max (no overflow)."""
    E = xp.exp(Z - xp.max(Z, axis=0, keepdims=True))
    return E / xp.sum(E, axis=0, keepdims=True)


def identity_kernel(xp: ModuleType, Z: Array) -> Array:
    """``A = Z`` (the regression output layer's activation)."""
    return Z


def exp_kernel(xp: ModuleType, Z: Array) -> Array:
    """``A = exp(Z)`` (the Poisson output layer's inverse log link)."""
    return xp.exp(Z)


def exp_backward_kernel(xp: ModuleType, dA: Array, Z: Array) -> Array:
    """``dZ = dA * exp(Z)``."""
    return dA * xp.exp(Z)


def identity_backward_kernel(xp: ModuleType, dA: Array, Z: Array) -> Array:
    """``dZ = dA``."""
    return dA


def sigmoid_backward_kernel(xp: ModuleType, dA: Array, Z: Array) -> Array:
    """dA * s * (1 - s) with s = sigmoid(Z)."""
    s = sigmoid_kernel(xp, Z)
    return dA * s * (1.0 - s)


def relu_backward_kernel(xp: ModuleType, dA: Array, Z: Array) -> Array:
    """dA where Z > 0, else 0 (the derivative at Z = 0 is taken as 0)."""
    return xp.where(Z > 0, dA, 0.0)


def tanh_backward_kernel(xp: ModuleType, dA: Array, Z: Array) -> Array:
    """dA * (1 - tanh(Z)**2)."""
    return dA * tanh_derivative(xp, xp.tanh(Z))


def leaky_relu_backward_kernel(xp: ModuleType, dA: Array, Z: Array) -> Array:
    """dA where Z > 0, else ``LEAKY_SLOPE`` * dA."""
    return xp.where(Z > 0, dA, LEAKY_SLOPE * dA)


def softmax_backward_kernel(xp: ModuleType, dA: Array, Z: Array) -> Array:
    """The Jacobian-vector product of each column: A * (dA - sum(dA * A)), A = softmax(Z)."""
    A = softmax_kernel(xp, Z)
    return A * (dA - xp.sum(dA * A, axis=0, keepdims=True))


# -- derivatives from the activation's output (the training path keeps A, not Z) -----------


def sigmoid_derivative(xp: ModuleType, A: Array) -> Array:
    """sigmoid'(Z) from A = sigmoid(Z): A (1 - A)."""
    return A * (1.0 - A)


def relu_derivative(xp: ModuleType, A: Array) -> Array:
    """ReLU'(Z) from A = relu(Z): 1 where A > 0, else 0 (as a boolean mask)."""
    return A > 0.0


def tanh_derivative(xp: ModuleType, A: Array) -> Array:
    """tanh'(Z) from A = tanh(Z): 1 - A**2."""
    return 1.0 - A * A


def leaky_relu_derivative(xp: ModuleType, A: Array) -> Array:
    """leaky ReLU'(Z) from its output: 1 where A > 0, else ``LEAKY_SLOPE``."""
    return xp.astype(A > 0.0, A.dtype) * (1.0 - LEAKY_SLOPE) + LEAKY_SLOPE


def identity_derivative(xp: ModuleType, A: Array) -> Array:
    """The identity's derivative: ones of A's shape (a linear hidden layer, scikit-learn's
    ``activation="identity"``)."""
    return xp.ones_like(A)


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


@on_the_arrays_device
def sigmoid(Z: Array) -> tuple[Array, Array]:
    """Sigmoid of ``Z`` (any shape). Returns ``(A, cache)`` with ``cache = Z``."""
    return _forward(sigmoid_kernel, Z)


@on_the_arrays_device
def relu(Z: Array) -> tuple[Array, Array]:
    """ReLU of ``Z`` (any shape). Returns ``(A, cache)`` with ``cache = Z``."""
    return _forward(relu_kernel, Z)


@on_the_arrays_device
def tanh(Z: Array) -> tuple[Array, Array]:
    """tanh of ``Z`` (any shape). Returns ``(A, cache)`` with ``cache = Z``."""
    return _forward(tanh_kernel, Z)


@on_the_arrays_device
def leaky_relu(Z: Array) -> tuple[Array, Array]:
    """Leaky ReLU of ``Z`` (any shape; slope ``LEAKY_SLOPE`` below 0). Returns ``(A, cache)``, ``cache = Z``."""
    return _forward(leaky_relu_kernel, Z)


@on_the_arrays_device
def softmax(Z: Array) -> tuple[Array, Array]:
    """Softmax of each column of ``Z`` (C, m): ``A`` (C, m) with columns summing to 1.

    Returns ``(A, cache)`` with ``cache = Z``; shifted by each column's max, so no overflow.
    """
    check_ndim("Z", Z)
    return _forward(softmax_kernel, Z)


@on_the_arrays_device
def sigmoid_backward(dA: Array, cache: Array) -> Array:
    """Gradient with respect to Z of a sigmoid unit; ``dA`` and ``cache`` (Z) share a shape."""
    return _backward(sigmoid_backward_kernel, dA, cache)


@on_the_arrays_device
def relu_backward(dA: Array, cache: Array) -> Array:
    """Gradient with respect to Z of a ReLU unit; ``dA`` and ``cache`` (Z) share a shape."""
    return _backward(relu_backward_kernel, dA, cache)


@on_the_arrays_device
def tanh_backward(dA: Array, cache: Array) -> Array:
    """Gradient with respect to Z of a tanh unit; ``dA`` and ``cache`` (Z) share a shape."""
    return _backward(tanh_backward_kernel, dA, cache)


@on_the_arrays_device
def leaky_relu_backward(dA: Array, cache: Array) -> Array:
    """Gradient with respect to Z of a leaky ReLU unit; ``dA`` and ``cache`` (Z) share a shape."""
    return _backward(leaky_relu_backward_kernel, dA, cache)


@on_the_arrays_device
def softmax_backward(dA: Array, cache: Array) -> Array:
    """Gradient with respect to Z (C, m) of a softmax layer, from ``dA`` (C, m), the gradient
    with respect to its output: ``A * (dA - sum(dA * A, axis=0))``."""
    check_ndim("cache", cache)
    return _backward(softmax_backward_kernel, dA, cache)


class Activation(NamedTuple):
    """An activation's kernels: ``forward(xp, Z) -> A``, ``backward(xp, dA, Z) -> dZ`` and,
    for element-wise ones, ``derivative(xp, A) -> g'(Z)`` from the output ``A = g(Z)``."""

    forward: Callable[[ModuleType, Array], Array]
    backward: Callable[[ModuleType, Array, Array], Array]
    derivative: Callable[[ModuleType, Array], Array] | None = None


#: Activation name -> its kernels.
ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(sigmoid_kernel, sigmoid_backward_kernel, sigmoid_derivative),
    "relu": Activation(relu_kernel, relu_backward_kernel, relu_derivative),
    "tanh": Activation(tanh_kernel, tanh_backward_kernel, tanh_derivative),
    "leaky_relu": Activation(leaky_relu_kernel, leaky_relu_backward_kernel, leaky_relu_derivative),
    "softmax": Activation(softmax_kernel, softmax_backward_kernel),
    "identity": Activation(identity_kernel, identity_backward_kernel, identity_derivative),
    "exp": Activation(exp_kernel, exp_backward_kernel),  # output only (the Poisson loss's)
}

#: The activations a hidden layer may use (element-wise ones).
HIDDEN_ACTIVATIONS = tuple(name for name, activation in ACTIVATIONS.items() if activation.derivative)


def check_activation(activation: object, name: str = "activation", choices: tuple[str, ...] | None = None) -> str:
    """Return ``activation`` if it is one of ``choices`` (default: every known activation),
    else raise ``ValueError`` naming ``name`` and listing the choices."""
    choices = tuple(ACTIVATIONS) if choices is None else choices
    if not isinstance(activation, str) or activation not in choices:
        raise ValueError(f"{name}: expected one of {sorted(choices)}, got {activation!r}")
    return activation
