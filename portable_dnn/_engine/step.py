"""One training step, fused and free of host syncs: forward pass, backward pass, update.

It computes what ``L_model_forward`` -> ``L_model_backward`` -> ``update_parameters_with_*``
compute (with the same dropout masks and L2 term), with differences that matter for speed and
none for the result (to float rounding): the output gradient is the fused ``dZ_L = AL - Y``
of sigmoid / softmax with cross-entropy; no gradient with respect to ``X`` is formed; each
layer's parameters are updated as soon as its gradients are known; buffers are reused
where the backend writes in place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import ModuleType

from array_api_compat import device as array_device

from .._backend import Array
from .._backend.sparse import is_sparse
from .._outputs import layer_activations
from .._random import DeviceRandom
from ..activations import ACTIVATIONS
from ..cost import mean_cost_kernel, weighted_cost_kernel
from ..regularization import l2_cost_kernel
from .inputs import split_weights
from .kernels import Kernels, kernels
from .settings import Settings

#: ``update(key, parameter, gradient) -> new parameter`` for one parameter (momentum, Adam).
Update = Callable[[str, Array, Array], Array]


class Workspace:
    """Per-layer buffers for a batch of m examples, reused across steps (where the backend
    writes in place).

    ``Z[l]`` (n_l, m) holds layer l's pre-activation, then its activation, then (in the
    backward pass) the gradient with respect to it; ``dW[l]`` the weight gradient (none for
    layer 1 where the update is fused into the product); with ``gradients`` (optimisers other
    than gradient descent) also ``dW[1]`` and ``db[l]``; with ``batch_of = (X, Y)``, the
    buffers ``X`` and ``Y`` a batch of their columns is gathered into. Without in-place kernels the dicts are empty
    and each operation allocates. ``ops``: the kernels to use (default: the parameters' library's,
    for dense inputs).
    """

    def __init__(self, xp: ModuleType, parameters: Mapping[str, Array], L: int, m: int, *,
                 gradients: bool = False, batch_of: tuple[Array, Array] | None = None,
                 ops: Kernels | None = None) -> None:
        W1 = parameters["W1"]
        self.kernels = kernels(xp, array_device(W1)) if ops is None else ops
        # Row sums as a matrix-vector product: faster than a strided reduction.
        self.ones = xp.ones((m, 1), dtype=W1.dtype, device=array_device(W1))
        self.Z: dict[int, Array] = {}
        self.dW: dict[int, Array] = {}
        self.db: dict[int, Array] = {}
        self.X: Array | None = None
        self.Y: Array | None = None
        if not self.kernels.reuses_buffers:
            return
        place = {"dtype": W1.dtype, "device": array_device(W1)}
        for l in range(1, L + 1):
            n = parameters[f"W{l}"].shape[0]
            self.Z[l] = xp.empty((n, m), **place)
            if l > 1 or gradients or not self.kernels.fused_subtraction:
                self.dW[l] = xp.empty_like(parameters[f"W{l}"])  # in W's layout: the update reads both
            if gradients:
                self.db[l] = xp.empty((n, 1), **place)
        if batch_of is not None:
            self.X = self.kernels.empty_columns(batch_of[0], m)
            self.Y = self.kernels.empty_columns(batch_of[1], m)


class Dropout:
    """Inverted dropout of the hidden layers for one step: masks drawn by ``rng`` (on the data's
    device), kept by layer for the backward pass."""

    def __init__(self, rng: DeviceRandom, keep_prob: float) -> None:
        self.rng, self.keep_prob = rng, keep_prob
        self.masks: dict[int, Array] = {}

    def apply(self, ops: Kernels, l: int, A: Array) -> Array:
        """``A * D / keep_prob`` with a new mask D for layer l (in place of A where allowed)."""
        D = self.rng.mask(tuple(A.shape), self.keep_prob)
        self.masks[l] = D
        A = ops.mask_(A, D)
        A *= 1.0 / self.keep_prob
        return A

    def derivative(self, xp: ModuleType, derivative: Callable[[ModuleType, Array], Array], l: int, A: Array,
                   rows: slice) -> Array:
        """``g'(Z) * D / keep_prob`` for the rows ``rows`` of layer l, from its dropped output A
        (``derivative(xp, A)``: g' from the activation's own output)."""
        D = self.masks[l][rows, ...]
        factor = derivative(xp, A * self.keep_prob)  # the kept units' own outputs
        if factor.dtype == xp.bool:
            factor = xp.astype(factor & D, A.dtype)
        else:
            factor = xp.where(D, factor, 0.0)
        return factor * (1.0 / self.keep_prob)


def _activate(xp: ModuleType, ops: Kernels, name: str, Z: Array) -> Array:
    """Activation ``name`` of Z: in place of Z for ReLU and sigmoid where the backend allows."""
    if name == "relu":
        return ops.relu_(Z)
    if name == "sigmoid":
        return ops.sigmoid_(Z)
    return ACTIVATIONS[name].forward(xp, Z)


def forward_activations(
    xp: ModuleType, X: Array, parameters: Mapping[str, Array], L: int, workspace: Workspace | None = None,
    hidden_activation: str = "relu", dropout: Dropout | None = None, loss: str = "cross_entropy",
) -> list[Array]:
    """``[X, A1, ..., AL]``: every layer's output (hidden derivatives are read back from them),
    the hidden ones dropped out by ``dropout`` when given; the output layer's for ``loss``."""
    ops = workspace.kernels if workspace is not None else \
        kernels(xp, array_device(parameters["W1"]), sparse=is_sparse(X))
    names = layer_activations(L, parameters[f"W{L}"].shape[0], hidden_activation, loss)
    activations = [X]
    A = X
    for l, name in enumerate(names, start=1):
        Z = ops.affine(parameters[f"W{l}"], A, parameters[f"b{l}"], workspace.Z.get(l) if workspace else None)
        A = _activate(xp, ops, name, Z)
        if dropout is not None and l < L:
            A = dropout.apply(ops, l, A)
        activations.append(A)
    return activations


