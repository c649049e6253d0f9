"""What the network estimators share: the constructor's settings, training (fit, partial fit,
warm start, early stopping, streaming from Dask) through the engine's one entry, placement and the
network's output. The targets are objects (:mod:`.targets`); scikit-learn's parameter protocol
(:mod:`.params`), predictions outside the device scope (:mod:`.elsewhere`) and model files
(:mod:`.model_files`) have their own modules."""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import array_api_compat
import numpy as np
from array_api_compat import is_dask_array

from .._backend import Array, device_scope, dtype_name, resolve_dtype, resolve_placement
from .._engine.run import Callbacks, Plan, run
from .._engine.settings import Settings
from .._engine.step import forward_activations
from .._engine.trainer import TrainingDivergedError
from .._parameters import num_layers
from .._random import random_state
from .._validation import _sklearn_class, check_features, host_sample_weight, not_fitted_error
from ..initialization import check_layer_dims, initialize_parameters_deep
from ..io import move_to
from ..minibatch import split_examples
from ..optimizers import OptimizerState, check_count, check_fraction
from ..propagation import check_hidden_activation
from .elsewhere import predict_elsewhere
from .model_files import load_model, save_model
from .params import EstimatorParams
from .targets import Targets

Self = TypeVar("Self", bound="NetworkEstimator")


