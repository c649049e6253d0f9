"""L2 regularisation and (inverted) dropout, the course's two regularisers.

L2 adds ``lambd / (2 m) * sum_l ||W_l||_F^2`` to the cost and ``(lambd / m) W_l`` to each
``dW_l``; dropout keeps each hidden unit with probability ``keep_prob`` and scales the kept
activations by ``1 / keep_prob`` (forward and backward alike), never the input or the output.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import ModuleType

from ._backend import Array, on_the_arrays_device
from ._checks import check_fraction, check_non_negative
from ._parameters import check_parameters
from .cost import compute_cost


def check_lambd(lambd: object) -> float:
    """The L2 strength ``lambd`` as a finite float >= 0."""
    return check_non_negative(lambd, "lambd")


def check_keep_prob(keep_prob: object) -> float:
    """Dropout's ``keep_prob`` as a float in (0, 1]."""
    return check_fraction(keep_prob, "keep_prob", low_open=True, high_open=False)


def squared_sum_kernel(xp: ModuleType, W: Array) -> Array:
    """``sum(W ** 2)`` as a 0-d array: a dot product of W with itself (no temporary the size of W
    where W is in the library's default layout)."""
    return xp.tensordot(W, W, axes=2)


def squared_weights_kernel(xp: ModuleType, parameters: Mapping[str, Array], L: int,
                           squared_sum: Callable[[Array], Array] | None = None) -> Array:
    """``sum_l sum(W_l ** 2)`` as a 0-d array (no host sync): :func:`squared_sum_kernel` of each
    W, or ``squared_sum(W_l)`` where given (the training's kernel, which knows the weights' layout)."""
    if squared_sum is None:
        squared_sum = functools.partial(squared_sum_kernel, xp)
    total = squared_sum(parameters["W1"])
    for l in range(2, L + 1):
        total = total + squared_sum(parameters[f"W{l}"])
    return total


def l2_cost_kernel(xp: ModuleType, parameters: Mapping[str, Array], L: int, lambd: float, m: float,
                   squared_sum: Callable[[Array], Array] | None = None) -> Array:
    """The L2 term of the cost, ``lambd / (2 m) * sum_l ||W_l||^2`` (0-d array; ``squared_sum`` as
    :func:`squared_weights_kernel` takes it)."""
    return (lambd / (2.0 * m)) * squared_weights_kernel(xp, parameters, L, squared_sum)


def drop(A: Array, D: Array, keep_prob: float) -> Array:
    """Inverted dropout of ``A`` with the 0/1 mask ``D`` (A's shape and dtype): ``A * D / keep_prob``."""
    return A * D / keep_prob


@on_the_arrays_device
def compute_cost_with_regularization(
    AL: Array, Y: Array, parameters: Mapping[str, Array], lambd: float
) -> Array:
    """The cross-entropy cost (:func:`compute_cost`) plus ``lambd / (2 m) * sum_l ||W_l||^2``.

    ``AL`` (1 or C, m), ``Y`` as for :func:`compute_cost`, ``parameters`` ``W1, b1, ...``
    on AL's namespace, device and dtype. Returns a 0-d array of AL's dtype.
    """
    rate = check_lambd(lambd)
    cross_entropy = compute_cost(AL, Y)
    xp, L = check_parameters(parameters, AL=AL)
    units = parameters[f"W{L}"].shape[0]
    if AL.shape[0] != units:
        raise ValueError(f"AL: expected {units} rows (parameters['W{L}'] has {units}), got shape {tuple(AL.shape)}")
    return cross_entropy + l2_cost_kernel(xp, parameters, L, rate, AL.shape[1])