def _backward_through(xp: ModuleType, ops: Kernels, W: Array, dZ: Array, A_prev: Array, buffer: Array | None,
                      factor_of: Callable[[Array, slice], Array], blocks: int = 2) -> Array:
    """dZ_prev = (W.T @ dZ) * factor, the factor (g'(Z_prev), times the dropout mask / keep_prob
    with dropout) read from the hidden layer's output A_prev by ``factor_of(A_rows, rows)``
    (for ReLU without dropout, a boolean mask: 1 exactly where the output is positive).

    With a buffer (A_prev's own), the result is written over A_prev a block of rows at a time,
    each block's factor taken just before its rows are overwritten: it then costs
    1/blocks of a full one (for ReLU's mask, 1/8 of the layer's bytes in float32 with 2
    blocks; more blocks would shrink it further but slow the matrix product down).
    """
    rows = A_prev.shape[0]
    if buffer is None or rows * A_prev.shape[1] < 1 << 20 or not ops.sliced_matmul:  # in one go: fewer calls
        factor = factor_of(A_prev, slice(0, rows))
        return ops.mask_(ops.matmul(W.T, dZ, buffer), factor)
    size = -(-rows // blocks)
    for start in range(0, rows, size):
        stop = min(start + size, rows)
        factor = factor_of(A_prev[start:stop, ...], slice(start, stop))
        ops.mask_(ops.matmul(W.T[start:stop, ...], dZ, buffer[start:stop, ...]), factor)
        del factor  # one block's factor alive at a time
    return buffer


def descend(
    xp: ModuleType, activations: list[Array], Y: Array, parameters: dict[str, Array],
    L: int, learning_rate: float, workspace: Workspace, hidden_activation: str = "relu", *,
    lambd: float = 0.0, dropout: Dropout | None = None, update: Update | None = None, gradient_scale: float = 1.0,
    scratch: Mapping[str, Array] | None = None, weights: Array | None = None, total: float | None = None,
) -> None:
    """One backward pass from the forward pass's ``activations``; updates ``parameters``.

    Gradient descent (``update`` None): each layer's ``W``/``b`` are updated (in place where
    the backend allows, so they must be the training's own copies) as soon as their
    gradients and ``dA`` are known. Otherwise ``update(key, parameter, gradient)`` returns each
    new parameter (momentum, Adam) from its gradient times ``gradient_scale`` (the optimiser's
    constant factor, folded in here for free). ``lambd``: the L2 term's gradient ``(lambd / m) W``
    (with ``scratch[key]``, a buffer of W's shape, for its product where the backend writes in place).

    ``weights`` (1, m), the examples' sample weights, with ``total`` their sum (a host number): the
    gradients of the weighted mean cost, ``sum_i w_i dL_i / total``, and the L2 term's
    ``(lambd / total) W`` (scikit-learn's), in place of the mean's over m.
    """
    ops = workspace.kernels
    m = Y.shape[1] if total is None else total
    derivative = ACTIVATIONS[hidden_activation].derivative
    assert derivative is not None  # hidden activations are element-wise

    def factor_of(l: int) -> Callable[[Array, slice], Array]:
        if dropout is not None:
            return lambda A_rows, rows: dropout.derivative(xp, derivative, l, A_rows, rows)
        return lambda A_rows, rows: derivative(xp, A_rows)

    # dZ_L = AL - Y for sigmoid with binary and softmax with categorical cross-entropy alike, for
    # the identity with the squared error, and for the exponential with the Poisson deviance.
    # The backward pass is linear in dZ, so scaling dZ_L once scales every dW and db: by the
    # step learning_rate / m for gradient descent (its update is then a single subtraction),
    # by gradient_scale / m (the optimiser's factor times the mean's) for the others.
    dZ = activations[L] - Y
    scale = (learning_rate if update is None else gradient_scale) / m
    dZ *= scale if weights is None else weights * scale  # the weights scaled first: (1, m), not (n_L, m)
    # L2 for gradient descent: W - lr (dW + (lambd / m) W) = decay * W - lr dW.
    decay = 1.0 - learning_rate * lambd / m
    for l in range(L, 0, -1):
        W, A_prev = parameters[f"W{l}"], activations[l - 1]
        if update is None:
            parameters[f"b{l}"] = ops.subtract_product(parameters[f"b{l}"], dZ, workspace.ones, None)
            if l == 1:  # X is never overwritten: the product can go straight into W
                if lambd:
                    W *= decay
                parameters["W1"] = ops.subtract_product(W, dZ, A_prev.T, workspace.dW.get(1))
                break
        else:
            db = ops.matmul(dZ, workspace.ones, workspace.db.get(l))
            parameters[f"b{l}"] = update(f"b{l}", parameters[f"b{l}"], db)
        # dW needs A_prev, which dZ_prev overwrites, and dZ_prev needs W before its update.
        dW = ops.matmul(dZ, A_prev.T, workspace.dW.get(l))
        if l > 1:
            dZ = _backward_through(xp, ops, W, dZ, A_prev, workspace.Z.get(l - 1), factor_of(l - 1))
        if update is None:
            if lambd:
                W *= decay
            W -= dW
            parameters[f"W{l}"] = W
        else:
            if lambd:
                dW = ops.add_scaled(dW, W, gradient_scale * lambd / m, (scratch or {}).get(f"W{l}"))
            parameters[f"W{l}"] = update(f"W{l}", W, dW)


def _optimizer_update(ops: Kernels, settings: Settings, scratch: Mapping[str, Array], v: dict[str, Array],
                      s: dict[str, Array], learning_rate: float, step_size: float,
                      eps_hat: float) -> Callable[[str, Array, Array], Array] | None:
    """The per-parameter update of momentum, scikit-learn's SGD or Adam (None for gradient
    descent), writing the new averages (SGD's velocity) into ``v`` and ``s``."""
    if settings.optimizer == "gd":
        return None
    if settings.optimizer == "momentum":
        def momentum(key: str, parameter: Array, gradient: Array) -> Array:
            parameter, v["d" + key] = ops.momentum(
                parameter, gradient, v["d" + key], scratch.get(key), settings.beta, learning_rate)
            return parameter
        return momentum
    if settings.optimizer == "sgd":  # the gradient arrives times the learning rate (gradient_scale)
        def sgd(key: str, parameter: Array, gradient: Array) -> Array:
            parameter, v["d" + key] = ops.sgd(parameter, gradient, v["d" + key], scratch.get(key), settings.beta,
                                              settings.nesterov)
            return parameter
        return sgd

    def adam(key: str, parameter: Array, gradient: Array) -> Array:
        parameter, v["d" + key], s["d" + key] = ops.adam(
            parameter, gradient, v["d" + key], s["d" + key], scratch.get(key),
            settings.beta1, settings.beta2, step_size, eps_hat)
        return parameter
    return adam


def gradient_scale(settings: Settings, learning_rate: float) -> float:
    """What the optimiser's update takes the gradient times (folded into the output gradient, for
    free): Adam's ``1 - beta1``, momentum's ``1 - beta``, SGD's learning rate."""
    if settings.optimizer == "sgd":
        return learning_rate
    return 1.0 - (settings.beta1 if settings.optimizer == "adam" else settings.beta)


def training_step(
    xp: ModuleType, settings: Settings, L: int, workspace: Workspace, scratch: Mapping[str, Array],
    parameters: dict[str, Array], v: dict[str, Array], s: dict[str, Array], X: Array, Y: Array,
    learning_rate: float, step_size: float, eps_hat: float, dropout: Dropout | None = None,
    total: float | None = None,
) -> tuple[dict[str, Array], dict[str, Array], dict[str, Array], Array]:
    """One step on the batch ``X``, ``Y``: ``(parameters, v, s, AL)``, AL the output the step
    started from (the backward pass never overwrites it). The dicts are new; their arrays are
    updated in place where the backend allows (``workspace``'s buffers and the optimiser's
    ``scratch`` reused). With ``settings.weighted``, Y's last row holds the batch's sample
    weights, ``total`` their sum."""
    parameters, v, s = dict(parameters), dict(v), dict(s)
    Y, weights = split_weights(Y, settings.weighted)
    activations = forward_activations(xp, X, parameters, L, workspace, settings.hidden_activation, dropout,
                                      settings.loss)
    update = _optimizer_update(workspace.kernels, settings, scratch, v, s, learning_rate, step_size, eps_hat)
    descend(xp, activations, Y, parameters, L, learning_rate, workspace, settings.hidden_activation,
            lambd=settings.lambd, dropout=dropout, update=update,
            gradient_scale=gradient_scale(settings, learning_rate), scratch=scratch, weights=weights, total=total)
    return parameters, v, s, activations[L]



def cost_and_gradients(xp: ModuleType, settings: Settings, L: int, workspace: Workspace,
                       parameters: Mapping[str, Array], X: Array, Y: Array,
                       total: float | None = None) -> tuple[Array, dict[str, Array]]:
    """The step's passes without its update: the cost of ``parameters`` on ``X``, ``Y`` (0-d, with
    the L2 term; weighted as :func:`training_step`'s) and its gradients ``{"dW1": ..., "db1": ...}``
    (``workspace``'s buffers where the backend writes in place: read them before the next call).
    The parameters are not modified."""
    T, weights = split_weights(Y, settings.weighted)
    activations = forward_activations(xp, X, parameters, L, workspace, settings.hidden_activation, None, settings.loss)
    cost = batch_cost(xp, settings, activations[L], Y)
    if settings.lambd:
        cost = cost + l2_cost_kernel(xp, parameters, L, settings.lambd, X.shape[1] if total is None else total,
                                     workspace.kernels.squared_sum)
    gradients: dict[str, Array] = {}

    def keep(key: str, parameter: Array, gradient: Array) -> Array:
        gradients["d" + key] = gradient
        return parameter

    descend(xp, activations, T, dict(parameters), L, 0.0, workspace, settings.hidden_activation,
            lambd=settings.lambd, update=keep, weights=weights, total=total)
    return cost, gradients



#: A step's ``(parameters, v, s, AL, Y)``: AL the output it started from, Y the batch's targets.
StepResult = tuple[dict[str, Array], dict[str, Array], dict[str, Array], Array, Array]
#: ``step(parameters, v, s, X, Y, indices, learning_rate, step_size, eps_hat, total, dropout=None)``.
GatheringStep = Callable[..., StepResult]


@functools.lru_cache(maxsize=32)
def gathering_steps(xp: ModuleType, device: object, settings: Settings, L: int) -> tuple[GatheringStep, GatheringStep]:
    """For backends without in-place kernels: ``(step, compiled)``, the step on the columns
    ``indices`` of X and Y (all of them for None), gathered inside it (from their
    ``Kernels.batch_source`` layouts), and the same step compiled where the backend compiles
    (``jax.jit``: the gather joins the step's program; no dropout). Made once per
    ``settings.for_the_step()``, so later runs (``partial_fit``'s epochs, a search over learning
    rates) reuse the compiled programs."""
    ops = kernels(xp, device)

    def step(parameters: dict[str, Array], v: dict[str, Array], s: dict[str, Array], X: Array, Y: Array,
             indices: Array | None, learning_rate: float, step_size: float, eps_hat: float, total: float | None,
             dropout: Dropout | None = None) -> StepResult:
        if indices is not None:
            X, Y = ops.take_columns(X, indices, None), ops.take_columns(Y, indices, None)
        workspace = Workspace(xp, parameters, L, X.shape[1])
        return (*training_step(xp, settings, L, workspace, {}, parameters, v, s, X, Y, learning_rate, step_size,
                               eps_hat, dropout, total), Y)

    return step, ops.compile(step)


def batch_cost(xp: ModuleType, settings: Settings, AL: Array, Y: Array) -> Array:
    """The cost of output AL for targets Y (0-d): the mean over the examples, or with
    ``settings.weighted`` (Y's last row the sample weights) the weighted mean."""
    T, weights = split_weights(Y, settings.weighted)
    if weights is None:
        return mean_cost_kernel(xp, settings.loss, AL, T)
    return weighted_cost_kernel(xp, settings.loss, AL, T, weights)
