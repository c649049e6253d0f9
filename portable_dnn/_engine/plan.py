"""What a run does beyond each step: the :class:`Plan` (epochs, recording, stopping, order) and its
:class:`Callbacks`, checked once; the engine's :func:`~.run.run` takes them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._backend import Array
from .._checks import check_count
from ..optimizers import OptimizerState
from .stopping import CostCallback, IterationCallback

#: ``on_epoch(epoch, parameters)`` after each epoch: ``parameters()`` copies the current ones (only
#: when called); returns whether to stop.
EpochCallback = Callable[[int, Callable[[], dict[str, Array]]], bool]


@dataclass(frozen=True)
class Callbacks:
    """``on_iteration(epoch)`` after each epoch; ``on_cost(epoch, cost)`` for the recorded epochs and
    the last; ``on_score(epoch, score)`` for each validation score; ``on_stop(epoch)`` when the
    stopping rule ends training (or ``on_epoch`` asks to stop). ``on_epoch_begin(epoch)`` before each
    epoch, and ``on_epoch(epoch, parameters)`` after it, once its cost and score are reported (see
    :data:`EpochCallback`; L-BFGS: each iteration, the next begun once one ends). None: not called."""

    on_iteration: IterationCallback | None = None
    on_cost: CostCallback | None = None
    on_score: CostCallback | None = None
    on_stop: IterationCallback | None = None
    on_epoch_begin: IterationCallback | None = None
    on_epoch: EpochCallback | None = None


@dataclass
class Plan:
    """What a run does beyond each step (see :func:`~portable_dnn.train` for each), checked once."""

    epochs: int
    record_every: int = 100
    state: OptimizerState | None = None
    #: A ``numpy.random.RandomState``, False (in order) or None (the course's order): see ``train``.
    shuffle: Any = None
    n_iter_no_change: float | None = None
    tol: float = 1e-4
    copy_X: bool = True
    callbacks: Callbacks = field(default_factory=Callbacks)
    #: The caller checked X, the targets, the sample weights and the validation data once where
    #: they entered (the estimators): they are encoded here, not checked again.
    checked: bool = False
    #: L-BFGS's limit on the cost's evaluations (scikit-learn's ``max_fun``).
    max_fun: int = 15000

    def __post_init__(self) -> None:
        self.epochs = check_count(self.epochs, "num_epochs")
        self.record_every = check_count(self.record_every, "record_every", minimum=1)
        self.max_fun = check_count(self.max_fun, "max_fun", minimum=1)
        if self.state is not None and not isinstance(self.state, OptimizerState):
            raise TypeError(f"state: expected an OptimizerState, got {type(self.state).__name__}")
