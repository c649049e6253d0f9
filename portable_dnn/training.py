"""The training path: (mini-batch) gradient descent, momentum or Adam, with L2, dropout and
learning-rate decay, fused and free of host syncs.

Each step computes what the step-by-step functions compute (see :mod:`._step`). Host syncs:
one for the checks of the labels and one for the finite check of ``X`` and the parameters
where training starts, one per recorded cost, and one for the finite check of the final
parameters; none per step.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from array_api_compat import device as array_device
from array_api_compat import is_dask_array

from ._backend import Array, check_float, get_namespace, is_lazy, on_the_arrays_device
from ._kernels import Kernels, kernels
from ._parameters import check_parameters
from ._random import DeviceRandom, Reshuffled, check_generator, check_seed, permutation
from ._step import Dropout, Workspace, descend, forward_activations
from ._validation import host_sample_weight
from .activations import check_loss
from .cost import all_one_hot, mean_cost_kernel, targets, weighted_cost_kernel
from .io import move_to
from .minibatch import batch_bounds
from .optimizers import (
    OptimizerState,
    check_count,
    check_fraction,
    check_learning_rate,
    check_non_negative,
    check_optimizer,
    schedule_lr_decay,
    update_lr,
)
from .propagation import check_hidden_activation
from .regularization import check_keep_prob, check_lambd, l2_cost_kernel
from .streaming import StreamTrainer, chunk_placement

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


def check_targets(xp: ModuleType, Y: Array, X: Array, classes: int, name: str = "Y",
                  loss: str = "cross_entropy") -> Array:
    """Training targets in X's dtype (:func:`targets`), their values checked (one host sync):
    0/1 labels (1, m) for one output unit; for ``classes`` >= 2 softmax units, one-hot
    (classes, m) from one-hot ``Y`` or from class indices (m,) or (1, m) in [0, classes); for
    the squared error, finite real targets (``classes`` outputs, m)."""
    T = targets(xp, Y, classes, X, name, loss)
    if loss == "squared_error":
        check_finite(xp, **{name: T})
        return T
    if classes == 1 or loss == "binary_cross_entropy":
        if not bool(xp.all((T == 0.0) | (T == 1.0))):
            raise ValueError(f"{name}: expected labels 0 and 1 only (or False/True)")
        return T
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


def weight_row(xp: ModuleType, sample_weight: Any, like: Array, check: bool = True, whole: bool = True,
               name: str = "sample_weight") -> tuple[Array, Any]:
    """``(row, host)``: the sample weights (m,) of the m columns of ``like`` as a row (1, m) in its
    dtype on its device, and on the host (NumPy float64: :func:`host_sample_weight`, which checks
    them with ``check`` and ``whole``, naming ``name``; one host sync)."""
    m = like.shape[1]
    host = host_sample_weight(sample_weight, m, check, whole, name)
    return xp.reshape(move_to(host, xp, array_device(like), like.dtype), (1, m)), host


def weighted(xp: ModuleType, T: Array, sample_weight: Any, check: bool = True,
             whole: bool = True) -> tuple[Array, Any]:
    """``(Y, host)``: the targets ``T`` (k, m) with the sample weights (m,) as one more row below them
    (gathered into batches with them), and the weights on the host, for the batches' total
    weights (:func:`weight_row`)."""
    row, host = weight_row(xp, sample_weight, T, check, whole)
    return xp.concat([T, row], axis=0), host


@dataclass(frozen=True)
class Settings:
    """How to train, checked once: see :func:`train` for each setting."""

    learning_rate: float
    hidden_activation: str = "relu"
    optimizer: str = "gd"
    mini_batch_size: int | None = None
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    lambd: float = 0.0
    keep_prob: float = 1.0
    decay_rate: float = 0.0
    time_interval: int | None = None
    seed: int = 0
    loss: str = "cross_entropy"
    epsilon_hat: bool = False
    #: Whether the targets carry the sample weights as their last row (:func:`weighted`).
    weighted: bool = False

    def __post_init__(self) -> None:
        checked = {
            "learning_rate": check_learning_rate(self.learning_rate),
            "hidden_activation": check_hidden_activation(self.hidden_activation),
            "optimizer": check_optimizer(self.optimizer),
            "mini_batch_size": None if self.mini_batch_size is None
            else check_count(self.mini_batch_size, "mini_batch_size", minimum=1),
            "beta": check_fraction(self.beta, "beta"),
            "beta1": check_fraction(self.beta1, "beta1"),
            "beta2": check_fraction(self.beta2, "beta2"),
            "epsilon": check_learning_rate(self.epsilon, "epsilon"),
            "lambd": check_lambd(self.lambd),
            "keep_prob": check_keep_prob(self.keep_prob),
            "decay_rate": check_non_negative(self.decay_rate, "decay_rate"),
            "time_interval": None if self.time_interval is None
            else check_count(self.time_interval, "time_interval", minimum=1),
            "seed": check_seed(self.seed),
            "loss": check_loss(self.loss),
            "epsilon_hat": check_flag(self.epsilon_hat, "epsilon_hat"),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def for_the_step(self) -> Settings:
        """These settings with those that do not shape a step's program set to their defaults
        (the learning rate and epsilon enter it as numbers; batching, decay, dropout and the seed
        act outside it): equal for runs that can share a compiled step."""
        return replace(self, learning_rate=1.0, mini_batch_size=None, epsilon=1e-8, keep_prob=1.0, decay_rate=0.0,
                       time_interval=None, seed=0, epsilon_hat=False)

    def learning_rate_at(self, epoch: int) -> float:
        """The learning rate of epoch ``epoch`` (from 0). As the course's model, which decays
        after each epoch: epoch e runs at ``decay(learning_rate, e - 1)`` (e >= 1)."""
        if not self.decay_rate or epoch == 0:
            return self.learning_rate
        if self.time_interval is None:
            return update_lr(self.learning_rate, epoch - 1, self.decay_rate)
        return schedule_lr_decay(self.learning_rate, epoch - 1, self.decay_rate, self.time_interval)


def _optimizer_update(ops: Kernels, settings: Settings, scratch: Mapping[str, Array], v: dict[str, Array],
                      s: dict[str, Array], learning_rate: float, step_size: float,
                      eps_hat: float) -> Callable[[str, Array, Array], Array] | None:
    """The per-parameter update of momentum or Adam (None for gradient descent), writing the
    new averages into ``v`` and ``s``."""
    if settings.optimizer == "gd":
        return None
    if settings.optimizer == "momentum":
        def momentum(key: str, parameter: Array, gradient: Array) -> Array:
            parameter, v["d" + key] = ops.momentum(
                parameter, gradient, v["d" + key], scratch.get(key), settings.beta, learning_rate)
            return parameter
        return momentum

    def adam(key: str, parameter: Array, gradient: Array) -> Array:
        parameter, v["d" + key], s["d" + key] = ops.adam(
            parameter, gradient, v["d" + key], s["d" + key], scratch.get(key),
            settings.beta1, settings.beta2, step_size, eps_hat)
        return parameter
    return adam


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
            gradient_scale=1.0 - (settings.beta1 if settings.optimizer == "adam" else settings.beta), scratch=scratch,
            weights=weights, total=total)
    return parameters, v, s, activations[L]


def split_weights(Y: Array, weighted: bool) -> tuple[Array, Array | None]:
    """``(targets, weights)``: Y's rows but the last and its last row (1, m) where Y carries the
    sample weights (:func:`weighted`), else ``(Y, None)``."""
    return (Y[:-1, ...], Y[-1:, ...]) if weighted else (Y, None)


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


class Trainer:
    """One training run on checked ``X`` (n0, m) and targets ``Y`` (1 or C, m): its own copies of
    the parameters (``parameters``, updated in place where the backend allows), the optimiser
    ``state`` (updated in place), reused buffers and the dropout generator. :meth:`run_epoch`
    trains one epoch, each step compiled where the backend compiles (unless ``compile`` is
    false). ``copy_X``, ``shuffle``: see :func:`train`."""

    def __init__(self, xp: ModuleType, X: Array, Y: Array, parameters: Mapping[str, Array], L: int,
                 settings: Settings, state: OptimizerState | None = None, compile: bool = True,
                 copy_X: bool = True, host_weights: Any = None, shuffle: Any = None) -> None:
        self.xp, self.L, self.settings, self.copy_X, self.shuffle = xp, L, settings, copy_X, shuffle
        self.device = array_device(X)
        self.ops = kernels(xp, self.device)
        self.parameters = {key: self.ops.own_copy(value) for key, value in parameters.items()}
        self.state = OptimizerState() if state is None else state
        gradients = settings.optimizer != "gd"
        self.in_place = self.ops.reuses_buffers
        self.workspaces: dict[int, Workspace] = {}  # by batch size, made on first use
        self.load(X, Y, host_weights)
        if not self.in_place:  # the step gathers its batch
            self._eager, self._compiled = gathering_steps(xp, self.device, settings.for_the_step(), L)
            if not compile:
                self._compiled = self._eager
        self.rng = DeviceRandom(xp, self.device, settings.seed) if settings.keep_prob < 1.0 else None
        if gradients:
            for key, value in self.parameters.items():
                for moments in (self.state.v, self.state.s) if settings.optimizer == "adam" else (self.state.v,):
                    if "d" + key not in moments:
                        moments["d" + key] = xp.zeros_like(value)
        self.scratch = {key: xp.empty_like(value) for key, value in self.parameters.items()} \
            if gradients and self.in_place else {}
        self.keys = list(self.parameters)

    def load(self, X: Array, Y: Array, host_weights: Any = None) -> None:
        """Train on ``X`` (n0, m) and ``Y`` from now on (a block of a stream; the batch buffers of
        each batch size are kept). With mini-batches they are gathered from the layout that is
        fastest to gather from (a copy where they are in another; always for the libraries
        without strided views). ``host_weights``: with ``settings.weighted``, the sample weights
        in Y's last row, on the host (the batches' totals are summed there: no host sync)."""
        self.m, size = X.shape[1], self.settings.mini_batch_size
        self.host_weights = host_weights
        #: What the summed cost of a pass is divided by: the examples, or their total weight.
        self.total_weight = self.m if host_weights is None else float(host_weights.sum())
        self.bounds = [(0, self.m)] if size is None else batch_bounds(self.m, size)
        self.reshuffled = None if self.shuffle is None else Reshuffled(self.shuffle, self.m)
        if size is not None and (self.copy_X or not self.in_place):
            X, Y = self.ops.batch_source(X), self.ops.batch_source(Y)
        self.X, self.Y = X, Y

    def _workspace(self, size: int) -> Workspace:
        """The buffers for batches of ``size`` examples (where the backend writes in place)."""
        if size not in self.workspaces:
            batch_of = None if self.settings.mini_batch_size is None else (self.X, self.Y)
            self.workspaces[size] = Workspace(self.xp, self.parameters, self.L, size,
                                              gradients=self.settings.optimizer != "gd", batch_of=batch_of)
        return self.workspaces[size]

    def _batches(self, seed: int) -> Iterator[tuple[Array | None, float | None]]:
        """``(columns, total weight)`` of each batch: all the columns (None), or the course's
        mini-batches shuffled by ``seed`` (with a ``shuffle`` generator, in scikit-learn's order);
        the total weight None without sample weights."""
        weights = self.host_weights
        if self.settings.mini_batch_size is None:
            yield None, None if weights is None else self.total_weight
            return
        host_order = permutation(self.m, seed) if self.reshuffled is None else self.reshuffled.next()
        # Uploaded without waiting for the queued steps where the library allows (no host sync).
        order = self.ops.upload(host_order)
        for start, stop in self.bounds:
            yield order[start:stop], None if weights is None else float(weights[host_order[start:stop]].sum())

    def _step(self, indices: Array | None, total: float | None, learning_rate: float, step_size: float,
              eps_hat: float) -> StepResult:
        """One step on the batch ``indices`` (all the columns for None) of total weight ``total``."""
        state = self.state
        dropout = None if self.rng is None else Dropout(self.rng, self.settings.keep_prob)
        if not self.in_place:
            arguments = (self.parameters, state.v, state.s, self.X, self.Y, indices, learning_rate, step_size, eps_hat,
                         total)
            if dropout is not None:
                return self._eager(*arguments, dropout=dropout)
            parameters, v, s, AL, Y = self._compiled(*arguments)
            return {key: parameters[key] for key in self.keys}, v, s, AL, Y  # compiled steps sort dict keys
        X, Y = self.X, self.Y
        if indices is not None:  # gathered into the workspace's buffers (reused by the next batch of its size)
            workspace = self._workspace(indices.shape[0])
            X, Y = self.ops.take_columns(X, indices, workspace.X), self.ops.take_columns(Y, indices, workspace.Y)
        else:
            workspace = self._workspace(self.m)
        return (*training_step(self.xp, self.settings, self.L, workspace, self.scratch, self.parameters, state.v,
                               state.s, X, Y, learning_rate, step_size, eps_hat, dropout, total), Y)

    def run_epoch(self, record: bool) -> Array | None:
        """Train one epoch (its mini-batches shuffled with seed ``seed + epoch + 1``, as the course's
        model, or by the ``shuffle`` generator). With ``record``, returns its cost (0-d, on the device): the mean over
        the examples of each step's cross-entropy, taken before the step (with dropout, of the
        dropped-out network), plus each step's L2 term weighted by its share of the examples
        (for full batches, :func:`compute_cost_with_regularization`)."""
        total = self.run_pass(record, self.settings.seed + self.state.epochs + 1)
        self.state.epochs += 1
        return None if total is None else total / self.total_weight

    def run_pass(self, record: bool, seed: int) -> Array | None:
        """One pass over the loaded data at this epoch's learning rate, its mini-batches shuffled
        with ``seed``; the epoch count is left alone (a block of a stream is part of an epoch).
        With ``record``, returns the sum over the examples of the costs :meth:`run_epoch` averages
        (each example's weighted by its sample weight, each step's L2 term by its batch's total weight)."""
        settings, state = self.settings, self.state
        learning_rate = settings.learning_rate_at(state.epochs)
        step_size = eps_hat = 0.0
        total = None
        for (start, stop), (indices, weight) in zip(self.bounds, self._batches(seed), strict=True):
            if settings.optimizer == "adam":  # one Adam step per batch; the bias corrections in two scalars
                state.t += 1
                correction = math.sqrt(1.0 - settings.beta2**state.t)
                step_size = learning_rate * correction / (1.0 - settings.beta1**state.t)
                eps_hat = settings.epsilon if settings.epsilon_hat else settings.epsilon * correction
            m = stop - start if weight is None else weight
            # The step's L2 term from its starting weights, before they are updated (in place).
            l2 = l2_cost_kernel(self.xp, self.parameters, self.L, settings.lambd, m) if record and settings.lambd \
                else None
            self.parameters, state.v, state.s, AL, Y = self._step(indices, weight, learning_rate, step_size, eps_hat)
            if record:
                cost = batch_cost(self.xp, settings, AL, Y)
                cost = (cost if l2 is None else cost + l2) * m
                total = cost if total is None else total + cost
            self.settle()
        return total

    def settle(self) -> None:
        """End a step: Dask computes the new parameters and optimiser state (graphs do not grow)."""
        settle = self.ops.settle
        self.parameters = settle(self.parameters)
        if self.state.v:
            self.state.v = settle(self.state.v)
        if self.state.s:
            self.state.s = settle(self.state.s)


@on_the_arrays_device  # CuPy: on X's device, whichever is current
def train(
    X: Array,
    Y: Array,
    parameters: Mapping[str, Array],
    *,
    learning_rate: float,
    num_iterations: int | None = None,
    num_epochs: int | None = None,
    record_every: int = 100,
    hidden_activation: str = "relu",
    optimizer: str = "gd",
    mini_batch_size: int | None = None,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    decay_rate: float = 0.0,
    time_interval: int | None = None,
    seed: int = 0,
    state: OptimizerState | None = None,
    n_iter_no_change: int | None = None,
    tol: float = 1e-4,
    validation_data: tuple[Array, Array] | None = None,
    on_iteration: IterationCallback | None = None,
    on_cost: CostCallback | None = None,
    on_score: CostCallback | None = None,
    on_stop: IterationCallback | None = None,
    copy_X: bool = True,
    loss: str = "cross_entropy",
    sample_weight: Array | None = None,
    shuffle: Any = None,
    epsilon_hat: bool = False,
) -> tuple[dict[str, Array], list[float]]:
    """Train a network from ``parameters``: the fused training path.

    Each step computes what :func:`random_mini_batches`, :func:`L_model_forward`,
    :func:`L_model_backward` and ``update_parameters_with_*`` compute, to float rounding, with no
    host sync per step (see the user guide's "Training" page).

    Parameters
    ----------
    X : array (n0, m)
        One column per example.
    Y : array
        On the parameters' namespace and device. For one output unit (sigmoid), 0/1 labels (1, m)
        or (m,); for C >= 2 units (softmax), one-hot (C, m) or class indices (m,) or (1, m); for
        ``loss="squared_error"``, real targets (k, m), or (m,) for one output.
    parameters : dict
        The starting ``W1, b1, ..., WL, bL`` (never modified).
    learning_rate : float
        The step size.
    num_epochs, num_iterations : int
        Passes over the data (the same count: with full batches an epoch is an iteration; give
        one of the two).
    record_every : int, default 100
        Record the cost of epochs 0, ``record_every``, ... (the course's ``costs``).
    hidden_activation : str, default "relu"
        The hidden layers' activation.
    optimizer : {"gd", "momentum", "adam"}, default "gd"
        As the course's ``update_parameters_with_*`` (``beta``; ``beta1``, ``beta2``, ``epsilon``).
    mini_batch_size : int or None, default None
        ``None``: full batches; else the course's :func:`random_mini_batches` each epoch, with seed
        ``seed + epoch + 1``.
    beta, beta1, beta2, epsilon : float
        Momentum's and Adam's constants.
    lambd : float, default 0.0
        L2 strength.
    keep_prob : float, default 1.0
        Dropout of the hidden layers (masks from a generator seeded with ``seed`` on X's device).
    decay_rate : float, default 0.0
        Learning-rate decay after each epoch by :func:`update_lr`, or every ``time_interval``
        epochs by :func:`schedule_lr_decay`.
    time_interval : int or None, default None
        See ``decay_rate``.
    seed : int, default 0
        Seeds the mini-batches and dropout.
    state : OptimizerState or None
        Continue from it (momentum's and Adam's averages, Adam's step count, the epochs done);
        updated in place.
    n_iter_no_change : int, math.inf or None, default None
        Stop early: without ``validation_data``, when the training cost has not fallen by ``tol``
        below its best for more than this many epochs in a row; with it, when the validation
        accuracy (R² for the squared error) has not risen by ``tol`` above its best for as long,
        returning the parameters of the best (``math.inf``: never stops, but returns those
        parameters all the same). ``None``: never. Costs one host sync per epoch.
    tol : float, default 1e-4
        The improvement that counts (strictly: with 0, an equal score is none).
    validation_data : tuple, optional
        ``(X_val, Y_val)`` or ``(X_val, Y_val, sample_weight_val)`` (then the score is weighted).
    on_iteration, on_cost, on_score, on_stop : callable, optional
        ``on_iteration(epoch)`` after each epoch; ``on_cost(epoch, cost)`` for the recorded epochs
        and the last one; ``on_score(epoch, score)`` for each validation score;
        ``on_stop(epoch)`` with the epoch after which the stopping rule ended training.
    copy_X : bool, default True
        With mini-batches, an X whose examples are not each contiguous in memory (the course's
        C-ordered (n0, m) columns) is copied once into an example-contiguous layout (X's size
        again), so that each batch is gathered as whole rows; X as the transpose of row-major
        samples (what :class:`DeepNeuralNetwork` passes) needs no copy. ``False``: no copy
        (slower batches). JAX always gathers from a row-major copy.
    loss : {"cross_entropy", "binary_cross_entropy", "squared_error"}, default "cross_entropy"
        The cost (:func:`compute_cost`); ``"squared_error"`` trains a regression network with an
        identity output layer.
    sample_weight : array (m,), optional
        Non-negative weights of the examples, on the host or the data's backend (copied to the
        host once: one host sync). Each step then descends its batch's weighted mean cost
        ``sum_i w_i cost_i / sum_i w_i``, the L2 term over the batch's total weight (scikit-learn's;
        integer weights train as repeated examples would in full batches); the recorded costs are
        weighted likewise.
    shuffle : numpy.random.RandomState or None, default None
        Where the mini-batches' order comes from. None: the course's :func:`random_mini_batches`
        with seed ``seed + epoch + 1`` each epoch. A generator: scikit-learn's MLP order, each
        epoch reordering the last one's by ``shuffle.permutation(m)`` (advancing the generator);
        :class:`DeepNeuralNetwork` passes the one its initial weights were drawn from, as
        ``MLPClassifier`` does. Not for a Dask stream, whose blocks are ordered by ``seed``.
    epsilon_hat : bool, default False
        Adam: ``epsilon`` is Kingma and Ba's epsilon-hat, added to the square root of the second
        moment before its bias correction (scikit-learn's and Keras's Adam), instead of the
        course's, added after it.

    Returns
    -------
    parameters : dict
        The trained parameters (new arrays).
    costs : list of float
        The recorded costs (with ``lambd``, the regularised cost).

    Raises
    ------
    TrainingDivergedError
        A computed cost, or the final parameters, are not finite; it carries the last finite
        parameters and the costs recorded until then.
    TypeError, ValueError
        Bad settings or inputs, each naming the argument.
    """
    xp, L = check_parameters(parameters, X=X)
    settings = Settings(
        learning_rate=learning_rate, hidden_activation=hidden_activation, optimizer=optimizer,
        mini_batch_size=mini_batch_size, beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon, lambd=lambd,
        keep_prob=keep_prob, decay_rate=decay_rate, time_interval=time_interval, seed=seed, loss=loss,
        epsilon_hat=epsilon_hat, weighted=sample_weight is not None,
    )
    epochs = check_epochs(num_iterations, num_epochs)
    record_every = check_count(record_every, "record_every", minimum=1)
    if state is not None and not isinstance(state, OptimizerState):
        raise TypeError(f"state: expected an OptimizerState, got {type(state).__name__}")
    units = parameters[f"W{L}"].shape[0]
    check_finite(xp, **{f"parameters[{key!r}]": value for key, value in parameters.items()})
    shuffle = check_generator(shuffle)
    lazy_xp = None
    if settings.mini_batch_size is not None and is_lazy(xp) and is_dask_array(X):  # streamed, block by block
        if shuffle is not None:
            raise ValueError("shuffle: a generator orders examples in memory; a Dask stream's blocks and their "
                             "examples are shuffled by seed (pass shuffle=None)")
        lazy_xp, (xp, device) = xp, chunk_placement(X)
        parameters = {key: move_to(value, xp, device) for key, value in parameters.items()}
        if isinstance(validation_data, (tuple, list)):
            validation_data = tuple(move_to(part, xp, device) for part in validation_data)  # type: ignore[assignment]
        trainer: Trainer | StreamTrainer = StreamTrainer(X, Y, parameters, L, settings, state, units, copy_X,
                                                         sample_weight)
        like = xp.empty((X.shape[0], 0), dtype=parameters["W1"].dtype, device=device)
    else:
        Y = check_targets(xp, Y, X, units, loss=settings.loss)
        check_finite(xp, X=X)
        host_weights = None
        if sample_weight is not None:
            Y, host_weights = weighted(xp, Y, sample_weight)
        trainer, like = Trainer(xp, X, Y, parameters, L, settings, state, copy_X=copy_X, host_weights=host_weights,
                                shuffle=shuffle), X
    stopping = EarlyStopping(xp, L, n_iter_no_change, tol, validation_data, units, settings.hidden_activation, like,
                             settings.loss)
    try:
        trained, costs = _train_epochs(xp, trainer, settings, epochs, record_every, stopping, parameters, on_cost,
                                       on_iteration, on_score, on_stop)
    except TrainingDivergedError as error:
        if lazy_xp is not None:
            error.parameters = {key: move_to(value, lazy_xp, None) for key, value in error.parameters.items()}
        raise
    finally:
        if isinstance(trainer, StreamTrainer):
            trainer.close()
    if lazy_xp is not None:  # the caller's namespace
        trained = {key: move_to(value, lazy_xp, None) for key, value in trained.items()}
    return trained, costs


def _train_epochs(xp: ModuleType, trainer: Trainer | StreamTrainer, settings: Settings, epochs: int,
                  record_every: int, stopping: EarlyStopping, parameters: Mapping[str, Array],
                  on_cost: CostCallback | None, on_iteration: IterationCallback | None,
                  on_score: CostCallback | None,
                  on_stop: IterationCallback | None) -> tuple[dict[str, Array], list[float]]:
    """:func:`train`'s epochs, from ``parameters`` (never modified): ``(parameters, costs)``."""
    last_finite = dict(parameters)  # the caller's, never modified: no copy needed until epoch 1
    costs: list[float] = []
    for i in range(epochs):
        recorded = i % record_every == 0
        # A snapshot every record_every epochs (one parameter set), kept once its cost is finite.
        start = {key: xp.asarray(value, copy=True) for key, value in trainer.parameters.items()} \
            if recorded and i > 0 else None
        cost_array = trainer.run_epoch(record=recorded or i == epochs - 1 or stopping.needs_costs)
        cost = None
        if cost_array is not None:
            cost = float(cost_array)
            if not math.isfinite(cost):
                raise TrainingDivergedError(i, cost, settings.learning_rate, last_finite, costs)
            if start is not None:
                last_finite = start
            if recorded:
                costs.append(cost)
            if on_cost is not None and (recorded or i == epochs - 1):
                on_cost(i, cost)
        if on_iteration is not None:
            on_iteration(i)
        if stopping.active and stopping.should_stop(cost, trainer.parameters, on_score, i):
            if on_stop is not None:
                on_stop(i)
            break
    if epochs and not all_finite(xp, trainer.parameters):
        raise TrainingDivergedError(epochs, math.nan, settings.learning_rate, last_finite, costs)
    return stopping.best_parameters or trainer.parameters, costs


class EarlyStopping:
    """scikit-learn's stopping rule: more than ``n_iter_no_change`` epochs in a row without the
    training cost falling by ``tol`` below its best, or (with validation data) without the
    validation accuracy rising by ``tol`` above its best; then the best accuracy's parameters
    (the first epoch of equal best accuracies) are kept. A change must be strict: with
    ``tol=0`` an epoch that only equals the best counts as no improvement. Inactive when
    ``n_iter_no_change`` is None."""

    def __init__(self, xp: ModuleType, L: int, n_iter_no_change: int | None, tol: float,
                 validation_data: tuple[Array, Array] | None, units: int, hidden_activation: str,
                 X: Array, loss: str = "cross_entropy") -> None:
        self.xp, self.L, self.hidden_activation, self.loss = xp, L, hidden_activation, loss
        self.active = n_iter_no_change is not None
        self.patience: float = 0 if n_iter_no_change is None else check_patience(n_iter_no_change)
        self.tol = check_non_negative(tol, "tol")
        self.best, self.count = -math.inf, 0
        self.best_parameters: dict[str, Array] | None = None
        self.validation = None
        self.weights: Array | None = None  # the validation examples' sample weights (1, m_val)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise TypeError("validation_data: expected (X_val, Y_val) or (X_val, Y_val, sample_weight_val)")
            X_val, Y_val = validation_data[0], validation_data[1]
            weights = validation_data[2] if len(validation_data) == 3 else None
            check_float(get_namespace(X=X, X_val=X_val), X=X, X_val=X_val)
            if X_val.ndim != 2 or X_val.shape[0] != X.shape[0] or X_val.shape[1] == 0:
                raise ValueError(f"validation_data: expected X_val of shape ({X.shape[0]}, m_val), "
                                 f"got {tuple(X_val.shape)}")
            T = check_targets(xp, Y_val, X_val, units, "validation_data Y_val", loss)
            if weights is not None:
                self.weights, _ = weight_row(xp, weights, X_val, name="validation_data sample_weight_val")
            self.validation = (X_val, T)
        self.needs_costs = self.active and self.validation is None

    def should_stop(self, cost: float | None, parameters: dict[str, Array], on_score: CostCallback | None,
                    epoch: int) -> bool:
        """Whether to stop after this epoch (its training ``cost``, computed every epoch when there
        is no validation data; its ``parameters``)."""
        if self.validation is None:
            assert cost is not None  # needs_costs
            value = -cost
        else:
            value = self.accuracy(parameters)
            if on_score is not None:
                on_score(epoch, value)
        # An epoch improves when it beats the best by at least tol, and beats it strictly: with
        # tol=0 a score equal to the best does not reset the count (accuracies tie often).
        improved = value > self.best and value >= self.best + self.tol
        self.count = 0 if improved else self.count + 1
        if value > self.best:  # the first of equal best scores is kept
            self.best = value
            if self.validation is not None:
                self.best_parameters = {key: self.xp.asarray(a, copy=True) for key, a in parameters.items()}
        return self.count > self.patience

    def accuracy(self, parameters: Mapping[str, Array]) -> float:
        """The fraction of the validation examples classified right, or for the squared error
        the coefficient of determination R² (one host sync); each example weighted by its sample
        weight where they are given."""
        xp = self.xp
        X_val, T = self.validation  # type: ignore[misc]
        AL = forward_activations(xp, X_val, parameters, self.L, hidden_activation=self.hidden_activation,
                                 loss=self.loss)[self.L]
        if self.loss == "squared_error":
            return float(r2_kernel(xp, AL, T, self.weights))
        if AL.shape[0] == 1 or self.loss == "binary_cross_entropy":  # multilabel: every label of an example right
            right = xp.all((AL > 0.5) == (T > 0.5), axis=0)
        else:
            right = xp.argmax(AL, axis=0) == xp.argmax(T, axis=0)
        right = xp.astype(right, AL.dtype)
        if self.weights is None:
            return float(xp.mean(right))
        return float(xp.sum(self.weights * right) / xp.sum(self.weights))


def r2_kernel(xp: ModuleType, AL: Array, T: Array, weights: Array | None = None) -> Array:
    """The coefficient of determination of predictions ``AL`` for targets ``T`` (k, m), averaged
    over the k outputs as scikit-learn's ``r2_score``: ``1 - SS_res / SS_tot`` for each; an output
    whose targets are all equal scores 1 where predicted exactly, else 0. With sample ``weights``
    (1, m), each example's squares are weighted and the mean is the weighted mean."""
    w = xp.ones_like(T[:1, ...]) if weights is None else weights
    mean = xp.sum(w * T, axis=1, keepdims=True) / xp.sum(w)
    residual = xp.sum(w * (T - AL) ** 2, axis=1)
    total = xp.sum(w * (T - mean) ** 2, axis=1)
    constant = total == 0.0
    perfect = xp.astype(residual == 0.0, AL.dtype)
    return xp.mean(xp.where(constant, perfect, 1.0 - residual / xp.where(constant, 1.0, total)))


def check_flag(value: object, name: str) -> bool:
    """``value``: True or False, else ``TypeError`` naming it."""
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return value


def check_patience(n_iter_no_change: object) -> float:
    """``n_iter_no_change``: an integer >= 1, or ``math.inf`` (scikit-learn's spelling of "never": the
    scores are still kept, and the best validation epoch's parameters returned)."""
    if isinstance(n_iter_no_change, float) and n_iter_no_change == math.inf:
        return math.inf
    return check_count(n_iter_no_change, "n_iter_no_change", 1)


def check_epochs(num_iterations: object, num_epochs: object) -> int:
    """The number of epochs from ``num_iterations`` or ``num_epochs`` (exactly one given)."""
    if (num_iterations is None) == (num_epochs is None):
        raise TypeError("train: give the number of epochs as num_epochs or num_iterations (one of them), got "
                        f"num_iterations={num_iterations!r}, num_epochs={num_epochs!r}")
    if num_epochs is not None:
        return check_count(num_epochs, "num_epochs")
    return check_count(num_iterations, "num_iterations")
