"""The training path: full-batch gradient descent, fused and free of host syncs.

It computes what ``L_model_forward`` -> ``L_model_backward`` -> ``update_parameters``
compute, with three differences that matter for speed and none for the result (to
float rounding): the output gradient is the fused ``dZ_L = AL - Y`` of sigmoid with
cross-entropy; no gradient with respect to ``X`` is formed; each layer's weights are
updated as soon as its gradients are known. Host syncs: one for the checks of the labels
and one for the finite check of ``X`` and the parameters where training starts, one per
recorded cost, and one for the finite check of the final parameters; none otherwise.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping
from types import ModuleType

from array_api_compat import device as array_device

from ._backend import Array, Kernels, as_float_labels, kernels, on_the_arrays_device
from ._parameters import check_parameters
from .activations import ACTIVATIONS, layer_activations
from .cost import all_one_hot, class_targets, cross_entropy_kernel
from .optimizers import check_count, check_learning_rate
from .propagation import check_hidden_activation

#: Called after each iteration with the iteration index (no host sync).
IterationCallback = Callable[[int], None]
#: Called with (iteration, cost) whenever a cost is recorded or reported.
CostCallback = Callable[[int, float], None]


class TrainingDivergedError(FloatingPointError):
    """The cost or the parameters became non-finite.

    ``parameters`` holds the last finite parameters (those of the last recorded iteration
    before ``iteration``, or the starting ones), ``costs`` the costs recorded until then.
    """

    def __init__(self, iteration: int, cost: float, learning_rate: float, parameters: dict[str, Array],
                 costs: list[float]):
        super().__init__(
            f"training diverged: the cost is {cost} at iteration {iteration} with learning_rate="
            f"{learning_rate}; try a smaller learning rate (for example {learning_rate / 10:g})"
        )
        self.iteration = iteration
        self.parameters = parameters
        self.costs = costs


def check_binary_labels(xp: ModuleType, Y: Array, X: Array, name: str = "Y") -> Array:
    """Labels as a (1, m) float array of X's dtype; ``ValueError`` unless every label is 0 or 1."""
    Y = as_float_labels(xp, Y, X, name)
    if not bool(xp.all((Y == 0.0) | (Y == 1.0))):
        raise ValueError(f"{name}: expected labels 0 and 1 only (or False/True)")
    return Y


def check_targets(xp: ModuleType, Y: Array, X: Array, classes: int, name: str = "Y") -> Array:
    """Training targets in X's dtype (one host sync): 0/1 labels (1, m) for one output unit;
    for ``classes`` >= 2 softmax units, one-hot (classes, m) from one-hot ``Y`` or from class
    indices (m,) or (1, m) in [0, classes)."""
    if classes == 1:
        return check_binary_labels(xp, Y, X, name)
    T = class_targets(xp, Y, (classes, X.shape[1]), X.dtype, name)
    if not all_one_hot(xp, T):
        raise ValueError(f"{name}: expected class indices from 0 to {classes - 1} (or one-hot columns)")
    return T


def all_finite(xp: ModuleType, arrays: Mapping[str, Array]) -> bool:
    """Whether every array holds only finite values: two reductions per array, no
    temporaries, one host sync. NaN propagates through ``max`` and ``min`` (array API
    standard), and an infinity is an array's max or min."""
    flags = [xp.isfinite(xp.max(a)) & xp.isfinite(xp.min(a)) for a in arrays.values() if 0 not in a.shape]
    return not flags or bool(functools.reduce(operator.and_, flags))


def check_finite(xp: ModuleType, **arrays: Array) -> None:
    """``ValueError`` naming the first array that holds NaN or infinity."""
    if all_finite(xp, arrays):
        return
    for name, array in arrays.items():
        if not all_finite(xp, {name: array}):
            raise ValueError(f"{name}: contains NaN or infinity")


