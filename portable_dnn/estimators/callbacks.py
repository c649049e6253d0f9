"""What the estimators report while they train: scikit-learn's callbacks (1.9+, ``set_callbacks``;
one task per epoch, or per L-BFGS iteration, under the fit's) and ``print_cost``'s progress bar.

Without callbacks (and outside a meta-estimator's callback context) a fit makes none of these calls:
it costs nothing more."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from typing import Any

from .._backend import Array
from .._engine.plan import Callbacks
from ..optimizers import OptimizerState


def callback_support() -> Any:
    """scikit-learn's ``sklearn.callback`` module, or an ImportError saying what is needed."""
    try:
        return importlib.import_module("sklearn.callback")
    except ImportError as error:
        try:
            installed = f"scikit-learn {importlib.import_module('sklearn').__version__} is installed"
        except ImportError:
            installed = "scikit-learn is not installed"
        raise ImportError(f"set_callbacks needs scikit-learn 1.9 or newer (its sklearn.callback API); {installed}: "
                          "pip install 'scikit-learn>=1.9'") from error


class CallbackSupport:
    """``set_callbacks`` (scikit-learn's ``CallbackSupportMixin``, where scikit-learn has one)."""

    def set_callbacks(self, *callbacks: Any) -> Any:
        """Set scikit-learn's callbacks (``ProgressBar()``, ``ScoringMonitor(...)``, your own
        ``FitCallback``) for ``fit`` and ``partial_fit``; none: remove them. Returns the estimator.
        Needs scikit-learn 1.9 or newer."""
        return callback_support().CallbackSupportMixin.set_callbacks(self, *callbacks)


def wants_callbacks(estimator: Any) -> bool:
    """Whether a fit of ``estimator`` reports to scikit-learn's callbacks: it has some, or a
    meta-estimator (a ``Pipeline``) fits it inside its own callback context."""
    return bool(getattr(estimator, "_skl_callbacks", None)) or hasattr(estimator, "_parent_callback_ctx")


@contextlib.contextmanager
def callbacks_torn_down(estimator: Any) -> Iterator[None]:
    """Around a fit: the callbacks set up by the fit are torn down however it ends."""
    if not wants_callbacks(estimator):
        yield
        return
    module = importlib.import_module("sklearn.callback._callback_support")
    with module.callback_management_context(estimator):
        yield


class FitTasks:
    """One fit's tasks for scikit-learn's callbacks: the root ``task`` (``"fit"``, ``"partial_fit"``)
    with up to ``max_epochs`` subtasks (``"epoch"``, or ``"iteration"`` for L-BFGS), each ended with
    the model as it stands then (a ``fitted_estimator`` made only if a callback asks for it)."""

    def __init__(self, estimator: Any, X: Any, y: Any, sample_weight: Any, task: str, subtask: str,
                 max_epochs: int) -> None:
        mixin = callback_support().CallbackSupportMixin
        self.estimator, self.subtask = estimator, subtask
        self.data = {"X": X, "y": y, "metadata": None if sample_weight is None else {"sample_weight": sample_weight}}
        self.root = mixin._init_callback_context(estimator, task_name=task, max_subtasks=max_epochs)
        self.root.call_on_fit_task_begin(estimator=estimator, **self.data)
        self.current: Any = None

    def begin(self, epoch: int) -> None:
        self.current = self.root.subcontext(task_name=self.subtask)
        self.current.call_on_fit_task_begin(estimator=self.estimator, **self.data)

    def end(self, attributes: Callable[[], dict[str, Any]]) -> bool:
        """End the current epoch's task, the model as ``attributes()`` describes it; whether a callback asks to stop."""
        current, self.current = self.current, None
        return bool(current.call_on_fit_task_end(estimator=self.estimator, **self.data,
                                                 reconstruction_attributes=attributes))

    def close(self) -> None:
        """End the fit's task (and an epoch's begun but not run: L-BFGS ended before it)."""
        if self.current is not None:
            self.current.call_on_fit_task_end(estimator=self.estimator)
        self.root.call_on_fit_task_end(estimator=self.estimator, **self.data)


class ProgressLine:
    """``print_cost``'s report: the course's line per epoch, under a tqdm progress bar showing the cost
    and the validation score (where tqdm is installed, as the command line's)."""

    def __init__(self, total: int) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        self.bar = None if tqdm is None else tqdm(total=total, unit="ep", desc="training", dynamic_ncols=True,
                                                  leave=False)
        self.write = print if tqdm is None else tqdm.write
        self.shown: dict[str, str] = {}

    def cost(self, epoch: int, cost: float) -> None:
        """The cost after ``epoch`` (counted over the model's life, as the course's lines count)."""
        self.write(f"Cost after epoch {epoch}: {cost}")
        self.shown["cost"] = f"{cost:.6f}"

    def score(self, epoch: int, score: float) -> None:
        self.shown["validation"] = f"{score:.4f}"

    def epoch(self, epoch: int) -> None:
        if self.bar is not None:
            self.bar.set_postfix(self.shown, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class EpochReports:
    """One training run's reports after each epoch, as the engine's :class:`Callbacks`: the costs
    (appended to ``costs``) and validation scores (where ``validated``), whether training was
    stopped, ``print_cost``'s lines and bar, and scikit-learn's callbacks (``tasks``), whose
    ``fitted_estimator`` has ``described`` (what training does not change: layers, targets)."""

    def __init__(self, costs: list[float], state: OptimizerState, epochs: int, *, print_cost: bool,
                 tasks: FitTasks | None, validated: bool, described: dict[str, Any]) -> None:
        self.costs, self.state, self.tasks, self.validated, self.described = costs, state, tasks, validated, described
        self.scores: list[float] = []
        self.stopped: list[int] = []
        self.progress = ProgressLine(epochs) if print_cost else None

    def callbacks(self) -> Callbacks:
        progress, tasks = self.progress, self.tasks
        return Callbacks(on_cost=self._cost, on_score=self._score, on_stop=self.stopped.append,
                         on_iteration=None if progress is None else progress.epoch,
                         on_epoch_begin=None if tasks is None else tasks.begin,
                         on_epoch=None if tasks is None else self._epoch)

    def _cost(self, epoch: int, cost: float) -> None:
        self.costs.append(cost)
        if self.progress is not None:
            self.progress.cost(self.state.epochs - 1, cost)

    def _score(self, epoch: int, value: float) -> None:
        self.scores.append(value)
        if self.progress is not None:
            self.progress.score(epoch, value)

    def _epoch(self, epoch: int, current: Callable[[], dict[str, Array]]) -> bool:
        assert self.tasks is not None
        return self.tasks.end(lambda: self.fitted_so_far(current))

    def validation_attributes(self) -> dict[str, Any]:
        """``validation_scores_`` and ``best_validation_score_`` so far (None without validation)."""
        scores = list(self.scores) if self.validated else None
        return {"validation_scores_": scores, "best_validation_score_": max(scores) if scores else None}

    def fitted_so_far(self, current: Callable[[], dict[str, Array]]) -> dict[str, Any]:
        """The fitted attributes of the model as it stands, ``current()`` its parameters."""
        return {**self.described, "parameters_": current(), "costs_": list(self.costs),
                "optimizer_state_": self.state, "n_iter_": self.state.epochs, **self.validation_attributes()}

    def close(self) -> None:
        """After training (ended well or not): the progress bar closed."""
        if self.progress is not None:
            self.progress.close()