class NetworkEstimator(EstimatorParams):
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

    # -- training and prediction ----------------------------------------------------------------

    def _columns(self, X: Any, xp: ModuleType, device: Any, dtype: Any) -> Array:
        """``X`` (m, n), checked by :func:`check_features`, on the training placement as columns (n, m)."""
        X = move_to(X, xp, device)
        return xp.astype(X, dtype).T if X.dtype != dtype else X.T

    def fit(self: Self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        """Train on ``X`` (m, n_features) and targets ``y`` from new parameters (with
        ``warm_start``, from the fitted ones, with a new optimiser state, as ``MLPClassifier``).
        Returns ``self``. Warns (``ConvergenceWarning``) when ``num_iterations`` epochs ran out before
        the stopping rule ended training.

        ``sample_weight`` (m,): non-negative weights of the samples (None: all 1). Each step then
        descends the weighted mean cost of its batch (L2 over the batch's total weight, as
        scikit-learn's), and early stopping's validation score is weighted too. With full batches,
        integer weights train exactly as repeated samples would.

        A fit that fails leaves the model unfitted, except when training diverges: the
        model then keeps the last finite parameters and the costs recorded until then.
        """
        warm = bool(self.warm_start) and hasattr(self, "parameters_")
        if not warm:
            for name in self._fitted_attributes:
                self.__dict__.pop(name, None)
        columns, targets, weights, spec = self._prepare(X, y, None, sample_weight)
        rng = random_state(self.seed)  # the initial weights' draws, then the epochs' shuffles (scikit-learn's)
        if warm:
            columns, targets, weights, parameters, layer_dims = self._warm(columns, targets, weights, spec)
            state, costs = OptimizerState(epochs=self.optimizer_state_.epochs), list(self.costs_)
        else:
            layer_dims, parameters = self._new_network(columns, spec, rng)
            state, costs = OptimizerState(), []
        with device_scope(array_api_compat.device(columns)):  # CuPy: on the training device, whichever is current
            validation = None
            if self._early_stopping(columns.shape[1]):
                fraction = check_fraction(self.validation_fraction, "validation_fraction", low_open=True)
                named = {"X": columns, "y": targets} if weights is None else \
                    _weighted_samples({"X": columns, "y": targets, "sample_weight": weights})
                stratify = spec.stratify(named["y"])
                # Not stratified (in memory): scikit-learn's train_test_split, drawn from the same generator.
                unstratified = stratify is None and not is_dask_array(columns)
                kept, held = split_examples(named, fraction, rng if unstratified else self.seed, stratify=stratify)
                columns, targets, weights = (*kept, None)[:3]
                validation = tuple(held)
            first_epoch = state.epochs
            stopped = self._train(columns, targets, parameters, state, self.num_iterations, layer_dims, spec,
                                  validation, costs, weights, rng)
            self.n_iter_ = state.epochs - first_epoch  # this fit's epochs (a warm start's too, as scikit-learn)
            unconverged = not stopped and self.n_iter_no_change is not None
            unscaled = unconverged and _looks_unscaled(columns)
        if unconverged:
            warning = _sklearn_class("exceptions", "ConvergenceWarning", ConvergenceWarning)
            advice = "Train longer, or scale the data (StandardScaler)." if unscaled else \
                "Train longer (a larger num_iterations)."
            warnings.warn(f"{type(self).__name__}: num_iterations={self.num_iterations} epochs ran out before the "
                          f"stopping rule (n_iter_no_change={self.n_iter_no_change}, tol={self.tol}) ended training: "
                          f"it has not converged yet. {advice}", warning, stacklevel=2)
        return self

    def _warm(self, columns: Array, targets: Array, weights: Array | None,
              spec: Any) -> tuple[Array, Array, Array | None, dict[str, Array], list[int]]:
        """For ``warm_start``: ``(columns, targets, weights, parameters, layer_dims)``, the data on the
        fitted parameters' placement, once it is checked to fit them."""
        self._check_n_features(columns)
        spec.check_same(self._fitted_targets(), "warm_start can only be used where `y` has the same {what} as in "
                                                "the previous call to fit. Previously got {fitted}, `y` has {given}")
        expected = [columns.shape[0], *self._hidden_sizes(), self.layer_dims_[-1]]
        if expected != self.layer_dims_:
            raise ValueError(f"warm_start: hidden_layers={self.hidden_layers!r} does not match the fitted layers "
                             f"{self.layer_dims_}; set warm_start=False to start a new network")
        return (*self._on_the_fitted_placement(columns, targets, weights), self.parameters_, list(self.layer_dims_))

    def _on_the_fitted_placement(self, *arrays: Array | None) -> tuple[Any, ...]:
        """``arrays`` (None stays None) moved to the fitted parameters' namespace, device and dtype."""
        W1 = self.parameters_["W1"]
        xp, device = array_api_compat.array_namespace(W1), array_api_compat.device(W1)
        with device_scope(device):
            return tuple(None if a is None else move_to(a, xp, device, W1.dtype) for a in arrays)

    def _partial_fit(self: Self, X: Any, y: Any, spec: Any, sample_weight: Any = None) -> Self:
        """One epoch from the current parameters and optimiser state (new ones the first time, for
        the targets ``spec`` describes), the samples weighted by ``sample_weight`` (as in :meth:`fit`)."""
        fitted = hasattr(self, "parameters_")
        columns, targets, weights, spec = self._prepare(X, y, spec, sample_weight)
        rng = random_state(self.seed)  # each call anew, as scikit-learn's partial_fit
        if not fitted:
            with device_scope(array_api_compat.device(columns)):
                layer_dims, parameters = self._new_network(columns, spec, rng)
                self._train(columns, targets, parameters, OptimizerState(), 1, layer_dims, spec, None, [], weights,
                            rng)
            return self
        self._check_n_features(columns)
        spec.check_same(self._fitted_targets(),
                        "partial_fit: y must have the same {what} as before: {fitted}, got {given}")
        columns, targets, weights = self._on_the_fitted_placement(columns, targets, weights)
        with self._fitted_device_scope():
            self._train(columns, targets, self.parameters_, self.optimizer_state_, 1, self.layer_dims_, spec, None,
                        list(self.costs_), weights, rng)
        return self

    def _new_network(self, columns: Array, spec: Any,
                     rng: np.random.RandomState) -> tuple[list[int], dict[str, Array]]:
        """``(layer_dims, parameters)`` of a new network for ``columns`` (n, m) and the targets
        ``spec`` describes, on their placement, drawn from ``rng``."""
        layer_dims = [columns.shape[0], *self._hidden_sizes(), spec.units]
        parameters = initialize_parameters_deep(
            layer_dims, seed=rng, init=self._init_scheme(), backend=array_api_compat.array_namespace(columns),
            device=array_api_compat.device(columns), dtype=columns.dtype)
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

    def _prepare(self, X: Any, y: Any, spec: Any, sample_weight: Any = None) -> tuple[Array, Array, Array | None, Any]:
        """Checked ``X`` as columns (n, m) on the training placement, the targets there (class
        indices (m,) or values (k, m)), the sample weights there (m,) (None where not given), and
        the targets' ``spec`` (the classes, or the outputs)."""
        self._hidden_sizes()
        check_hidden_activation(self.hidden_activation)
        X = check_features(X, type(self).__name__)
        if is_dask_array(X) and is_dask_array(y) and y.shape[0] != X.shape[0]:
            raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                             f"[{X.shape[0]}, {y.shape[0]}]")
        encoded, spec = self._targets.encode(X, y, spec, type(self).__name__)
        xp, device = resolve_placement(self.device, X)
        dtype = self.dtype
        if dtype is None and array_api_compat.is_array_api_obj(X):
            try:  # keep X's float32/float64 when training on another library
                dtype = dtype_name(array_api_compat.array_namespace(X), X.dtype)
            except TypeError:
                dtype = None
        dtype = resolve_dtype(xp, dtype, device)
        with device_scope(device):
            columns = self._columns(X, xp, device, dtype)
            targets = spec.place(encoded, y, xp, device, dtype)
            weights = None if sample_weight is None else self._weights(sample_weight, columns)
            if is_dask_array(columns):  # streamed with X's blocks
                targets = targets.rechunk({targets.ndim - 1: columns.chunks[1]})
            return columns, targets, weights, spec

    @staticmethod
    def _weights(sample_weight: Any, columns: Array) -> Array:
        """``sample_weight`` checked (m non-negative, finite numbers) and placed as ``columns`` (n, m)
        are: on their device in their dtype, or for Dask columns, chunked as their examples."""
        m = columns.shape[1]
        if is_dask_array(columns):
            dask_array = importlib.import_module("dask.array")
            weights = sample_weight if is_dask_array(sample_weight) else dask_array.asarray(sample_weight)
            if weights.shape != (m,):
                raise ValueError(f"sample_weight: expected shape ({m},) (one weight per sample), got {weights.shape}")
            return weights.astype(columns.dtype).rechunk(columns.chunks[1])  # values checked block by block
        xp = array_api_compat.array_namespace(columns)
        return move_to(host_sample_weight(sample_weight, m), xp, array_api_compat.device(columns), columns.dtype)

    def _train(self, columns: Array, labels: Array, parameters: dict[str, Array], state: OptimizerState,
               epochs: int, layer_dims: list[int], spec: Targets, validation: tuple[Array, ...] | None,
               costs: list[float], weights: Array | None = None, rng: np.random.RandomState | None = None) -> bool:
        """Train ``epochs`` epochs with this model's settings (the samples weighted by ``weights``,
        their mini-batches in the order ``rng`` draws, as scikit-learn's MLPs shuffle; a Dask
        stream's by ``seed``) and set the fitted attributes (appending to ``costs``). Returns whether
        the stopping rule ended training."""
        scores: list[float] = []
        stopped: list[int] = []
        batch = None if self.batch_size is None else min(
            check_count(self.batch_size, "batch_size", minimum=1), columns.shape[1])

        def record(epoch: int, cost: float) -> None:
            costs.append(cost)
            if self.print_cost:
                print(f"Cost after epoch {state.epochs - 1}: {cost}")

        settings = Settings(
            learning_rate=self.learning_rate, hidden_activation=self.hidden_activation, optimizer=self.optimizer,
            mini_batch_size=batch, beta=self.beta, beta1=self.beta1, beta2=self.beta2, epsilon=self.epsilon,
            lambd=self.alpha, keep_prob=self.keep_prob, decay_rate=self.decay_rate, seed=self.seed, loss=spec.loss,
            epsilon_hat=True, weighted=weights is not None)
        plan = Plan(epochs, 1, state, None if is_dask_array(columns) else rng, self.n_iter_no_change, self.tol,
                    callbacks=Callbacks(on_cost=record, on_score=lambda i, score: scores.append(score),
                                        on_stop=stopped.append))
        xp = array_api_compat.array_namespace(columns)
        try:
            trained, _ = run(xp, columns, labels, parameters, len(layer_dims) - 1, settings, plan, validation, weights)
        except TrainingDivergedError as error:
            self._set_fitted(error.parameters, costs, layer_dims, spec, state)
            # the largest input, where the data lives (not a copy)
            scale = 0.0 if is_dask_array(columns) or not columns.shape[1] else float(xp.max(xp.abs(columns)))
            if scale > UNSCALED:
                error.args = (f"{error.args[0]}. The inputs reach {scale:.3g} in magnitude: scale your data first "
                              "(for example with StandardScaler), which is the likelier cause",)
            raise
        self._set_fitted(trained, costs, layer_dims, spec, state)
        self.validation_scores_ = scores if validation is not None else None
        self.best_validation_score_ = max(scores) if validation is not None else None
        return bool(stopped)

    def _set_fitted(self, parameters: dict[str, Array], costs: list[float], layer_dims: list[int],
                    spec: Any, state: OptimizerState | None = None) -> None:
        self.parameters_, self.costs_, self.layer_dims_ = parameters, list(costs), list(layer_dims)
        self.n_features_in_ = layer_dims[0]
        self.__dict__.update(spec.attributes())
        self.optimizer_state_ = OptimizerState() if state is None else state
        self.n_iter_ = self.optimizer_state_.epochs

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
        columns = self._columns(check_features(X, type(self).__name__), xp, device, W1.dtype)
        self._check_n_features(columns)
        AL = forward_activations(xp, columns, self.parameters_, num_layers(self.parameters_),
                                 hidden_activation=self.hidden_activation, loss=self._fitted_targets().loss)[-1]
        return AL, home_xp, home_device

    def _elsewhere(self, X: Any, method: str) -> Any:
        """``method`` (``"predict"``, ``"predict_proba"``) where it does not run in this model's
        device scope (:func:`.elsewhere.predict_elsewhere`), else None."""
        self._check_fitted()
        return predict_elsewhere(self, X, method)

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