class Workspace:
    """Per-layer output buffers reused across iterations (where the backend writes in place).

    ``Z[l]`` (n_l, m) holds layer l's pre-activation, then its activation, then (in the
    backward pass) the gradient with respect to it; ``dW[l]`` the weight gradient (none for
    layer 1 where the update is fused into the product). Without in-place kernels the dicts
    are empty and each operation allocates.
    """

    def __init__(self, xp: ModuleType, parameters: Mapping[str, Array], L: int, m: int) -> None:
        W1 = parameters["W1"]
        self.kernels = kernels(xp, array_device(W1))
        # Row sums as a matrix-vector product: faster than a strided reduction.
        self.ones = xp.ones((m, 1), dtype=W1.dtype, device=array_device(W1))
        self.Z: dict[int, Array] = {}
        self.dW: dict[int, Array] = {}
        if not self.kernels.reuses_buffers:
            return
        place = {"dtype": W1.dtype, "device": array_device(W1)}
        for l in range(1, L + 1):
            n = parameters[f"W{l}"].shape[0]
            self.Z[l] = xp.empty((n, m), **place)
            if l > 1 or not self.kernels.fused_subtraction:
                self.dW[l] = xp.empty(tuple(parameters[f"W{l}"].shape), **place)


def _activate(xp: ModuleType, ops: Kernels, name: str, Z: Array) -> Array:
    """Activation ``name`` of Z: in place of Z for ReLU and sigmoid where the backend allows."""
    if name == "relu":
        return ops.relu_(Z)
    if name == "sigmoid":
        return ops.sigmoid_(Z)
    return ACTIVATIONS[name].forward(xp, Z)


def forward_activations(
    xp: ModuleType, X: Array, parameters: Mapping[str, Array], L: int, workspace: Workspace | None = None,
    hidden_activation: str = "relu",
) -> list[Array]:
    """``[X, A1, ..., AL]``: every layer's output (hidden derivatives are read back from them)."""
    ops = workspace.kernels if workspace is not None else kernels(xp, array_device(X))
    names = layer_activations(L, parameters[f"W{L}"].shape[0], hidden_activation)
    activations = [X]
    A = X
    for l, name in enumerate(names, start=1):
        Z = ops.affine(parameters[f"W{l}"], A, parameters[f"b{l}"], workspace.Z.get(l) if workspace else None)
        A = _activate(xp, ops, name, Z)
        activations.append(A)
    return activations


