"""Gradient checking: the course's ``gradient_check_n`` for any L-layer network.

Parameters and gradients are flattened into one column ``theta`` (n, 1) in the order
``W1, b1, W2, b2, ...``, each array row by row, as the course's ``dictionary_to_vector``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import ModuleType

from array_api_compat import device as array_device

from ._backend import Array, check_float, get_namespace, on_the_arrays_device
from ._checks import check_positive
from ._engine.step import forward_activations
from ._outputs import check_loss, targets
from ._parameters import check_parameters, num_layers
from .cost import mean_cost_kernel
from .initialization import check_layer_dims
from .propagation import L_model_forward, check_hidden_activation
from .regularization import check_keep_prob, check_lambd, l2_cost_kernel

#: The course's verdict threshold: a relative difference above it flags a mistake.
MISTAKE_THRESHOLD = 2e-7


def _flatten(xp: ModuleType, arrays: list[Array]) -> Array:
    return xp.concat([xp.reshape(a, (-1,)) for a in arrays])[:, None]


@on_the_arrays_device
def dictionary_to_vector(parameters: Mapping[str, Array]) -> tuple[Array, list[str]]:
    """``(theta, keys)``: the parameters as one column (n, 1) in the order W1, b1, W2, ..., and
    for each of its n entries the name of the parameter it comes from."""
    xp, L = check_parameters(parameters)
    names = [f"{kind}{l}" for l in range(1, L + 1) for kind in ("W", "b")]
    keys = [name for name in names for _ in range(math.prod(parameters[name].shape))]
    return _flatten(xp, [parameters[name] for name in names]), keys


@on_the_arrays_device
def gradients_to_vector(gradients: Mapping[str, Array]) -> Array:
    """``dW1, db1, dW2, ...`` as one column (n, 1) in :func:`dictionary_to_vector`'s order
    (other keys, such as ``dA1``, are ignored)."""
    if not isinstance(gradients, Mapping):
        raise TypeError(f"gradients: expected a dict of arrays, got {type(gradients).__name__}")
    L = num_layers({key[1:]: value for key, value in gradients.items() if key[:2] in ("dW", "db")}, "gradients")
    named = {f"gradients['d{kind}{l}']": gradients[f"d{kind}{l}"] for l in range(1, L + 1) for kind in ("W", "b")}
    xp = get_namespace(**named)
    check_float(xp, **named)
    return _flatten(xp, list(named.values()))


@on_the_arrays_device
def vector_to_dictionary(theta: Array, layer_dims: Sequence[int]) -> dict[str, Array]:
    """The inverse of :func:`dictionary_to_vector` for a network of ``layer_dims``:
    ``W{l}`` (layer_dims[l], layer_dims[l-1]) and ``b{l}`` (layer_dims[l], 1) from ``theta`` (n, 1)."""
    dims = check_layer_dims(layer_dims)
    xp = get_namespace(theta=theta)
    check_float(xp, theta=theta)
    shapes = [shape for l in range(1, len(dims)) for shape in ((dims[l], dims[l - 1]), (dims[l], 1))]
    n = sum(rows * cols for rows, cols in shapes)
    if tuple(theta.shape) not in ((n, 1), (n,)):
        raise ValueError(f"theta: expected shape ({n}, 1) for layer_dims {dims}, got {tuple(theta.shape)}")
    flat = xp.reshape(theta, (-1,))
    parameters, start = {}, 0
    for index, (rows, cols) in enumerate(shapes):
        kind, l = ("W", "b")[index % 2], index // 2 + 1
        parameters[f"{kind}{l}"] = xp.reshape(flat[start:start + rows * cols], (rows, cols))
        start += rows * cols
    return parameters


def _cost_kernel(xp: ModuleType, X: Array, Y: Array, parameters: Mapping[str, Array], L: int,
                 hidden_activation: str, lambd: float, keep_prob: float, seed: int | None, loss: str) -> Array:
    if keep_prob < 1.0:  # the same seed, the same masks: the cost is a fixed function of theta
        AL = L_model_forward(X, parameters, hidden_activation=hidden_activation, keep_prob=keep_prob, seed=seed,
                             loss=loss)[0]
    else:
        AL = forward_activations(xp, X, parameters, L, hidden_activation=hidden_activation, loss=loss)[L]
    cost = mean_cost_kernel(xp, loss, AL, Y)
    return cost + l2_cost_kernel(xp, parameters, L, lambd, X.shape[1]) if lambd else cost


@on_the_arrays_device
def gradient_check_n(
    parameters: Mapping[str, Array], gradients: Mapping[str, Array], X: Array, Y: Array,
    epsilon: float = 1e-7, print_msg: bool = False, *, lambd: float = 0.0, hidden_activation: str = "relu",
    keep_prob: float = 1.0, seed: int | None = None, loss: str = "cross_entropy",
) -> float:
    """How far ``gradients`` are from centred differences of the cost, as the course's check.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL`` (float64).
    gradients : dict
        From :func:`L_model_backward` (``dW1, db1, ...``).
    X : array (n0, m)
        The examples.
    Y : array
        As for :func:`compute_cost` (with its ``loss``).
    epsilon : float, default 1e-7
        The step in each parameter.
    print_msg : bool, default False
        Print the course's verdict: a mistake above 2e-7.
    lambd, hidden_activation, keep_prob, loss
        As for :func:`L_model_forward` and :func:`L_model_backward` (the cost includes the L2 term).
    seed : int or None
        Dropout (``keep_prob < 1``) needs the seed of the gradients' masks, so that every
        evaluation draws them.

    Returns
    -------
    difference : float
        ``||grad - gradapprox|| / (||grad|| + ||gradapprox||)``. Costs 2n forward passes for n
        parameters, on the arrays' device, one host sync at the end.

    Raises
    ------
    ValueError
        float32 arrays (a step of 1e-7 is below the rounding of the cost), dropout without a seed,
        gradients that do not match the parameters.
    """
    check_hidden_activation(hidden_activation)
    loss = check_loss(loss)
    lambd, step = check_lambd(lambd), check_positive(epsilon, "epsilon")
    xp, L = check_parameters(parameters, X=X)
    keep_prob = check_keep_prob(keep_prob)
    if keep_prob < 1.0 and seed is None:
        raise ValueError("seed: dropout (keep_prob < 1) needs the seed the gradients were computed with")
    if xp.finfo(X.dtype).eps > 1e-10 and step < 1e-3:
        raise ValueError(f"epsilon: {step:g} is below the resolution of centred differences in "
                         f"{X.dtype}; use float64 (or epsilon >= 1e-3)")
    theta, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    if tuple(grad.shape) != tuple(theta.shape):
        raise ValueError(f"gradients: expected {theta.shape[0]} values (as the parameters), got {grad.shape[0]}")
    get_namespace(theta=theta, gradients=grad)
    check_float(xp, theta=theta, gradients=grad)
    dims = [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
    T = targets(xp, Y, parameters[f"W{L}"].shape[0], X, loss=loss)
    n = theta.shape[0]
    positions = xp.reshape(xp.arange(n, device=array_device(theta)), (n, 1))

    def cost_at(shifted: Array) -> Array:
        return _cost_kernel(xp, X, T, vector_to_dictionary(shifted, dims), L, hidden_activation, lambd,
                            keep_prob, seed, loss)

    approx = []
    for i in range(n):
        bump = step * xp.astype(positions == i, theta.dtype)
        approx.append((cost_at(theta + bump) - cost_at(theta - bump)) / (2.0 * step))
    gradapprox = xp.reshape(xp.stack(approx), (n, 1))
    numerator = xp.sqrt(xp.sum((grad - gradapprox) ** 2))
    denominator = xp.sqrt(xp.sum(grad**2)) + xp.sqrt(xp.sum(gradapprox**2))
    difference = float(numerator / denominator)
    if print_msg:
        if difference > MISTAKE_THRESHOLD:
            print(f"\033[93mThere is a mistake in the backward propagation! difference = {difference}\033[0m")
        else:
            print(f"\033[92mYour backward propagation works perfectly fine! difference = {difference}\033[0m")
    return difference