#: Inputs larger than this in magnitude are likely unscaled: a divergence says so.
UNSCALED = 1e4


#: Features whose mean or standard deviation is beyond this look unscaled: a convergence warning says so.
FAR_FROM_STANDARD = 3.0


def _looks_unscaled(columns: Array) -> bool:
    """Whether some feature of ``columns`` (n, m) is far from mean 0 and standard deviation 1
    (measured where the data lives; a Dask array is not computed for this: False)."""
    if is_dask_array(columns) or columns.shape[1] < 2:
        return False
    xp = array_api_compat.array_namespace(columns)
    mean, deviation = xp.mean(columns, axis=1), xp.std(columns, axis=1)
    return float(xp.max(xp.abs(mean))) > FAR_FROM_STANDARD or float(xp.max(deviation)) > FAR_FROM_STANDARD


class ConvergenceWarning(UserWarning):
    """Training stopped at its epoch limit before it converged (scikit-learn's ``ConvergenceWarning``
    is used instead where scikit-learn is installed)."""


def _weighted_samples(named: dict[str, Array]) -> dict[str, Array]:
    """The samples of positive ``sample_weight`` among the ``named`` arrays (each with the samples
    along its last axis): those of weight 0 would change nothing in training, and a held-out
    validation set needs a positive total weight. Dask arrays are left whole."""
    weights = named["sample_weight"]
    if is_dask_array(weights):
        return named
    xp = array_api_compat.array_namespace(weights)
    (indices,) = xp.nonzero(weights > 0)
    return {name: xp.take(array, indices, axis=array.ndim - 1) for name, array in named.items()}