def _backward_through(xp: ModuleType, ops: Kernels, W: Array, dZ: Array, A_prev: Array, buffer: Array | None,
                      hidden_activation: str, blocks: int = 2) -> Array:
    """dZ_prev = (W.T @ dZ) * g'(Z_prev), with g' read from the hidden layer's output A_prev
    (for ReLU, a boolean mask: 1 exactly where the output is positive).

    With a buffer (A_prev's own), the result is written over A_prev a block of rows at a time,
    each block's derivative taken just before its rows are overwritten: it then costs
    1/blocks of a full one (for ReLU's mask, 1/8 of the layer's bytes in float32 with 2
    blocks; more blocks would shrink it further but slow the matrix product down).
    """
    derivative = ACTIVATIONS[hidden_activation].derivative
    assert derivative is not None  # hidden activations are element-wise
    rows = A_prev.shape[0]
    if buffer is None or rows * A_prev.shape[1] < 1 << 20 or not ops.sliced_matmul:  # in one go: fewer calls
        factor = derivative(xp, A_prev)
        return ops.mask_(ops.matmul(W.T, dZ, buffer), factor)
    size = -(-rows // blocks)
    for start in range(0, rows, size):
        stop = min(start + size, rows)
        factor = derivative(xp, A_prev[start:stop, ...])
        ops.mask_(ops.matmul(W.T[start:stop, ...], dZ, buffer[start:stop, ...]), factor)
        del factor  # one block's derivative alive at a time
    return buffer


def descend(
    xp: ModuleType, activations: list[Array], Y: Array, parameters: dict[str, Array],
    L: int, learning_rate: float, workspace: Workspace, hidden_activation: str = "relu",
) -> None:
    """One backward pass from the forward pass's ``activations``; updates ``parameters``.

    Each layer's ``W``/``b`` are updated (in place where the backend allows, so they must
    be the training's own copies) as soon as their gradients and ``dA`` are known.
    """
    ops = workspace.kernels
    # dZ_L = AL - Y for sigmoid with binary and softmax with categorical cross-entropy alike.
    # The backward pass is linear in dZ, so scaling dZ_L by the step learning_rate / m once
    # gives every dW and db already scaled: the update is then a single subtraction.
    dZ = activations[L] - Y
    dZ *= learning_rate / Y.shape[1]
    for l in range(L, 0, -1):
        W, A_prev = parameters[f"W{l}"], activations[l - 1]
        parameters[f"b{l}"] = ops.subtract_product(parameters[f"b{l}"], dZ, workspace.ones, None)
        if l == 1:  # X is never overwritten: the product can go straight into W
            parameters["W1"] = ops.subtract_product(W, dZ, A_prev.T, workspace.dW.get(1))
            break
        # dW needs A_prev, which dZ_prev overwrites, and dZ_prev needs W before its update.
        dW = ops.matmul(dZ, A_prev.T, workspace.dW.get(l))
        dZ = _backward_through(xp, ops, W, dZ, A_prev, workspace.Z.get(l - 1), hidden_activation)
        W -= dW
        parameters[f"W{l}"] = W


@on_the_arrays_device  # CuPy: on X's device, whichever is current
def train(
    X: Array,
    Y: Array,
    parameters: Mapping[str, Array],
    *,
    learning_rate: float,
    num_iterations: int,
    record_every: int = 100,
    hidden_activation: str = "relu",
    on_iteration: IterationCallback | None = None,
    on_cost: CostCallback | None = None,
) -> tuple[dict[str, Array], list[float]]:
    """Gradient descent on the cross-entropy cost from ``parameters``.

    ``X`` (n0, m) and, on the parameters' namespace and device, ``Y``: for one output unit
    (sigmoid), labels 0/1 of shape (1, m) or (m,); for C >= 2 output units (softmax), one-hot
    (C, m) or class indices (m,) or (1, m). Returns ``(parameters, costs)``: the trained parameters (the inputs are
    not modified) and the costs at iterations 0, ``record_every``, ... (the course's
    ``costs``; ``record_every`` a positive integer). ``on_cost(i, cost)`` is called for
    those iterations and the last one. Raises :class:`TrainingDivergedError` when a
    computed cost, or the final parameters, are not finite.
    """
    xp, L = check_parameters(parameters, X=X)
    lr = check_learning_rate(learning_rate)
    num_iterations = check_count(num_iterations, "num_iterations")
    record_every = check_count(record_every, "record_every", minimum=1)
    check_hidden_activation(hidden_activation)
    Y = check_targets(xp, Y, X, parameters[f"W{L}"].shape[0])
    check_finite(xp, X=X, **{f"parameters[{key!r}]": value for key, value in parameters.items()})
    # The training's own copies, updated in place where the backend allows.
    current = {key: xp.asarray(value, copy=True) for key, value in parameters.items()}
    last_finite = dict(parameters)  # the caller's, never modified: no copy needed until iteration 1
    workspace = Workspace(xp, current, L, X.shape[1])
    costs: list[float] = []
    for i in range(num_iterations):
        activations = forward_activations(xp, X, current, L, workspace, hidden_activation)
        recorded = i % record_every == 0
        if recorded or i == num_iterations - 1:
            cost = float(cross_entropy_kernel(xp, activations[L], Y))
            if not math.isfinite(cost):
                raise TrainingDivergedError(i, cost, lr, last_finite, costs)
            if recorded and i > 0:  # a snapshot every record_every iterations (one parameter set)
                last_finite = {key: xp.asarray(value, copy=True) for key, value in current.items()}
            if recorded:
                costs.append(cost)
            if on_cost is not None:
                on_cost(i, cost)
        descend(xp, activations, Y, current, L, lr, workspace, hidden_activation)
        current = workspace.kernels.settle(current)
        if on_iteration is not None:
            on_iteration(i)
    if num_iterations and not all_finite(xp, current):
        raise TrainingDivergedError(num_iterations, math.nan, lr, last_finite, costs)
    return current, costs
