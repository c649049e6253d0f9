"""``DeepNeuralNetworkRegressor``: the same network with an identity output layer, trained on the
squared error, as scikit-learn's ``MLPRegressor``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import array_api_compat
import numpy as np

from .._backend.transfers import move_to, to_numpy
from .._engine.stopping import r2_kernel
from .._validation import host_sample_weight
from .base import NetworkEstimator
from .params import stochastic_only, with_keywords
from .targets import Outputs

__all__ = ["DeepNeuralNetworkRegressor"]


class DeepNeuralNetworkRegressor(NetworkEstimator):
    """A regressor: [LINEAR->ACTIVATION] x len(hidden_layers) -> LINEAR, one identity unit per
    output, trained on half the squared error (:func:`portable_dnn.compute_cost` with
    ``loss="squared_error"``) plus the L2 term, as scikit-learn's ``MLPRegressor`` by default (with
    ``init="glorot"``, its steps from the same seed).

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default "squared_error"
        Half the squared error with identity outputs, or half the Poisson deviance with exponential
        outputs (a log link; ``y >= 0``), as ``MLPRegressor``'s.
    hidden_layers, learning_rate, num_iterations, optimizer, batch_size, alpha, keep_prob, beta, beta1, \
beta2, epsilon, decay_rate, early_stopping, validation_fraction, n_iter_no_change, tol, seed, \
warm_start, device, dtype, print_cost, hidden_activation, shuffle, nesterov, learning_rate_schedule, power_t, \
max_fun
        As :class:`DeepNeuralNetwork`'s, except that early stopping scores the held-out samples by
        R² (not stratified).
    init : str, default "auto"
        The initialisation; ``"auto"`` is He's (``"he"``) here: against Glorot's on
        ``load_diabetes`` and ``make_regression(60000, 50)`` it gave the better R² in less time
        (``benchmarks/classifiers.py``).

    Attributes
    ----------
    n_outputs_ : int
        The number of outputs (``y``'s columns; 1 for ``y`` of shape (m,)).
    parameters_, costs_, n_iter_, layer_dims_, n_features_in_, optimizer_state_, \
validation_scores_, best_validation_score_
        As :class:`DeepNeuralNetwork`'s; the validation scores are R².

    Notes
    -----
    ``y`` is real: (m,) for one output, (m, k) for k. ``predict`` returns (m,) for one output (as
    ``MLPRegressor``), else (m, k), in ``X``'s namespace and on its device; ``score`` is R²
    (averaged over the outputs).

    Examples
    --------
    >>> import numpy as np
    >>> from portable_dnn import DeepNeuralNetworkRegressor
    >>> X = np.random.RandomState(0).randn(500, 3)
    >>> y = X @ [1.0, -2.0, 0.5]
    >>> model = DeepNeuralNetworkRegressor(hidden_layers=(20,), learning_rate=0.01, num_iterations=300).fit(X, y)
    >>> model.predict(X[:2]).shape, model.score(X, y) > 0.99
    ((2,), True)
    """

    _fitted_attributes = (*NetworkEstimator._fitted_attributes, "n_outputs_")
    _targets = Outputs
    if TYPE_CHECKING:  # set by fit (for the type checker; documented above)
        n_outputs_: int
    _auto_init = "he"

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import InputTags, RegressorTags, Tags, TargetTags

        return Tags(
            estimator_type="regressor",
            target_tags=TargetTags(required=True, multi_output=True, single_output=True),
            regressor_tags=RegressorTags(),
            input_tags=InputTags(sparse=True),  # scipy.sparse, on NumPy
            array_api_support=True,  # any array API namespace and device, predictions in X's
        )

    # -- training and prediction ----------------------------------------------------------------

    @stochastic_only
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> DeepNeuralNetworkRegressor:
        """One epoch on ``X`` (m, n_features), ``y`` (m,) or (m, k), going on from the current
        parameters and optimiser state (the first call starts new ones), the samples weighted by
        ``sample_weight`` (m,) as in :meth:`fit`. Returns ``self``."""
        return self._partial_fit(X, y, Outputs.of(self) if hasattr(self, "parameters_") else None, sample_weight)

    def predict(self, X: Any) -> Any:
        """Predictions (m,) for one output, else (m, k), in ``X``'s namespace and on its device (a
        Dask ``X``: lazily, block by block)."""
        if (elsewhere := self._elsewhere(X, "predict")) is not None:
            return elsewhere
        with self._fitted_device_scope():
            AL, home_xp, home_device = self._output(X)
            return move_to(AL[0, :] if AL.shape[0] == 1 else AL.T, home_xp, home_device)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """R² of ``predict(X)`` against ``y`` (m,) or (m, k), averaged over the outputs (1 is
        perfect; predicting the mean scores 0), as scikit-learn's ``r2_score``; each sample
        weighted by ``sample_weight`` (m,) where given."""
        predicted = to_numpy(self.predict(X))
        values = to_numpy(y) if array_api_compat.is_array_api_obj(y) else np.asarray(y, dtype=np.float64)
        if values.shape != predicted.shape and values.reshape(-1).shape != predicted.reshape(-1).shape:
            raise ValueError(f"y: expected shape {predicted.shape} (the predictions'), got {values.shape}")
        k = self.n_outputs_
        m = predicted.reshape(-1, k).shape[0]
        weights = None if sample_weight is None else host_sample_weight(sample_weight, m).reshape(1, m)
        return float(r2_kernel(np, predicted.reshape(-1, k).T.astype(np.float64),
                               values.reshape(-1, k).T.astype(np.float64), weights))


DeepNeuralNetworkRegressor.__init__ = with_keywords(  # type: ignore[method-assign]
    NetworkEstimator.__init__, loss="squared_error")
