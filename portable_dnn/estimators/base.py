"""What the network estimators share: the constructor's settings, training (fit, partial fit,
warm start, early stopping, streaming from Dask) through the engine's one entry, placement and the
network's output. The targets are objects (:mod:`.targets`); scikit-learn's parameter protocol
(:mod:`.params`), predictions outside the device scope (:mod:`.elsewhere`) and model files
(:mod:`.model_files`) have their own modules."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import array_api_compat
import numpy as np
from array_api_compat import is_dask_array

from .._backend import Array, backend_name, device_scope, dtype_name, resolve_placement
from .._checks import check_fraction
from .._engine.plan import Plan
from .._engine.run import run
from .._engine.step import forward_activations
from .._engine.trainer import TrainingDivergedError
from .._outputs import layer_activations
from .._parameters import num_layers
from .._random import random_state
from .._summary import summary_text
from .._validation import check_consistent_length, check_features, not_fitted_error
from ..initialization import check_layer_dims, initialize_parameters_deep
from ..optimizers import OptimizerState
from .advice import explain_divergence, looks_unscaled, warn_not_converged
from .attributes import ScikitLearnAttributes, check_feature_names
from .callbacks import CallbackSupport, EpochReports, FitTasks, callbacks_torn_down, wants_callbacks
from .elsewhere import check_dispatch_namespace, predict_elsewhere
from .engine_settings import engine_settings, sample_order
from .inputs import FitData, as_columns, checked_validation, columns_placement, placed_weights, training_placement
from .model_files import load_model, save_model
from .params import EstimatorParams
from .targets import Targets

Self = TypeVar("Self", bound="NetworkEstimator")


class NetworkEstimator(ScikitLearnAttributes, EstimatorParams, CallbackSupport):
    """The settings and training shared by the classifier and the regressor (see
    :class:`DeepNeuralNetwork` for each setting). What their targets are is an object of
    ``_targets`` (:mod:`.targets`)."""

    #: What fit sets; a model without them is not fitted.
    _fitted_attributes: tuple[str, ...] = ("parameters_", "costs_", "layer_dims_", "n_features_in_",
                                           "optimizer_state_", "n_iter_", "validation_scores_",
                                           "best_validation_score_")

    #: What the targets are (:class:`~.targets.Labels` or :class:`~.targets.Outputs`).
    _targets: type[Targets]

    def __init__(
        self,
        hidden_layers: Sequence[int] = (100,),
        learning_rate: float = 0.001,
        num_iterations: int = 200,
        optimizer: str = "adam",
        batch_size: int | None = 200,
        alpha: float = 0.0001,
        keep_prob: float = 1.0,
        beta: float = 0.9,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        decay_rate: float = 0.0,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int | None = 10,
        tol: float = 0.0001,
        init: str = "auto",
        seed: int = 1,
        warm_start: bool = False,
        device: Any = None,
        dtype: Any = None,
        print_cost: bool = False,
        hidden_activation: str = "relu",
        shuffle: bool = True,
        nesterov: bool = True,
        learning_rate_schedule: str = "constant",
        power_t: float = 0.5,
        max_fun: int = 15000,
    ) -> None:
        self.hidden_layers = hidden_layers
        self.learning_rate = learning_rate
        self.num_iterations = num_iterations
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.alpha = alpha
        self.keep_prob = keep_prob
        self.beta = beta
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.decay_rate = decay_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.init = init
        self.seed = seed
        self.warm_start = warm_start
        self.device = device
        self.dtype = dtype
        self.print_cost = print_cost
        self.hidden_activation = hidden_activation
        self.shuffle = shuffle
        self.nesterov = nesterov
        self.learning_rate_schedule = learning_rate_schedule
        self.power_t = power_t
        self.max_fun = max_fun

    # -- training ---------------------------------------------------------------------------------

    def fit(self: Self, X: Any, y: Any, sample_weight: Any = None, *, X_val: Any = None, y_val: Any = None,
            sample_weight_val: Any = None) -> Self:
        """Train on ``X`` (m, n_features) and targets ``y`` from new parameters (with
        ``warm_start``, from the fitted ones, with a new optimiser state, as ``MLPClassifier``).
        Returns ``self``. Warns (``ConvergenceWarning``) when ``num_iterations`` epochs ran out before
        the stopping rule ended training.

        ``sample_weight`` (m,): non-negative weights of the samples (None: all 1). Each step then
        descends the weighted mean cost of its batch (L2 over the batch's total weight, as
        scikit-learn's), and early stopping's validation score is weighted too. With full batches,
        integer weights train exactly as repeated samples would.

        ``X_val``, ``y_val`` (and ``sample_weight_val``): the held-out samples early stopping scores,
        as ``HistGradientBoostingClassifier`` takes them, instead of a ``validation_fraction`` of
        ``X`` (``early_stopping`` True or ``"auto"``).

        A fit that fails leaves the model unfitted, except when training diverges: the
        model then keeps the last finite parameters and the costs recorded until then.
        """
        with callbacks_torn_down(self):
            return self._fit(X, y, sample_weight, X_val, y_val, sample_weight_val)

    def _fit(self: Self, X: Any, y: Any, sample_weight: Any, X_val: Any, y_val: Any, sample_weight_val: Any) -> Self:
        warm = bool(self.warm_start) and hasattr(self, "parameters_")
        if not warm:
            for name in self._fitted_attributes:
                self.__dict__.pop(name, None)
        hidden = self._hidden_sizes()
        X, encoded, spec = self._checked(X, y, None, reset=not warm)
        given = checked_validation(self, X, X_val, y_val, sample_weight_val, spec)
        xp, device, dtype = self._fitted_placement() if warm else training_placement(X, self.device, self.dtype)
        rng = random_state(self.seed)  # the initial weights' draws, then the epochs' shuffles (scikit-learn's)
        with device_scope(device):  # CuPy: on the training device, whichever is current (fit's one scope)
            data = self._placed(X, y, encoded, spec, sample_weight, xp, device, dtype)
            if warm:
                layer_dims, parameters = self._warm(data, hidden), self.parameters_
                fitted = self.optimizer_state_  # a new optimiser; the epochs and samples counted on
                state, costs = OptimizerState(epochs=fitted.epochs, samples=fitted.samples), list(self.costs_)
            else:
                layer_dims, parameters = self._new_network(data, hidden, rng)
                state, costs = OptimizerState(), []
            if given is not None:
                X_val, y_val, encoded_val, spec_val, weights_val = given
                validation: tuple[Any, ...] | None = self._placed(X_val, y_val, encoded_val, spec_val, weights_val,
                                                                  xp, device, dtype, training=False).validation
            elif self._stochastic and self._early_stopping(data.columns.shape[1]):
                fraction = check_fraction(self.validation_fraction, "validation_fraction", low_open=True)
                data, validation = data.held_out(fraction, rng, self.seed)
            else:
                validation = None
            first_epoch = state.epochs
            tasks = self._tasks(X, y, sample_weight, "fit", self.num_iterations)
            stopped = self._train(data, parameters, state, self.num_iterations, layer_dims, validation, costs, rng,
                                  tasks)
            self.n_iter_ = state.epochs - first_epoch  # this fit's epochs (a warm start's too, as scikit-learn)
            unconverged = not stopped and self.n_iter_no_change is not None and self._stochastic
            unscaled = unconverged and looks_unscaled(data.columns)
        if unconverged:
            warn_not_converged(self, unscaled)
        return self

    def _partial_fit(self: Self, X: Any, y: Any, spec: Any, sample_weight: Any = None) -> Self:
        """One epoch from the current parameters and optimiser state (new ones the first time, for
        the targets ``spec`` describes), the samples weighted by ``sample_weight`` (as in :meth:`fit`)."""
        with callbacks_torn_down(self):
            return self._partial_fit_epoch(X, y, spec, sample_weight)

    def _partial_fit_epoch(self: Self, X: Any, y: Any, spec: Any, sample_weight: Any) -> Self:
        fitted = hasattr(self, "parameters_")
        hidden = self._hidden_sizes()
        X, encoded, spec = self._checked(X, y, spec, reset=not fitted)
        xp, device, dtype = self._fitted_placement() if fitted else training_placement(X, self.device, self.dtype)
        rng = random_state(self.seed)  # each call anew, as scikit-learn's partial_fit
        with device_scope(device):
            data = self._placed(X, y, encoded, spec, sample_weight, xp, device, dtype)
            if not fitted:
                layer_dims, parameters = self._new_network(data, hidden, rng)
                self._train(data, parameters, OptimizerState(), 1, layer_dims, None, [], rng,
                            self._tasks(X, y, sample_weight, "partial_fit", 1))
                return self
            self._check_n_features(data.columns)
            spec.check_same(self._fitted_targets(),
                            "partial_fit: y must have the same {what} as before: {fitted}, got {given}")
            self._train(data, self.parameters_, self.optimizer_state_, 1, self.layer_dims_, None, list(self.costs_),
                        rng, self._tasks(X, y, sample_weight, "partial_fit", 1))
        return self

    def _tasks(self, X: Any, y: Any, sample_weight: Any, task: str, epochs: int) -> FitTasks | None:
        """This fit's tasks for scikit-learn's callbacks (None without callbacks: nothing is called)."""
        if not wants_callbacks(self):
            return None
        return FitTasks(self, X, y, sample_weight, task, "epoch" if self._stochastic else "iteration", epochs)

    def _checked(self, X: Any, y: Any, spec: Any, reset: bool) -> tuple[Array, Any, Targets]:
        """Where the data enters, each input checked once: ``(X, the targets encoded on the host,
        their spec)`` (:func:`check_features`; :meth:`~.targets.Labels.encode`); ``X``'s feature
        names remembered (``reset``) or checked against the fitted ones."""
        check_feature_names(self, X, reset)
        X = check_features(X, type(self).__name__, sparse=True)
        if is_dask_array(X) and is_dask_array(y):
            check_consistent_length(X.shape[0], y.shape[0])
        encoded, spec = self._targets.encode(X, y, spec, self)
        return X, encoded, spec

    def _placed(self, X: Array, y: Any, encoded: Any, spec: Targets, sample_weight: Any, xp: ModuleType, device: Any,
                dtype: Any, training: bool = True) -> FitData:
        """The checked data placed once for training (in ``device``'s scope): X as columns (n, m), the
        targets beside them, the sample weights on the host (a Dask stream's chunked as X's); the
        ``training`` samples' weighted by class where the classifier says so."""
        columns = as_columns(X, xp, device, dtype)
        targets = spec.place(encoded, y, xp, device, dtype)
        weights = None if sample_weight is None else placed_weights(sample_weight, columns)
        if training:
            weights = self._weighted_by_class(weights, encoded, spec, targets, columns)
        if is_dask_array(columns):  # streamed with X's blocks
            targets = targets.rechunk({targets.ndim - 1: columns.chunks[1]})
        return FitData(columns, targets, spec, encoded, weights)

    def _weighted_by_class(self, weights: Any, encoded: Any, spec: Targets, targets: Array, columns: Array) -> Any:
        """The training samples' ``weights`` (None: all 1), times their class's weight where the
        estimator weighs classes (the classifier's ``class_weight``)."""
        return weights

    def _fitted_placement(self) -> tuple[ModuleType, Any, Any]:
        """``(xp, device, dtype)`` of the fitted parameters: where a warm start or partial fit trains."""
        W1 = self.parameters_["W1"]
        return array_api_compat.array_namespace(W1), array_api_compat.device(W1), W1.dtype

    def _warm(self, data: FitData, hidden: list[int]) -> list[int]:
        """For ``warm_start``: the fitted ``layer_dims``, once ``data`` is checked to fit them."""
        self._check_n_features(data.columns)
        data.spec.check_same(self._fitted_targets(), "warm_start can only be used where `y` has the same {what} as "
                                                     "in the previous call to fit. Previously got {fitted}, `y` has "
                                                     "{given}")
        if [data.columns.shape[0], *hidden, self.layer_dims_[-1]] != self.layer_dims_:
            raise ValueError(f"warm_start: hidden_layers={self.hidden_layers!r} does not match the fitted layers "
                             f"{self.layer_dims_}; set warm_start=False to start a new network")
        return list(self.layer_dims_)

    def _new_network(self, data: FitData, hidden: list[int],
                     rng: np.random.RandomState) -> tuple[list[int], dict[str, Array]]:
        """``(layer_dims, parameters)`` of a new network for ``data`` on its placement, drawn from ``rng``."""
        columns = data.columns
        layer_dims = [columns.shape[0], *hidden, data.spec.units]
        xp, device = columns_placement(columns)
        parameters = initialize_parameters_deep(layer_dims, seed=rng, init=self._init_scheme(), backend=xp,
                                                device=device, dtype=columns.dtype)
        return layer_dims, parameters

    #: What ``init="auto"`` means for this estimator (measured: ``benchmarks/defaults.py``, ``classifiers.py``).
    _auto_init = "glorot"

    def _init_scheme(self) -> str:
        """The initialisation scheme ``init`` names (``"auto"``: this estimator's default; Glorot's
        with scikit-learn's narrower bound for sigmoid hidden layers)."""
        if self.init != "auto":
            return self.init
        return "glorot_sigmoid" if self._auto_init == "glorot" and self.hidden_activation == "sigmoid" \
            else self._auto_init

    def _check_n_features(self, columns: Array) -> None:
        if columns.shape[0] != self.n_features_in_:
            raise ValueError(f"X has {columns.shape[0]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")

    @property
    def _stochastic(self) -> bool:
        """Whether the optimiser steps on batches and stops early (all but L-BFGS: full batch, stopped
        by its own rules, warning by itself, without ``partial_fit``)."""
        return self.optimizer != "lbfgs"

    def _early_stopping(self, m: int) -> bool:
        """Whether to hold out a validation set: ``early_stopping``, or ``"auto"``: above 10,000 examples."""
        if self.early_stopping == "auto":
            return m > AUTO_EARLY_STOPPING
        if not isinstance(self.early_stopping, bool):
            raise ValueError(f"early_stopping: expected True, False or 'auto', got {self.early_stopping!r}")
        return self.early_stopping

    def _hidden_sizes(self) -> list[int]:
        if isinstance(self.hidden_layers, (str, bytes)) or not isinstance(self.hidden_layers, Iterable):
            raise TypeError(f"hidden_layers: expected a sequence of positive integers such as (100,), "
                            f"got {self.hidden_layers!r}")
        return check_layer_dims(tuple(self.hidden_layers) if not isinstance(self.hidden_layers, Sequence)
                                else self.hidden_layers, "hidden_layers", minimum=0)

    def _train(self, data: FitData, parameters: dict[str, Array], state: OptimizerState, epochs: int,
               layer_dims: list[int], validation: tuple[Any, ...] | None, costs: list[float],
               rng: np.random.RandomState, tasks: FitTasks | None = None) -> bool:
        """Train ``epochs`` epochs on ``data`` with this model's settings, through the engine's one
        entry (its mini-batches in the order ``rng`` draws, as scikit-learn's MLPs shuffle; a Dask
        stream's by ``seed``), and set the fitted attributes (appending to ``costs``); each epoch
        reported to ``tasks`` (scikit-learn's callbacks) and by ``print_cost``. Returns whether the
        stopping rule (or a callback) ended training."""
        described = {"layer_dims_": list(layer_dims), "n_features_in_": layer_dims[0], **data.spec.attributes()}
        reports = EpochReports(costs, state, epochs, print_cost=bool(self.print_cost), tasks=tasks,
                               validated=validation is not None, described=described)
        patience = self.n_iter_no_change if self._stochastic else None
        plan = Plan(epochs, 1, state, sample_order(self, data, rng), patience, self.tol,
                    callbacks=reports.callbacks(), checked=True, max_fun=self.max_fun)
        xp, _ = columns_placement(data.columns)
        try:
            trained, _ = run(xp, data.columns, data.targets, parameters, len(layer_dims) - 1,
                             engine_settings(self, data), plan, validation, data.weights)
        except TrainingDivergedError as error:
            self._set_fitted(error.parameters, costs, layer_dims, data.spec, state)
            explain_divergence(error, data.columns)
            raise
        finally:
            reports.close()
        self._set_fitted(trained, costs, layer_dims, data.spec, state)
        for name, value in reports.validation_attributes().items():
            setattr(self, name, value)
        if tasks is not None:
            tasks.close()
        return bool(reports.stopped)

    def _set_fitted(self, parameters: dict[str, Array], costs: list[float], layer_dims: list[int],
                    spec: Any, state: OptimizerState | None = None) -> None:
        self.parameters_, self.costs_, self.layer_dims_ = parameters, list(costs), list(layer_dims)
        self.n_features_in_ = layer_dims[0]
        self.__dict__.update(spec.attributes())
        self.optimizer_state_ = OptimizerState() if state is None else state
        self.n_iter_ = self.optimizer_state_.epochs

    # -- prediction ---------------------------------------------------------------------------------

    def _fitted_targets(self) -> Targets:
        """The fitted model's targets."""
        return self._targets.of(self)

    def _check_fitted(self) -> None:
        if not hasattr(self, "parameters_"):
            raise not_fitted_error(type(self).__name__)

    def _fitted_device_scope(self) -> Any:
        """The :func:`device_scope` of the fitted parameters' device (CuPy: made current)."""
        self._check_fitted()
        return device_scope(array_api_compat.device(self.parameters_["W1"]))

    def _output(self, X: Any) -> tuple[Array, ModuleType, Any]:
        """The network's output AL (units, m) on the training placement (in its device scope:
        call inside :meth:`_fitted_device_scope`), and the placement to return results to."""
        self._check_fitted()
        W1 = self.parameters_["W1"]
        xp = array_api_compat.array_namespace(W1)
        device = array_api_compat.device(W1)
        if array_api_compat.is_array_api_obj(X):
            home_xp, home_device = array_api_compat.array_namespace(X), array_api_compat.device(X)
        else:
            home_xp, home_device = resolve_placement(None)
        check_feature_names(self, X, reset=False)
        checked = check_features(X, type(self).__name__, sparse=True)
        columns = as_columns(checked, xp, device, W1.dtype, check_cast=False)
        self._check_n_features(columns)
        AL = forward_activations(xp, columns, self.parameters_, num_layers(self.parameters_),
                                 hidden_activation=self.hidden_activation, loss=self._fitted_targets().loss)[-1]
        return AL, home_xp, home_device

    def _elsewhere(self, X: Any, method: str) -> Any:
        """``method`` (``"predict"``, ``"predict_proba"``) where it does not run in this model's
        device scope (:func:`.elsewhere.predict_elsewhere`), else None; ``X`` checked first under
        scikit-learn's array API dispatch (:func:`.elsewhere.check_dispatch_namespace`)."""
        self._check_fitted()
        check_dispatch_namespace(self, X, method)
        return predict_elsewhere(self, X, method)

    def summary(self, print_fn: Callable[[str], Any] = print) -> None:
        """Print the fitted network as Keras' ``Model.summary()`` does (through ``print_fn``): each
        layer's parameters (``W1``, ``b1``, ...) and their shapes, its output shape, activation and
        parameter count; then the total, the loss, the dtype and the device."""
        self._check_fitted()
        W1, targets = self.parameters_["W1"], self._fitted_targets()
        xp = array_api_compat.array_namespace(W1)
        L, units = len(self.layer_dims_) - 1, self.layer_dims_[-1]
        classes = getattr(self, "classes_", None)
        notes = [f"Classes: {', '.join(map(str, classes))}"] \
            if classes is not None and not getattr(self, "multilabel_", False) else []
        print_fn(summary_text(type(self).__name__, self.layer_dims_,
                              layer_activations(L, units, self.hidden_activation, targets.loss),
                              loss=targets.loss, dtype=dtype_name(xp, W1.dtype),
                              device=f"{array_api_compat.device(W1)} ({backend_name(xp)})", notes=notes))

    # -- saving ------------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Save the fitted network (parameters, optimiser state, constructor settings) atomically
        to ``path``: a loaded model predicts the same and goes on training where this one stopped."""
        self._check_fitted()
        return save_model(self, path)

    @classmethod
    def load(
        cls: type[Self], path: str | os.PathLike[str], *, device: Any = None, dtype: Any = None
    ) -> Self:
        """A fitted network from :meth:`save`, placed on ``device`` (default: NumPy, CPU).

        Files written before multi-class support (no ``classes``) load as classes ``[0, 1]``."""
        return load_model(cls, path, device, dtype)


#: ``early_stopping="auto"`` holds out a validation set above this many examples.
AUTO_EARLY_STOPPING = 10_000
