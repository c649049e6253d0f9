"""How to train, checked once: :class:`Settings` (what shapes each step), and the checks of the
run's own options (epochs, patience, flags)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .._checks import check_count, check_flag, check_fraction, check_non_negative, check_positive
from .._outputs import check_loss
from .._random import check_seed
from ..optimizers import SCHEDULES, OptimizerState, check_optimizer, schedule_lr_decay, update_lr
from ..propagation import check_hidden_activation
from ..regularization import check_keep_prob, check_lambd

#: ``"adaptive"`` stops once the learning rate is down to this (scikit-learn's).
ADAPTIVE_FLOOR = 1e-6


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
    nesterov: bool = True
    schedule: str = "constant"
    power_t: float = 0.5

    def __post_init__(self) -> None:
        checked = {
            "learning_rate": check_positive(self.learning_rate, "learning_rate"),
            "hidden_activation": check_hidden_activation(self.hidden_activation),
            "optimizer": check_optimizer(self.optimizer),
            "mini_batch_size": None if self.mini_batch_size is None
            else check_count(self.mini_batch_size, "mini_batch_size", minimum=1),
            "beta": check_fraction(self.beta, "beta"),
            "beta1": check_fraction(self.beta1, "beta1"),
            "beta2": check_fraction(self.beta2, "beta2"),
            "epsilon": check_positive(self.epsilon, "epsilon"),
            "lambd": check_lambd(self.lambd),
            "keep_prob": check_keep_prob(self.keep_prob),
            "decay_rate": check_non_negative(self.decay_rate, "decay_rate"),
            "time_interval": None if self.time_interval is None
            else check_count(self.time_interval, "time_interval", minimum=1),
            "seed": check_seed(self.seed),
            "loss": check_loss(self.loss),
            "epsilon_hat": check_flag(self.epsilon_hat, "epsilon_hat"),
            "nesterov": check_flag(self.nesterov, "nesterov"),
            "schedule": check_schedule(self.schedule),
            "power_t": check_non_negative(self.power_t, "power_t"),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        if self.optimizer == "lbfgs":
            for name, value, plain in (("mini_batch_size", self.mini_batch_size, None),
                                       ("keep_prob", self.keep_prob, 1.0), ("decay_rate", self.decay_rate, 0.0)):
                if value != plain:
                    raise ValueError(f"{name}={value} with optimizer='lbfgs': L-BFGS takes every example each "
                                     f"iteration, deterministically and without a learning rate (pass {name}={plain})")
        if self.decay_rate and self.schedule != "constant":
            raise ValueError(f"decay_rate={self.decay_rate} and learning_rate_schedule={self.schedule!r}: both change "
                             "the learning rate; choose one")

    @property
    def scheduled(self) -> bool:
        """Whether the learning-rate schedule acts (every optimiser but Adam, as scikit-learn's)."""
        return self.schedule != "constant" and self.optimizer != "adam"

    def for_the_step(self) -> Settings:
        """These settings with those that do not shape a step's program set to their defaults
        (the learning rate and epsilon enter it as numbers; batching, decay, dropout and the seed
        act outside it): equal for runs that can share a compiled step."""
        return replace(self, learning_rate=1.0, mini_batch_size=None, epsilon=1e-8, keep_prob=1.0, decay_rate=0.0,
                       time_interval=None, seed=0, epsilon_hat=False, schedule="constant", power_t=0.5)

    def epoch_learning_rate(self, state: OptimizerState) -> float:
        """The learning rate of the epoch ``state`` is at: the schedule's current one, or the
        course's decay's (:meth:`learning_rate_at`)."""
        if self.scheduled and state.learning_rate is not None:
            return state.learning_rate
        return self.learning_rate_at(state.epochs)

    def end_epoch(self, state: OptimizerState, samples: int) -> None:
        """Count an epoch of ``samples`` examples (scikit-learn's ``t_``) and, for
        ``"invscaling"``, set the next epoch's rate ``learning_rate / (t_ + 1) ** power_t``."""
        state.epochs += 1
        state.samples += samples
        if self.scheduled and self.schedule == "invscaling":
            state.learning_rate = self.learning_rate / (state.samples + 1) ** self.power_t

    def adapt(self, state: OptimizerState) -> bool:
        """Where the stopping rule would end training: for ``"adaptive"``, divide the learning rate
        by 5 and go on (True), unless it is down to 1e-6 (False: stop), as scikit-learn's SGD."""
        if not (self.scheduled and self.schedule == "adaptive"):
            return False
        current = self.learning_rate if state.learning_rate is None else state.learning_rate
        if current <= ADAPTIVE_FLOOR:
            return False
        state.learning_rate = current / 5.0
        return True

    def learning_rate_at(self, epoch: int) -> float:
        """The learning rate of epoch ``epoch`` (from 0). As the course's model, which decays
        after each epoch: epoch e runs at ``decay(learning_rate, e - 1)`` (e >= 1)."""
        if not self.decay_rate or epoch == 0:
            return self.learning_rate
        if self.time_interval is None:
            return update_lr(self.learning_rate, epoch - 1, self.decay_rate)
        return schedule_lr_decay(self.learning_rate, epoch - 1, self.decay_rate, self.time_interval)



def check_schedule(schedule: object) -> str:
    """``schedule`` if it names one of :data:`~portable_dnn.optimizers.SCHEDULES`, else ``ValueError``."""
    if not isinstance(schedule, str) or schedule not in SCHEDULES:
        raise ValueError(f"learning_rate_schedule: expected one of {list(SCHEDULES)}, got {schedule!r}")
    return schedule


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
