"""``DeepNeuralNetwork``: the notebook's "easy-to-use neural network class".

It follows scikit-learn's estimator conventions (samples in rows, ``get_params`` /
``set_params``, fitted attributes ending in ``_``), so it works in ``Pipeline``,
``clone`` and ``cross_val_score`` when scikit-learn is installed, without needing it.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from ._backend import Array, default_float_dtype, device_scope, dtype_name, resolve_dtype, resolve_placement
from ._validation import _sklearn_class, check_features, encode_labels, not_fitted_error
from .initialization import check_layer_dims, initialize_parameters_deep
from .io import load_metadata, load_parameters, load_state, move_to, save_parameters, to_numpy
from .minibatch import hold_out
from .models import predict_proba
from .optimizers import OptimizerState, check_count, check_fraction
from .propagation import check_hidden_activation
from .streaming import is_dask_array
from .training import TrainingDivergedError, train


class DeepNeuralNetwork:
    """A classifier: [LINEAR->ACTIVATION] x len(hidden_layers) -> LINEAR -> SIGMOID or SOFTMAX.

    Trained like scikit-learn's ``MLPClassifier`` by default: Adam (``learning_rate`` 1e-3,
    ``beta1``, ``beta2``, ``epsilon``) on shuffled mini-batches of ``batch_size`` examples (200,
    or all when fewer; ``None``: full batches), L2 strength ``alpha`` (the course's ``lambd``),
    He initialisation, at most ``num_iterations`` epochs, stopping when the training cost has
    not fallen by ``tol`` for more than ``n_iter_no_change`` epochs (``None`` or ``math.inf``:
    never; ``fit`` warns with ``ConvergenceWarning`` when the epochs run out first) or, with
    ``early_stopping``, when the accuracy on a held-out ``validation_fraction`` (stratified) has not risen
    by ``tol``, keeping the best epoch's parameters (``"auto"``, the default: early stopping
    with more than 10,000 examples, as scikit-learn's ``HistGradientBoostingClassifier``).
    ``warm_start``: ``fit`` goes on from the fitted parameters (a new optimiser state, the epoch
    count going on), as ``MLPClassifier``'s.
    ``optimizer``: ``"adam"``, ``"momentum"`` (``beta``) or ``"gd"``; ``keep_prob``: dropout
    of the hidden layers; ``decay_rate``: the course's learning-rate decay per epoch. The course's notebook settings are
    ``optimizer="gd", batch_size=None, alpha=0, learning_rate=0.0075, num_iterations=3000,
    init="lecun", n_iter_no_change=None, early_stopping=False``.

    ``fit(X, y)`` takes ``X`` (m, n_features) and labels ``y`` (m,) of any kind scikit-learn's
    classifiers take (integers, strings, booleans, whole-number floats), as NumPy, CuPy or any
    supported arrays (or array-likes). Two classes train one sigmoid unit, more a softmax layer.
    Training runs on ``device``: ``None`` (where ``X`` lives), ``"cpu"``, ``"cuda"``,
    ``"cuda:1"``, a backend name such as ``"array_api_strict"``, or a device object. ``dtype``:
    ``None`` (``X``'s floating dtype, else float64 where available), ``"float32"`` or
    ``"float64"``. ``hidden_activation``: ``"relu"``, ``"tanh"``, ``"sigmoid"`` or
    ``"leaky_relu"``. Predictions come back in the namespace and device of the ``X`` they are
    asked for (labels as a NumPy array where they are not numbers).

    Fitted attributes: ``parameters_`` (on the training device), ``costs_`` (each epoch's),
    ``n_iter_`` (epochs run), ``layer_dims_``, ``n_features_in_``, ``classes_`` (sorted NumPy
    array), ``optimizer_state_`` (to go on training: :meth:`partial_fit`), ``validation_scores_``
    and ``best_validation_score_`` (each epoch's held-out accuracy and the best; ``None`` without
    early stopping).
    """

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
        init: str = "he",
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

    # -- scikit-learn's estimator protocol -----------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> DeepNeuralNetwork:
        """Set constructor parameters by name; unknown names raise ``ValueError``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{name!r} is not a parameter of DeepNeuralNetwork; valid: {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        changed = {
            name: value for name, value in self.get_params().items() if not _equal(value, defaults[name].default)
        }
        return f"DeepNeuralNetwork({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(multi_class=True),
            input_tags=InputTags(),
        )

    # -- training and prediction ----------------------------------------------------------------

    def _columns(self, X: Any, xp: ModuleType, device: Any, dtype: Any) -> Array:
        """``X`` (m, n), checked by :func:`check_features`, on the training placement as columns (n, m)."""
        X = move_to(X, xp, device)
        return xp.astype(X, dtype).T if X.dtype != dtype else X.T

    def fit(self, X: Any, y: Any) -> DeepNeuralNetwork:
        """Train on ``X`` (m, n_features) and labels ``y`` (m,) from new parameters (with
        ``warm_start``, from the fitted ones, with a new optimiser state, as ``MLPClassifier``).
        Returns ``self``. Warns (``ConvergenceWarning``) when ``num_iterations`` epochs ran out before
        the stopping rule ended training.

        A fit that fails leaves the model unfitted, except when training diverges: the
        model then keeps the last finite parameters and the costs recorded until then.
        """
        warm = bool(self.warm_start) and hasattr(self, "parameters_")
        if not warm:
            for name in FITTED_ATTRIBUTES:
                self.__dict__.pop(name, None)
        columns, labels, classes = self._prepare(X, y, None)
        if warm:
            columns, labels, parameters, layer_dims = self._warm(columns, labels, classes)
            state, costs = OptimizerState(epochs=self.optimizer_state_.epochs), list(self.costs_)
        else:
            layer_dims, parameters = self._new_network(columns, classes)
            state, costs = OptimizerState(), []
        with device_scope(array_api_compat.device(columns)):  # CuPy: on the training device, whichever is current
            validation = None
            if self._early_stopping(columns.shape[1]):
                fraction = check_fraction(self.validation_fraction, "validation_fraction", low_open=True)
                columns, labels, validation = hold_out(columns, labels, fraction, self.seed,
                                                       stratify=to_numpy(labels))
            stopped = self._train(columns, labels, parameters, state, self.num_iterations, layer_dims, classes,
                                  validation, costs)
        if not stopped and self.n_iter_no_change is not None:
            warning = _sklearn_class("exceptions", "ConvergenceWarning", ConvergenceWarning)
            warnings.warn(f"{type(self).__name__}: num_iterations={self.num_iterations} epochs ran out before the "
                          f"stopping rule (n_iter_no_change={self.n_iter_no_change}, tol={self.tol}) ended training: "
                          "it has not converged yet. Train longer, or scale the data (StandardScaler).", warning,
                          stacklevel=2)
        return self

    def _warm(self, columns: Array, labels: Array, classes: Any) -> tuple[Array, Array, dict[str, Array], list[int]]:
        """For ``warm_start``: ``(columns, labels, parameters, layer_dims)``, the data on the fitted
        parameters' placement, once it is checked to fit them."""
        self._check_n_features(columns)
        if not np.array_equal(np.asarray(classes), self.classes_):
            raise ValueError(f"warm_start can only be used where `y` has the same classes as in the previous call "
                             f"to fit. Previously got {self.classes_.tolist()}, `y` has {np.asarray(classes).tolist()}")
        expected = [columns.shape[0], *self._hidden_sizes(), self.layer_dims_[-1]]
        if expected != self.layer_dims_:
            raise ValueError(f"warm_start: hidden_layers={self.hidden_layers!r} does not match the fitted layers "
                             f"{self.layer_dims_}; set warm_start=False to start a new network")
        W1 = self.parameters_["W1"]
        xp, device = array_api_compat.array_namespace(W1), array_api_compat.device(W1)
        with device_scope(device):
            columns, labels = move_to(columns, xp, device, W1.dtype), move_to(labels, xp, device, W1.dtype)
        return columns, labels, self.parameters_, list(self.layer_dims_)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> DeepNeuralNetwork:
        """One epoch on ``X`` (m, n_features), ``y`` (m,), going on from the current parameters and
        optimiser state (the first call starts new ones and needs every label in ``classes``).
        Returns ``self``."""
        fitted = hasattr(self, "parameters_")
        if not fitted and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if fitted and classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes={np.unique(np.asarray(classes)).tolist()} is not the same as on the first "
                             f"call to partial_fit ({self.classes_.tolist()})")
        columns, labels, classes = self._prepare(X, y, self.classes_ if fitted else classes)
        if not fitted:
            with device_scope(array_api_compat.device(columns)):
                layer_dims, parameters = self._new_network(columns, classes)
                self._train(columns, labels, parameters, OptimizerState(), 1, layer_dims, classes, None, [])
            return self
        self._check_n_features(columns)
        W1 = self.parameters_["W1"]
        xp, device = array_api_compat.array_namespace(W1), array_api_compat.device(W1)
        with device_scope(device):
            columns, labels = move_to(columns, xp, device, W1.dtype), move_to(labels, xp, device, W1.dtype)
            self._train(columns, labels, self.parameters_, self.optimizer_state_, 1, self.layer_dims_,
                        self.classes_, None, list(self.costs_))
        return self

    def _new_network(self, columns: Array, classes: Any) -> tuple[list[int], dict[str, Array]]:
        """``(layer_dims, parameters)`` of a new network for ``columns`` (n, m) and ``classes``, on
        their placement: one sigmoid unit for two classes, a softmax over more."""
        layer_dims = [columns.shape[0], *self._hidden_sizes(), 1 if len(classes) == 2 else len(classes)]
        parameters = initialize_parameters_deep(
            layer_dims, seed=self.seed, init=self.init, backend=array_api_compat.array_namespace(columns),
            device=array_api_compat.device(columns), dtype=columns.dtype)
        return layer_dims, parameters

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
        return check_layer_dims([1, *self.hidden_layers, 1], "hidden_layers")[1:-1]

    def _prepare(self, X: Any, y: Any, classes: Any) -> tuple[Array, Array, np.ndarray]:
        """Checked ``X`` as columns (n, m) on the training placement, the class indices (m,) there,
        and the classes."""
        self._hidden_sizes()
        check_hidden_activation(self.hidden_activation)
        X = check_features(X, type(self).__name__)
        if is_dask_array(X) and is_dask_array(y) and y.ndim == 1:  # checked by their distinct values
            if y.shape[0] != X.shape[0]:
                raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                                 f"[{X.shape[0]}, {y.shape[0]}]")
            distinct = importlib.import_module("dask.array").unique(y).compute()
            classes, indices = encode_labels(distinct, distinct.shape[0], type(self).__name__, classes)
        else:
            classes, indices = encode_labels(y, X.shape[0], type(self).__name__, classes)
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
            if is_dask_array(columns) and is_dask_array(y) and y.ndim == 1:  # encoded on y's blocks: not gathered
                labels = y.map_blocks(_class_indices, classes, dtype=dtype)
            else:
                labels = move_to(indices, xp, device, dtype)  # class indices (0/1 for two classes)
            if is_dask_array(columns):  # streamed with X's blocks
                labels = labels.rechunk((columns.chunks[1],))
            return columns, labels, classes

    def _train(self, columns: Array, labels: Array, parameters: dict[str, Array], state: OptimizerState,
               epochs: int, layer_dims: list[int], classes: Any, validation: tuple[Array, Array] | None,
               costs: list[float]) -> bool:
        """Train ``epochs`` epochs with this model's settings and set the fitted attributes
        (appending to ``costs``). Returns whether the stopping rule ended training."""
        scores: list[float] = []
        stopped: list[int] = []
        batch = None if self.batch_size is None else min(
            check_count(self.batch_size, "batch_size", minimum=1), columns.shape[1])

        def record(epoch: int, cost: float) -> None:
            costs.append(cost)
            if self.print_cost:
                print(f"Cost after epoch {state.epochs - 1}: {cost}")

        try:
            trained, _ = train(
                columns, labels, parameters, learning_rate=self.learning_rate, num_epochs=epochs, record_every=1,
                hidden_activation=self.hidden_activation, optimizer=self.optimizer, mini_batch_size=batch,
                beta=self.beta, beta1=self.beta1, beta2=self.beta2, epsilon=self.epsilon, lambd=self.alpha,
                keep_prob=self.keep_prob, decay_rate=self.decay_rate, seed=self.seed, state=state,
                n_iter_no_change=self.n_iter_no_change, tol=self.tol, validation_data=validation,
                on_cost=record, on_score=lambda i, score: scores.append(score), on_stop=stopped.append,
            )
        except TrainingDivergedError as error:
            self._set_fitted(error.parameters, costs, layer_dims, classes, state)
            scale = 0.0 if is_dask_array(columns) or not columns.shape[1] else float(np.max(np.abs(to_numpy(columns))))
            if scale > UNSCALED:
                error.args = (f"{error.args[0]}. The inputs reach {scale:.3g} in magnitude: scale your data first "
                              "(for example with StandardScaler), which is the likelier cause",)
            raise
        self._set_fitted(trained, costs, layer_dims, classes, state)
        self.validation_scores_ = scores if validation is not None else None
        self.best_validation_score_ = max(scores) if validation is not None else None
        return bool(stopped)

    def _set_fitted(self, parameters: dict[str, Array], costs: list[float], layer_dims: list[int],
                    classes: Any, state: OptimizerState | None = None) -> None:
        self.parameters_, self.costs_, self.layer_dims_ = parameters, list(costs), list(layer_dims)
        self.n_features_in_ = layer_dims[0]
        self.classes_ = np.asarray(classes)
        self.optimizer_state_ = OptimizerState() if state is None else state
        self.n_iter_ = self.optimizer_state_.epochs

    def _check_fitted(self) -> None:
        if not hasattr(self, "parameters_"):
            raise not_fitted_error(type(self).__name__)

    def _fitted_device_scope(self) -> Any:
        """The :func:`device_scope` of the fitted parameters' device (CuPy: made current)."""
        self._check_fitted()
        return device_scope(array_api_compat.device(self.parameters_["W1"]))

    def _output(self, X: Any) -> tuple[Array, ModuleType, Any]:
        """The network's output AL (1 or C, m) on the training placement (in its device scope:
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
        AL = predict_proba(columns, self.parameters_, hidden_activation=self.hidden_activation)
        return AL, home_xp, home_device

    def _blockwise(self, X: Any, method: str) -> Any:
        """``method`` (``"predict"``, ``"predict_proba"``) of a Dask ``X`` (m, n), lazily, block by
        block (in parallel on the workers of a ``dask.distributed`` cluster): the fitted model,
        its parameters on the host, is one object of the task graph, sent to each worker once."""
        dask = importlib.import_module("dask")
        self._check_fitted()
        if len(X.chunks[1]) != 1:
            raise ValueError(f"X: expected a Dask array chunked along the samples only (axis 0 of (m, n)), got "
                             f"{len(X.chunks[1])} chunks along the features; rechunk with X.rechunk({{1: -1}})")
        host = self._on_the_host()
        example = getattr(host, method)(np.zeros((1, X.shape[1]), dtype=X.dtype))  # the blocks' dtype and width
        model = dask.delayed(host, pure=True)
        if method == "predict_proba":
            return X.map_blocks(_predict_proba_block, model, chunks=(X.chunks[0], (example.shape[1],)),
                                dtype=example.dtype, meta=example[:0])
        return X.map_blocks(_predict_block, model, drop_axis=1, dtype=example.dtype, meta=example[:0])

    def _elsewhere(self, X: Any, method: str) -> Any:
        """``method`` (``"predict"``, ``"predict_proba"``) where it does not run in this model's
        device scope: of a Dask ``X`` (:meth:`_blockwise`), or with a host copy of Dask parameters;
        None otherwise."""
        if is_dask_array(X):
            return self._blockwise(X, method)
        if self._fitted_on_dask():
            return getattr(self._on_the_host(), method)(X)
        return None

    def _fitted_on_dask(self) -> bool:
        """Whether the parameters are Dask arrays (then predictions on in-memory data are made
        with a host copy of them, not through a task graph)."""
        self._check_fitted()
        return is_dask_array(self.parameters_["W1"])

    def _on_the_host(self) -> DeepNeuralNetwork:
        """This model, or a copy of it whose parameters are NumPy arrays."""
        if all(isinstance(value, np.ndarray) for value in self.parameters_.values()):
            return self
        host = copy.copy(self)
        host.parameters_ = {key: to_numpy(value) for key, value in self.parameters_.items()}
        host.device = None
        return host

    def predict_log_proba(self, X: Any) -> Array:
        """The natural logarithm of :meth:`predict_proba` (``-inf`` where a probability is 0)."""
        probabilities = self.predict_proba(X)
        return array_api_compat.array_namespace(probabilities).log(probabilities)

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities (m, n_classes) in ``classes_`` order, in ``X``'s namespace (a Dask
        ``X``: lazily, block by block)."""
        if (elsewhere := self._elsewhere(X, "predict_proba")) is not None:
            return elsewhere
        with self._fitted_device_scope():
            AL, home_xp, home_device = self._output(X)
            xp = array_api_compat.array_namespace(AL)
            probabilities = xp.stack([1.0 - AL[0, :], AL[0, :]], axis=1) if AL.shape[0] == 1 else AL.T
            return move_to(probabilities, home_xp, home_device)

    def _class_indices(self, X: Any) -> tuple[Array, ModuleType, Any]:
        AL, home_xp, home_device = self._output(X)
        xp = array_api_compat.array_namespace(AL)
        integers = xp.__array_namespace_info__().default_dtypes(device=array_api_compat.device(AL))["integral"]
        indices = AL[0, :] > 0.5 if AL.shape[0] == 1 else xp.argmax(AL, axis=0)
        return xp.astype(indices, integers), home_xp, home_device

    def predict(self, X: Any) -> Any:
        """Labels (m,) from ``classes_``: in ``X``'s namespace and on its device when the
        labels are numbers (integers in that namespace's default integer dtype, floats in its
        widest float), a NumPy array otherwise (strings, booleans, objects); a Dask ``X``: a Dask
        array of the labels, lazily, block by block."""
        if (elsewhere := self._elsewhere(X, "predict")) is not None:
            return elsewhere
        with self._fitted_device_scope():
            indices, home_xp, home_device = self._class_indices(X)
            classes = self.classes_
            if classes.dtype.kind not in "iuf":
                return classes[to_numpy(indices)]
            if classes.dtype.kind in "iu" and np.array_equal(classes, np.arange(len(classes))):  # 0..C-1
                return move_to(indices, home_xp, home_device)
            xp, device = array_api_compat.array_namespace(indices), array_api_compat.device(indices)
            kind = indices.dtype if classes.dtype.kind in "iu" else default_float_dtype(xp, device)
            table = xp.astype(move_to(classes, xp, device), kind)
            return move_to(xp.take(table, indices), home_xp, home_device)

    def score(self, X: Any, y: Any) -> float:
        """Mean accuracy of ``predict(X)`` against labels ``y`` (m,)."""
        predicted = self.predict(X)
        predicted = to_numpy(predicted) if array_api_compat.is_array_api_obj(predicted) else predicted
        labels = to_numpy(y) if array_api_compat.is_array_api_obj(y) else np.asarray(y)
        if labels.shape != predicted.shape:
            raise ValueError(f"y: expected shape {predicted.shape} (one label per row of X), got {labels.shape}")
        return float(np.mean(predicted == labels))

    # -- saving ------------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Save the fitted network (parameters, optimiser state, constructor settings) atomically
        to ``path``: a loaded model predicts the same and goes on training where this one stopped."""
        self._check_fitted()
        settings = {k: v for k, v in self.get_params().items() if k not in ("device", "dtype")}
        settings["hidden_layers"] = list(settings["hidden_layers"])
        state = self.optimizer_state_
        arrays = {**{f"v.{key}": value for key, value in state.v.items()},
                  **{f"s.{key}": value for key, value in state.s.items()}}
        return save_parameters(path, self.parameters_, hidden_activation=self.hidden_activation, init=self.init,
                               estimator=settings, costs=list(self.costs_), classes=self.classes_.tolist(),
                               state=arrays, optimizer_state={"t": state.t, "epochs": state.epochs})

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, device: Any = None, dtype: Any = None
    ) -> DeepNeuralNetwork:
        """A fitted network from :meth:`save`, placed on ``device`` (default: NumPy, CPU).

        Files written before multi-class support (no ``classes``) load as classes ``[0, 1]``."""
        metadata = load_metadata(path)
        xp, where = resolve_placement(device)
        settings = dict(metadata.get("estimator", {}))
        if "hidden_layers" in settings:
            settings["hidden_layers"] = tuple(settings["hidden_layers"])
        model = cls(**settings, device=device, dtype=dtype)
        parameters = load_parameters(path, backend=xp, device=where, dtype=dtype)
        arrays = load_state(path, backend=xp, device=where, dtype=parameters["W1"].dtype)
        counts = metadata.get("optimizer_state", {})
        state = OptimizerState(
            v={key[2:]: value for key, value in arrays.items() if key.startswith("v.")},
            s={key[2:]: value for key, value in arrays.items() if key.startswith("s.")},
            t=int(counts.get("t", 0)), epochs=int(counts.get("epochs", 0)),
        )
        model._set_fitted(parameters, metadata.get("costs", []), metadata["layer_dims"],
                          metadata.get("classes", [0, 1]), state)
        return model


#: ``early_stopping="auto"`` holds out a validation set above this many examples.
AUTO_EARLY_STOPPING = 10_000

#: Inputs larger than this in magnitude are likely unscaled: a divergence says so.
UNSCALED = 1e4


class ConvergenceWarning(UserWarning):
    """Training stopped at its epoch limit before it converged (scikit-learn's ``ConvergenceWarning``
    is used instead where scikit-learn is installed)."""

#: What fit sets; a model without them is not fitted.
FITTED_ATTRIBUTES = ("parameters_", "costs_", "layer_dims_", "n_features_in_", "classes_", "optimizer_state_",
                     "n_iter_", "validation_scores_", "best_validation_score_")


def _class_indices(labels: Any, classes: np.ndarray, dtype: Any = None) -> Any:
    """Each label's index in the sorted ``classes`` (a block of a Dask array of labels), as ``dtype``."""
    return np.searchsorted(classes, np.asarray(labels)).astype(dtype)


def _predict_proba_block(block: Any, model: DeepNeuralNetwork) -> Any:
    return model.predict_proba(block)


def _predict_block(block: Any, model: DeepNeuralNetwork) -> Any:
    return model.predict(block)


def _equal(value: Any, default: Any) -> bool:
    """``value == default`` where that is one truth value (an array compared with a tuple is not)."""
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False

