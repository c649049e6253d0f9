"""One training run in memory (:class:`Trainer`: parameters, optimiser state, reused buffers,
batches) and the epochs loop over any trainer (:func:`run_epochs`: recorded costs, divergence, early
stopping's callbacks)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any, Protocol

from array_api_compat import device as array_device

from .._backend import Array
from .._backend.sparse import is_sparse
from .._random import DeviceRandom, Reshuffled, permutation
from ..minibatch import batch_bounds
from ..optimizers import OptimizerState
from ..regularization import l2_cost_kernel
from .inputs import all_finite
from .kernels import kernels
from .plan import Callbacks
from .settings import Settings
from .step import Dropout, StepResult, Workspace, batch_cost, gathering_steps, training_step
from .stopping import EarlyStopping


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
        self.device = array_device(parameters["W1"])  # X may be sparse
        self.ops = kernels(xp, self.device, sparse=is_sparse(X))
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
        self.reshuffled = None if self.shuffle is None else Reshuffled(self.shuffle or None, self.m)
        if size is not None and (self.copy_X or not self.in_place):
            X, Y = self.ops.batch_source(X), self.ops.batch_source(Y)
        self.X, self.Y = X, Y

    def _workspace(self, size: int) -> Workspace:
        """The buffers for batches of ``size`` examples (where the backend writes in place)."""
        if size not in self.workspaces:
            batch_of = None if self.settings.mini_batch_size is None else (self.X, self.Y)
            self.workspaces[size] = Workspace(self.xp, self.parameters, self.L, size,
                                              gradients=self.settings.optimizer != "gd", batch_of=batch_of,
                                              ops=self.ops)
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
        self.settings.end_epoch(self.state, self.m)
        return None if total is None else total / self.total_weight

    def run_pass(self, record: bool, seed: int) -> Array | None:
        """One pass over the loaded data at this epoch's learning rate, its mini-batches shuffled
        with ``seed``; the epoch count is left alone (a block of a stream is part of an epoch).
        With ``record``, returns the sum over the examples of the costs :meth:`run_epoch` averages
        (each example's weighted by its sample weight, each step's L2 term by its batch's total weight)."""
        settings, state = self.settings, self.state
        learning_rate = settings.epoch_learning_rate(state)
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
            l2 = l2_cost_kernel(self.xp, self.parameters, self.L, settings.lambd, m, self.ops.squared_sum) \
                if record and settings.lambd else None
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



class EpochRunner(Protocol):
    """What :func:`run_epochs` trains with: a :class:`Trainer`, or a stream's trainer."""

    parameters: dict[str, Array]
    state: OptimizerState

    def run_epoch(self, record: bool) -> Array | None: ...


def run_epochs(xp: ModuleType, trainer: EpochRunner, settings: Settings, epochs: int, record_every: int,
               stopping: EarlyStopping, parameters: Mapping[str, Array],
               calls: Callbacks) -> tuple[dict[str, Array], list[float]]:
    """``epochs`` epochs of ``trainer``, from ``parameters`` (never modified): ``(parameters, costs)``,
    the costs of every ``record_every``-th epoch (see :func:`~portable_dnn.train`), ``calls`` made."""
    last_finite = dict(parameters)  # the caller's, never modified: no copy needed until epoch 1
    costs: list[float] = []

    def current() -> dict[str, Array]:
        return {key: xp.asarray(value, copy=True) for key, value in trainer.parameters.items()}

    for i in range(epochs):
        recorded = i % record_every == 0
        # A snapshot every record_every epochs (one parameter set), kept once its cost is finite.
        start = current() if recorded and i > 0 else None
        if calls.on_epoch_begin is not None:
            calls.on_epoch_begin(i)
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
            if calls.on_cost is not None and (recorded or i == epochs - 1):
                calls.on_cost(i, cost)
        if calls.on_iteration is not None:
            calls.on_iteration(i)
        stop = stopping.active and stopping.should_stop(cost, trainer.parameters, calls.on_score, i)
        if stop and settings.adapt(trainer.state):  # "adaptive": a fifth of the learning rate, and on
            stopping.count, stop = 0, False
        if calls.on_epoch is not None and calls.on_epoch(i, current):
            stop = True
        if stop:
            if calls.on_stop is not None:
                calls.on_stop(i)
            break
    if epochs and not all_finite(xp, trainer.parameters):
        raise TrainingDivergedError(epochs, math.nan, settings.learning_rate, last_finite, costs)
    return stopping.best_parameters or trainer.parameters, costs
