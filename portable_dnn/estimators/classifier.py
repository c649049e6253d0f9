"""``DeepNeuralNetwork``: the notebook's "easy-to-use neural network class", a classifier.

It follows scikit-learn's estimator conventions (samples in rows, ``get_params`` /
``set_params``, fitted attributes ending in ``_``), so it works in ``Pipeline``,
``clone`` and ``cross_val_score`` when scikit-learn is installed, without needing it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

import array_api_compat
import numpy as np
from array_api_compat import is_dask_array

from .._backend import Array, default_float_dtype
from .._backend.transfers import move_to, to_numpy
from .._outputs import predicted_classes_kernel
from .._validation import ConvergenceWarning, host_sample_weight
from .advice import UNSCALED
from .base import AUTO_EARLY_STOPPING, NetworkEstimator
from .elsewhere import check_dispatch_namespace
from .params import stochastic_only, with_keywords
from .targets import Labels

__all__ = ["AUTO_EARLY_STOPPING", "UNSCALED", "ConvergenceWarning", "DeepNeuralNetwork"]


class DeepNeuralNetwork(NetworkEstimator):
    """A classifier: [LINEAR->ACTIVATION] x len(hidden_layers) -> LINEAR -> SIGMOID or SOFTMAX.

    Trained as scikit-learn's ``MLPClassifier`` by default: Adam on shuffled mini-batches, L2,
    Glorot's initialisation, stopping when the training cost stalls; from the same seed, the same
    initial weights, the same order of the samples and the same steps as
    ``MLPClassifier(random_state=seed)``. Two classes train one sigmoid unit, more a softmax layer, a 0/1
    indicator matrix ``y`` (multilabel) one sigmoid unit per label. The course's notebook settings are
    ``optimizer="gd", batch_size=None, alpha=0, learning_rate=0.0075, num_iterations=3000,
    init="lecun", n_iter_no_change=None, early_stopping=False``.

    Parameters
    ----------
    hidden_layers : sequence of int, default (100,)
        The hidden layers' sizes.
    learning_rate : float, default 0.001
        The step size (Adam's ``alpha``).
    num_iterations : int, default 200
        The most epochs ``fit`` runs.
    optimizer : {"adam", "sgd", "lbfgs", "momentum", "gd"}, default "adam"
        Adam, scikit-learn's SGD (``beta`` its momentum, with ``nesterov``), L-BFGS (SciPy's, as
        scikit-learn's ``solver="lbfgs"``: full batch, no early stopping, ``tol`` on the gradient's
        largest entry, ``max_fun``), or the course's momentum and gradient descent (``beta`` for
        momentum; ``beta1``, ``beta2``, ``epsilon`` for Adam).
    batch_size : int or None, default 200
        Examples per step (all of them when fewer); ``None``: full batches.
    alpha : float, default 0.0001
        L2 strength (the course's ``lambd``), per batch as scikit-learn's.
    keep_prob : float, default 1.0
        Dropout of the hidden layers: the probability of keeping a unit.
    beta, beta1, beta2, epsilon : float
        Momentum's and Adam's constants (0.9, 0.9, 0.999, 1e-8); ``epsilon`` is scikit-learn's,
        added to the square root of the second moment before its bias correction.
    decay_rate : float, default 0.0
        The course's learning-rate decay after each epoch.
    early_stopping : bool or "auto", default "auto"
        Hold out ``validation_fraction`` (stratified) and stop when its accuracy has not risen by
        ``tol`` for more than ``n_iter_no_change`` epochs, keeping the best epoch's parameters;
        ``"auto"``: above 10,000 examples, as scikit-learn's ``HistGradientBoostingClassifier``.
    validation_fraction : float, default 0.1
        The share held out for early stopping.
    n_iter_no_change : int, None or math.inf, default 10
        Epochs without an improvement of ``tol`` (of the training cost, or the held-out accuracy)
        before training stops; ``None`` or ``math.inf``: never.
    tol : float, default 0.0001
        The improvement that counts (strictly: with 0, an equal score is none).
    init : str, default "auto"
        The initialisation (:data:`~portable_dnn.initialization.INIT_SCHEMES`); ``"auto"`` is
        ``"glorot"`` here (``"glorot_sigmoid"`` with sigmoid hidden layers: ``MLPClassifier``'s
        initial weights in either case).
    seed : int, default 1
        Seeds the initial weights and then the shuffles (one ``RandomState(seed)``, as
        scikit-learn's ``random_state``; anew for each ``partial_fit`` and warm start), the held-out
        split and dropout.
    warm_start : bool, default False
        ``fit`` goes on from the fitted parameters (with a new optimiser state), as
        ``MLPClassifier``'s.
    device : str, device or None, default None
        Where to train: ``None`` (where ``X`` lives), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, a backend
        name such as ``"array_api_strict"``, or a device object.
    dtype : {"float32", "float64"} or None, default None
        ``None``: ``X``'s floating dtype, else float64 where the device has it.
    print_cost : bool, default False
        Print each epoch's cost.
    hidden_activation : {"relu", "tanh", "sigmoid", "leaky_relu", "identity"}, default "relu"
        The hidden layers' activation.
    shuffle : bool, default True
        Shuffle the samples each epoch (from the generator the initial weights came from, as
        scikit-learn's); False: every epoch in their own order.
    nesterov : bool, default True
        ``optimizer="sgd"``: Nesterov's momentum (scikit-learn's ``nesterovs_momentum``).
    learning_rate_schedule : {"constant", "invscaling", "adaptive"}, default "constant"
        scikit-learn's ``learning_rate`` schedules, for every optimiser but Adam (see
        :func:`portable_dnn.train`); not with ``decay_rate``.
    power_t : float, default 0.5
        ``"invscaling"``'s exponent.
    max_fun : int, default 15000
        ``"lbfgs"``: it stops once more than this many evaluations of the cost were made (checked
        after each iteration, as SciPy's).
    class_weight : None, "balanced" or dict, default None
        Each class's weight, multiplied into ``sample_weight``, as ``LogisticRegression`` defines it:
        ``"balanced"`` is ``n_samples / (n_classes * np.bincount(y))``; a dict maps labels to weights
        (1 for those it leaves out); with ``sample_weight``, ``"balanced"`` counts the samples by
        their weight (scikit-learn's ``compute_class_weight``). A multilabel ``y`` takes
        ``"balanced"`` only, the product of each label's (``compute_sample_weight``). In
        :meth:`partial_fit`, ``"balanced"`` weighs each call's samples by that call's counts.

    Attributes
    ----------
    parameters_ : dict
        The arrays ``W1, b1, ..., WL, bL`` on the training device (the course's layout: ``Wl`` is
        ``(n_l, n_{l-1})``).
    classes_ : numpy.ndarray
        The sorted distinct labels (multilabel: the column numbers).
    multilabel_ : bool
        Whether ``y`` was an indicator matrix.
    costs_ : list of float
        Each epoch's cost.
    n_iter_ : int
        The epochs the last ``fit`` ran (a warm start's too); after :meth:`partial_fit`, all of them.
    layer_dims_ : list of int
        The layers' sizes, input and output included.
    n_features_in_ : int
        The number of features.
    optimizer_state_ : OptimizerState
        Momentum's and Adam's averages, Adam's step count and the epochs done: what
        :meth:`partial_fit` and a saved model go on from.
    validation_scores_ : list of float or None
        Each epoch's held-out accuracy; ``None`` without early stopping.
    best_validation_score_ : float or None
        The best of them; ``None`` without early stopping.

    Notes
    -----
    ``fit`` takes ``X`` (m, n_features) and labels ``y`` (m,) of any kind scikit-learn's
    classifiers take (integers, strings, booleans, whole-number floats), as NumPy, CuPy or any
    supported arrays (or array-likes). Predictions come back in the namespace and device of the
    ``X`` they are asked for (labels as a NumPy array where they are not numbers).

    Examples
    --------
    >>> import numpy as np
    >>> from portable_dnn import DeepNeuralNetwork
    >>> X = np.random.RandomState(0).randn(200, 3)
    >>> y = np.where(X[:, 0] > 0, "right", "left")
    >>> model = DeepNeuralNetwork(hidden_layers=(8,), learning_rate=0.01, num_iterations=300).fit(X, y)
    >>> model.classes_
    array(['left', 'right'], dtype='<U5')
    >>> model.predict(X[:3]), model.score(X, y) > 0.95
    (array(['right', 'right', 'right'], dtype='<U5'), True)
    """

    _fitted_attributes = (*NetworkEstimator._fitted_attributes, "classes_", "multilabel_")
    _targets = Labels
    if TYPE_CHECKING:  # set by fit and the constructor (for the type checker; documented above)
        classes_: np.ndarray
        multilabel_: bool
        class_weight: Any

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(multi_class=True, multi_label=True),
            input_tags=InputTags(sparse=True),  # scipy.sparse, on NumPy
            array_api_support=True,  # any array API namespace and device, predictions in X's
        )

    # -- training and prediction ----------------------------------------------------------------

    @stochastic_only
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None) -> DeepNeuralNetwork:
        """One epoch on ``X`` (m, n_features), ``y`` (m,), going on from the current parameters and
        optimiser state (the first call starts new ones and needs every label in ``classes``), the
        samples weighted by ``sample_weight`` (m,) as in :meth:`fit`. Returns ``self``."""
        fitted = hasattr(self, "parameters_")
        if not fitted and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if fitted and classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes={np.unique(np.asarray(classes)).tolist()} is not the same as on the first "
                             f"call to partial_fit ({self.classes_.tolist()})")
        return self._partial_fit(X, y, Labels.of(self) if fitted else classes, sample_weight)

    def _weighted_by_class(self, weights: Any, encoded: Any, spec: Any, targets: Array, columns: Array) -> Any:
        """``weights`` (None: all 1) times each sample's class weight (:func:`class_weights`; for a
        multilabel y, ``"balanced"`` only: the product of each label's, as scikit-learn's
        ``compute_sample_weight``). A Dask stream's labels and weights (one number a sample) are
        computed to the host once for this, and the product is chunked as its samples."""
        if self.class_weight is None:
            return weights
        if encoded is None or is_dask_array(weights):
            host_labels = encoded if encoded is not None else np.asarray(targets.compute()).T.astype(np.int64)
            host_weights = None if weights is None else host_sample_weight(np.asarray(weights.compute()),
                                                                            columns.shape[1])
            product = self._weighted_by_class(host_weights, host_labels, spec, targets, columns)
            dask_array = importlib.import_module("dask.array")
            return dask_array.from_array(product, chunks=(columns.chunks[1],)).astype(columns.dtype)
        if not spec.multilabel:
            per_sample = class_weights(self.class_weight, spec.classes, encoded, weights)[encoded]
        elif isinstance(self.class_weight, str) and self.class_weight == "balanced":
            labels = encoded.astype(np.int64)
            per_sample = np.prod([class_weights("balanced", np.arange(2), labels[:, k], weights)[labels[:, k]]
                                  for k in range(labels.shape[1])], axis=0)
        else:
            raise ValueError(f"class_weight: a multilabel y takes None or 'balanced', got {self.class_weight!r}")
        return per_sample if weights is None else weights * per_sample

    @property
    def n_outputs_(self) -> int:
        """The number of output units, 1 for two classes, one per class for more, one per label
        (multilabel)."""
        return self.layer_dims_[-1]

    def predict_log_proba(self, X: Any) -> Array:
        """The natural logarithm of :meth:`predict_proba` (``-inf`` where a probability is 0, without
        NumPy's warning)."""
        self._check_fitted()
        check_dispatch_namespace(self, X, "predict_log_proba")
        probabilities = self.predict_proba(X)
        xp = array_api_compat.array_namespace(probabilities)
        positive = probabilities > 0
        return xp.where(positive, xp.log(xp.where(positive, probabilities, 1.0)), -xp.inf)

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities (m, n_classes) in ``classes_`` order, in ``X``'s namespace (a Dask
        ``X``: lazily, block by block)."""
        if (elsewhere := self._elsewhere(X, "predict_proba")) is not None:
            return elsewhere
        with self._fitted_device_scope():
            AL, home_xp, home_device = self._output(X)
            xp = array_api_compat.array_namespace(AL)
            binary = AL.shape[0] == 1 and not self.multilabel_
            probabilities = xp.stack([1.0 - AL[0, :], AL[0, :]], axis=1) if binary else AL.T
            return move_to(probabilities, home_xp, home_device)

    def _predicted(self, X: Any) -> tuple[Array, ModuleType, Any]:
        """The predicted class indices (m,), or for multilabel y the indicator matrix (m, k), in the
        training namespace's default integer dtype; and the placement to return them to."""
        AL, home_xp, home_device = self._output(X)
        xp = array_api_compat.array_namespace(AL)
        integers = xp.__array_namespace_info__().default_dtypes(device=array_api_compat.device(AL))["integral"]
        predicted = predicted_classes_kernel(xp, AL, each_unit=self.multilabel_)
        if predicted.ndim == 2:  # sigmoid units: the indicator (m, k), or one unit's 0/1 (m,)
            predicted = predicted.T if self.multilabel_ else predicted[0, :]
        return xp.astype(predicted, integers), home_xp, home_device

    def predict(self, X: Any) -> Any:
        """Labels (m,) from ``classes_``: in ``X``'s namespace and on its device when the
        labels are numbers (integers in that namespace's default integer dtype, floats in its
        widest float), a NumPy array otherwise (strings, booleans, objects); a Dask ``X``: a Dask
        array of the labels, lazily, block by block."""
        if (elsewhere := self._elsewhere(X, "predict")) is not None:
            return elsewhere
        with self._fitted_device_scope():
            indices, home_xp, home_device = self._predicted(X)
            if self.multilabel_:  # the indicator matrix (m, k)
                return move_to(indices, home_xp, home_device)
            classes = self.classes_
            if classes.dtype.kind not in "iuf":
                return classes[to_numpy(indices)]
            if classes.dtype.kind in "iu" and np.array_equal(classes, np.arange(len(classes))):  # 0..C-1
                return move_to(indices, home_xp, home_device)
            xp, device = array_api_compat.array_namespace(indices), array_api_compat.device(indices)
            kind = indices.dtype if classes.dtype.kind in "iu" else default_float_dtype(xp, device)
            table = xp.astype(move_to(classes, xp, device), kind)
            return move_to(xp.take(table, indices), home_xp, home_device)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean accuracy of ``predict(X)`` against labels ``y`` (m,) (multilabel: the fraction of
        samples with every label right), each sample weighted by ``sample_weight`` (m,) where given."""
        predicted = self.predict(X)
        predicted = to_numpy(predicted) if array_api_compat.is_array_api_obj(predicted) else predicted
        labels = to_numpy(y) if array_api_compat.is_array_api_obj(y) else np.asarray(y)
        if labels.shape != predicted.shape:
            raise ValueError(f"y: expected shape {predicted.shape} (one label per row of X), got {labels.shape}")
        right = predicted == labels
        right = np.all(right, axis=1) if right.ndim == 2 else right  # multilabel: every label
        weights = None if sample_weight is None else host_sample_weight(sample_weight, right.shape[0])
        return float(np.average(right, weights=weights))


def class_weights(class_weight: Any, classes: np.ndarray, indices: np.ndarray,
                  sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Each of the sorted ``classes``' weight (float64), as scikit-learn's ``compute_class_weight``:
    ``"balanced"``, ``n_samples / (n_classes * count)`` over the classes the samples' class
    ``indices`` hold, counted by ``sample_weight`` where given (1 for a class with no sample); a
    dict, its weight for each class it names (1 for the others, unless it names a class that is not
    among ``classes``)."""
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight: expected None, 'balanced' or a dict, got {class_weight!r}")
        counts = np.bincount(indices, weights=sample_weight, minlength=len(classes)).astype(np.float64)
        present = counts > 0
        return np.where(present, counts.sum() / (present.sum() * np.where(present, counts, 1.0)), 1.0)
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight: expected None, 'balanced' or a dict, got {type(class_weight).__name__}")
    weights = np.ones(len(classes))
    unweighted = []
    for i, label in enumerate(classes.tolist()):
        if label in class_weight:
            weights[i] = class_weight[label]
        else:
            unweighted.append(label)
    if unweighted and len(classes) - len(unweighted) != len(class_weight):
        raise ValueError(f"The classes, {unweighted}, are not in class_weight")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"class_weight: expected finite, non-negative weights, got {class_weight!r}")
    return weights


DeepNeuralNetwork.__init__ = with_keywords(  # type: ignore[method-assign]
    NetworkEstimator.__init__, class_weight=None)
