"""scikit-learn's tests of its MLPs (``sklearn/neural_network/tests/test_mlp.py``, 1.9), adapted to
DeepNeuralNetwork and DeepNeuralNetworkRegressor: each test's intent and thresholds kept, in this
library's words.

Names: ``hidden_layer_sizes`` -> ``hidden_layers``, ``max_iter`` -> ``num_iterations``,
``learning_rate_init`` -> ``learning_rate``, ``random_state`` -> ``seed``, ``activation`` ->
``hidden_activation`` (``"logistic"`` -> ``"sigmoid"``), ``verbose`` -> ``print_cost``,
``solver`` -> ``optimizer`` (``"sgd"`` is scikit-learn's SGD, ``"gd"`` for ``momentum=0``),
``learning_rate`` -> ``learning_rate_schedule``, ``momentum`` -> ``beta``, ``nesterovs_momentum`` ->
``nesterov``. (The course's ``"momentum"`` averages the gradients where scikit-learn's sums them;
the step-by-step tests hold it.)

Left out, and why:
- ``test_gradient`` through ``_loss_grad_lbfgs``: a private function; the L-BFGS objective's cost and
  gradient are checked against centred differences on every backend in ``tests/test_lbfgs.py``
  (and the step-by-step backward pass here). ``test_mlp_vs_poisson_glm_equivalent`` is in
  ``tests/test_poisson.py``.
- ``test_mlp_diverging_loss``: divergence raises :class:`TrainingDivergedError` with the last finite
  parameters, by design, instead of recording NaN scores.
- ``test_minimum_input_sample_size``: a validation set is at least one sample; a split that leaves
  none for training is refused (kept below with that message).
- ``test_mlp_loading_from_joblib_partial_fit``: kept with ``save``/``load`` (the library's own
  format) as well as pickle.

Deliberate differences, kept as tests of this library's behaviour:
- with several regression outputs, L-BFGS descends the sum of their half squared errors with that
  cost's own gradient; scikit-learn hands SciPy the mean as the cost beside the sum's gradient, so
  their line searches differ there (one output: the same iterates);
- non-finite parameters from unscaled input raise :class:`TrainingDivergedError` (a
  ``FloatingPointError``) saying "scale your data", where scikit-learn raises ``ValueError``;
- ``n_iter_no_change`` counts epochs after the best, without an ``_no_improvement_count`` attribute;
- the recorded cost of several regression outputs is the sum of their half squared errors (the
  cost whose gradient both libraries descend), scikit-learn's the mean; with sample weights and
  mini-batches it is the epoch's weighted mean cost, scikit-learn's the mean of the batches' weighted
  means (the steps are the same; the stopping rule reads these costs);
- early stopping's held-out split of a single-label classifier is this library's own (stratified,
  seeded), not ``train_test_split``'s; unstratified (the regressor, multilabel targets) it is
  ``train_test_split``'s, from the same generator, but that samples of weight 0 are left out of it.
"""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor, TrainingDivergedError
from portable_dnn.estimators.targets import Labels

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is not installed")
from scipy.sparse import csr_matrix  # noqa: E402
from sklearn.datasets import load_digits, load_iris, make_multilabel_classification, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, scale  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_three, y_three = load_digits(n_class=3, return_X_y=True)
X_digits_multi, y_digits_multi = MinMaxScaler().fit_transform(X_three[:200]), y_three[:200]
X_digits, y_digits = load_digits(n_class=2, return_X_y=True)
X_digits_binary, y_digits_binary = MinMaxScaler().fit_transform(X_digits[:200]), y_digits[:200]
CLASSIFICATION = [(X_digits_multi, y_digits_multi), (X_digits_binary, y_digits_binary)]
X_reg, y_reg = make_regression(n_samples=200, n_features=10, bias=20.0, noise=100.0, random_state=7)
y_reg = scale(y_reg)
X_iris, y_iris = load_iris(return_X_y=True)
HIDDEN = ["sigmoid", "tanh", "relu"]
ESTIMATORS = [DeepNeuralNetwork, DeepNeuralNetworkRegressor]


def test_alpha_shrinks_the_weights():
    X, y = X_digits_binary[:100], y_digits_binary[:100]
    sizes = []
    for alpha in (0.0, 1.0):
        model = DeepNeuralNetwork(hidden_layers=(10,), alpha=alpha, seed=1).fit(X, y)
        sizes.append(np.array([np.abs(model.parameters_["W1"]).sum(), np.abs(model.parameters_["W2"]).sum()]))
    assert (sizes[0] > sizes[1]).all()


def test_one_step_worked_out_by_hand():
    """scikit-learn's worked example: one sample, sigmoid hidden and output units, one step of
    gradient descent with learning rate 0.1 and alpha 0.1 (values to 3 decimals)."""
    parameters = {"W1": np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0.0]]).T, "b1": np.array([[0.1], [0.1]]),
                  "W2": np.array([[0.1], [0.2]]).T, "b2": np.array([[1.0]])}
    X, y = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    trained, _ = dnn.train(X.T, y, parameters, learning_rate=0.1, num_iterations=1, lambd=0.1,
                           hidden_activation="sigmoid")
    np.testing.assert_almost_equal(trained["W1"].T, [[0.098, 0.195756], [0.2956664, 0.096008],
                                                     [0.4939998, -0.002244]], decimal=3)
    np.testing.assert_almost_equal(trained["W2"].T, [[0.04706], [0.154089]], decimal=3)
    np.testing.assert_almost_equal(trained["b1"].ravel(), [0.098333, 0.09626], decimal=3)
    np.testing.assert_almost_equal(trained["b2"].ravel(), [0.9235], decimal=3)
    model = DeepNeuralNetwork(hidden_layers=(2,), hidden_activation="sigmoid")
    model._set_fitted(trained, [], [3, 2, 1], Labels(np.array([0, 1])))
    np.testing.assert_almost_equal(model.predict_proba(X)[0, 1], 0.739, decimal=3)


@pytest.mark.parametrize("labels", [2, 3])
@pytest.mark.parametrize("activation", HIDDEN)
def test_gradients_match_centred_differences(labels, activation):
    rng = np.random.RandomState(42)
    X = rng.rand(5, 10).T
    y = 1 + np.mod(np.arange(5) + 1, labels)
    Y = dnn.one_hot(y - 1, labels) if labels > 2 else (y - 1).reshape(1, 5).astype(float)
    parameters = dnn.initialize_parameters_deep([10, 10, 1 if labels == 2 else labels], seed=1, init="glorot")
    settings = {"hidden_activation": activation}
    AL, caches = dnn.L_model_forward(X, parameters, **settings)
    grads = dnn.L_model_backward(AL, Y, caches, lambd=1e-5, **settings)

    def cost(values):
        AL, _ = dnn.L_model_forward(X, values, **settings)
        return float(dnn.compute_cost_with_regularization(AL, Y, values, 1e-5))

    for key, value in parameters.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus, minus = dict(parameters), dict(parameters)
            plus[key], minus[key] = value.copy(), value.copy()
            plus[key][index] += 1e-5
            minus[key][index] -= 1e-5
            numeric[index] = (cost(plus) - cost(minus)) / 2e-5
        np.testing.assert_almost_equal(numeric, grads["d" + key])


@pytest.mark.parametrize(("X", "y"), CLASSIFICATION)
@pytest.mark.parametrize("activation", HIDDEN)
def test_classification(X, y, activation):
    """scikit-learn's LBFGS test with Adam: above 0.95 on the 150 training samples."""
    model = DeepNeuralNetwork(hidden_layers=(50,), num_iterations=150, seed=1, hidden_activation=activation,
                              learning_rate=0.01)
    model.fit(X[:150], y[:150])
    predicted = model.predict(X[150:])
    assert model.score(X[:150], y[:150]) > 0.95
    assert (predicted.shape[0], predicted.dtype.kind) == (X.shape[0] - 150, y.dtype.kind)


@pytest.mark.parametrize("activation", HIDDEN)
def test_regression(activation):
    """scikit-learn's LBFGS test with Adam (1000 full-batch epochs for LBFGS's 200 iterations, each of
    which evaluates the loss and gradient several times): R² above 0.98 on the training set."""
    model = DeepNeuralNetworkRegressor(hidden_layers=(50,), num_iterations=1000, tol=1e-3, seed=1,
                                       hidden_activation=activation, learning_rate=0.01, batch_size=None,
                                       n_iter_no_change=None)
    assert model.fit(X_reg, y_reg).score(X_reg, y_reg) > 0.98


def test_multilabel_classification():
    X, y = make_multilabel_classification(n_samples=50, random_state=0, return_indicator=True)
    model = DeepNeuralNetwork(hidden_layers=(50,), alpha=1e-5, num_iterations=500, seed=0,
                              hidden_activation="sigmoid", learning_rate=0.01)  # Adam for LBFGS
    assert model.fit(X, y).score(X, y) > 0.97
    model = DeepNeuralNetwork(hidden_layers=(50,), seed=0, hidden_activation="sigmoid", alpha=1e-5,
                              learning_rate=0.2, optimizer="sgd")
    for _ in range(100):
        model.partial_fit(X, y, classes=[0, 1, 2, 3, 4])
    assert model.score(X, y) > 0.9
    DeepNeuralNetwork(early_stopping=True).fit(X, y).predict(X)  # multilabel splits are not stratified


def test_multioutput_regression():
    X, y = make_regression(n_samples=200, n_targets=5, random_state=11)
    model = DeepNeuralNetworkRegressor(hidden_layers=(50,), num_iterations=200, tol=1e-2, seed=1,
                                       learning_rate=0.01)
    assert model.fit(scale(X), y).score(scale(X), y) > 0.9


def test_partial_fit_refuses_other_classes():
    model = DeepNeuralNetwork(optimizer="sgd").partial_fit([[3, 2]], [0], classes=[0, 1])
    with pytest.raises(ValueError):
        model.partial_fit([[3, 2]], [0], classes=[1, 2])


@pytest.mark.parametrize(("X", "y"), CLASSIFICATION)
def test_partial_fit_classification_is_fit(X, y):
    settings = {"optimizer": "sgd", "seed": 1, "alpha": 1e-5, "learning_rate": 0.2}
    predicted = DeepNeuralNetwork(num_iterations=100, tol=0, **settings).fit(X, y).predict(X)
    model = DeepNeuralNetwork(**settings)
    for _ in range(100):
        model.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_array_equal(model.predict(X), predicted)
    assert model.score(X, y) > 0.95


def test_partial_fit_unseen_classes():
    model = DeepNeuralNetwork(seed=0)
    model.partial_fit([[1], [2], [3]], ["a", "b", "c"], classes=["a", "b", "c", "d"])
    model.partial_fit([[4]], ["d"])
    assert model.score([[1], [2], [3], [4]], ["a", "b", "c", "d"]) > 0


@pytest.mark.parametrize("optimizer", ["gd", "sgd"])  # scikit-learn's SGD with momentum 0 and 0.9
def test_partial_fit_regression_is_fit(optimizer):
    settings = {"optimizer": optimizer, "seed": 1, "learning_rate": 0.01, "batch_size": X_reg.shape[0]}
    predicted = DeepNeuralNetworkRegressor(num_iterations=100, **settings).fit(X_reg, y_reg).predict(X_reg)
    model = DeepNeuralNetworkRegressor(**settings)
    for _ in range(100):
        model.partial_fit(X_reg, y_reg)
    np.testing.assert_allclose(model.predict(X_reg), predicted)
    assert model.score(X_reg, y_reg) > 0.65


def test_partial_fit_needs_every_label_among_the_classes():
    with pytest.raises(ValueError):
        DeepNeuralNetwork(optimizer="sgd").partial_fit([[3, 2], [1, 6]], [1, 0], classes=[2])


def test_unscaled_input_is_named_as_the_cause():
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises((TrainingDivergedError, ValueError), match="scale your data|NaN or infinity"):
            DeepNeuralNetworkRegressor().fit(X, rng.standard_normal(10))


def test_predict_proba_binary():
    X, y = X_digits_binary[:50], y_digits_binary[:50]
    model = DeepNeuralNetwork(hidden_layers=(5,), hidden_activation="sigmoid", seed=1).fit(X, y)
    proba, log_proba = model.predict_proba(X), model.predict_log_proba(X)
    assert proba.shape == (50, 2)
    np.testing.assert_array_equal(proba.argmax(axis=1), log_proba.argmax(axis=1))
    np.testing.assert_allclose(log_proba, np.log(proba))
    assert roc_auc_score(y, proba[:, 1]) == 1.0


def test_predict_proba_multiclass():
    X, y = X_digits_multi[:10], y_digits_multi[:10]
    model = DeepNeuralNetwork(hidden_layers=(5,)).fit(X, y)
    proba, log_proba = model.predict_proba(X), model.predict_log_proba(X)
    assert proba.shape == (10, np.unique(y).size)
    np.testing.assert_array_equal(proba.argmax(axis=1), log_proba.argmax(axis=1))
    np.testing.assert_allclose(log_proba, np.log(proba))


def test_predict_proba_multilabel():
    X, Y = make_multilabel_classification(n_samples=50, random_state=0, return_indicator=True)
    model = DeepNeuralNetwork(hidden_layers=(30,), seed=0, learning_rate=0.01, num_iterations=500).fit(X, Y)
    proba = model.predict_proba(X)
    assert proba.shape == Y.shape
    np.testing.assert_array_equal(proba > 0.5, Y)
    log_proba = model.predict_log_proba(X)
    assert (proba.sum(1) - 1) @ (proba.sum(1) - 1) > 1e-10  # not a softmax
    np.testing.assert_array_equal(proba.argmax(axis=1), log_proba.argmax(axis=1))
    np.testing.assert_allclose(log_proba, np.log(proba))


def test_shuffle():
    """The same seed and the same ``shuffle`` train the same weights; shuffling or not differ."""
    X, y = make_regression(n_samples=50, n_features=5, n_targets=1, random_state=0)
    settings = {"hidden_layers": (1,), "num_iterations": 1, "batch_size": 1, "seed": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for shuffle in [True, False]:
            first = DeepNeuralNetworkRegressor(**settings, shuffle=shuffle).fit(X, y)
            second = DeepNeuralNetworkRegressor(**settings, shuffle=shuffle).fit(X, y)
            np.testing.assert_array_equal(first.parameters_["W1"], second.parameters_["W1"])
        shuffled = DeepNeuralNetworkRegressor(**settings, shuffle=True).fit(X, y)
        in_order = DeepNeuralNetworkRegressor(**settings, shuffle=False).fit(X, y)
    assert not np.array_equal(shuffled.parameters_["W1"], in_order.parameters_["W1"])


def test_adaptive_learning_rate():
    model = DeepNeuralNetwork(tol=0.5, num_iterations=3000, optimizer="sgd", learning_rate=0.1,
                              learning_rate_schedule="adaptive").fit([[3, 2], [1, 6]], [1, 0])
    assert model.num_iterations > model.n_iter_
    assert 1e-6 > model.optimizer_state_.learning_rate


@pytest.mark.parametrize("schedule", ["invscaling", "constant"])
def test_learning_rate_warmstart(schedule):
    """A warm start goes on counting the samples seen: after two fits of one epoch of 4 samples,
    ``"invscaling"``'s rate is ``learning_rate / (8 + 1) ** power_t``."""
    X, y = [[3, 2], [1, 6], [5, 6], [-2, -4]], [1, 1, 1, 0]
    model = DeepNeuralNetwork(optimizer="sgd", learning_rate=0.1, hidden_layers=(4,), learning_rate_schedule=schedule,
                              num_iterations=1, power_t=0.25, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        before = model.optimizer_state_.learning_rate
        model.fit(X, y)
    after = model.optimizer_state_.learning_rate
    if schedule == "constant":
        assert before is None and after is None  # the initial rate throughout
    else:
        assert after == pytest.approx(0.1 / (8 + 1) ** 0.25, rel=1e-15)


def test_tolerance_stops_training():
    model = DeepNeuralNetwork(tol=0.5, num_iterations=3000, optimizer="sgd").fit([[3, 2], [1, 6]], [1, 0])
    assert model.num_iterations > model.n_iter_


def test_print_cost(capsys):
    model = DeepNeuralNetwork(optimizer="sgd", num_iterations=2, print_cost=True, hidden_layers=(2,))
    model.fit([[3, 2], [1, 6]], [1, 0])
    model.partial_fit([[3, 2], [1, 6]], [1, 0])
    assert "Cost after epoch" in capsys.readouterr().out


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_early_stopping(estimator):
    X, y, tol = X_digits_binary[:100], y_digits_binary[:100], 0.2
    model = estimator(tol=tol, num_iterations=3000, optimizer="sgd", early_stopping=True).fit(X, y)
    assert model.num_iterations > model.n_iter_
    scores, best = model.validation_scores_, model.best_validation_score_
    assert isinstance(scores, list) and max(scores) == best
    assert best + tol > scores[-2] and best + tol > scores[-1]
    model = estimator(tol=tol, num_iterations=3000, optimizer="sgd", early_stopping=False).fit(X, y)
    assert model.validation_scores_ is None and model.best_validation_score_ is None


def test_warm_start_needs_the_same_classes():
    y_three_classes = np.array([0] * 40 + [1] * 40 + [2] * 70)
    model = DeepNeuralNetwork(hidden_layers=(2,), warm_start=True, seed=42, tol=1e-2).fit(X_iris, y_iris)
    model.fit(X_iris, y_iris)
    model.fit(X_iris, y_three_classes)
    for other in (np.array([0] * 75 + [1] * 75), np.array([0] * 50 + [1] * 50 + [3] * 50),
                  np.array([0] * 37 + [1] * 37 + [2] * 38 + [3] * 38), np.repeat(np.arange(5), 30)):
        model = DeepNeuralNetwork(hidden_layers=(2,), warm_start=True, seed=42, tol=1e-2).fit(X_iris, y_iris)
        message = ("warm_start can only be used where `y` has the same classes as in the previous call to fit. "
                   f"Previously got [0 1 2], `y` has {np.unique(other)}")
        with pytest.raises(ValueError, match=re.escape(message)):
            model.fit(X_iris, other)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_warm_start_runs_num_iterations_each_fit(estimator):
    model = estimator(hidden_layers=(2,), optimizer="sgd", warm_start=True, num_iterations=3)
    model.fit(X_iris, y_iris)
    assert model.n_iter_ == 3
    model.fit(X_iris, y_iris)
    assert model.n_iter_ == 3


def test_n_iter_no_change_stops_after_that_many_epochs():
    X, y = X_digits_binary[:100], y_digits_binary[:100]
    for patience in [2, 5, 10, 50, 100]:
        model = DeepNeuralNetwork(tol=0.01, num_iterations=3000, optimizer="sgd", n_iter_no_change=patience)
        model.fit(X, y)
        assert 3000 > model.n_iter_
        best, count = np.inf, 0  # the rule, replayed on the recorded costs
        for epoch, cost in enumerate(model.costs_):
            count = 0 if cost < best - 0.01 else count + 1
            best = min(best, cost)
            assert (count > patience) == (epoch == model.n_iter_ - 1)
        assert count == patience + 1


def test_n_iter_no_change_inf_runs_every_epoch():
    X, y = X_digits_binary[:100], y_digits_binary[:100]
    model = DeepNeuralNetwork(tol=1e9, num_iterations=3000, optimizer="sgd", n_iter_no_change=np.inf)
    assert model.fit(X, y).n_iter_ == 3000


def test_early_stopping_is_stratified():
    with pytest.raises(ValueError, match=r"least populated class in y has only 1 member.*members: \[1\]"):
        DeepNeuralNetwork(early_stopping=True).fit([[1, 2], [2, 3], [3, 4], [4, 5]], [0, 0, 0, 1])


def test_early_stopping_with_string_labels():
    X, y = sklearn.datasets.make_classification(n_samples=200, n_features=10, n_classes=3, n_informative=5,
                                                random_state=42)
    y = np.array(["class_a", "class_b", "class_c"], dtype=object)[y]
    model = DeepNeuralNetwork(early_stopping=True, num_iterations=50, seed=42).fit(X, y)
    assert model.validation_scores_ is not None and len(model.validation_scores_) == model.n_iter_
    assert np.isfinite(model.validation_scores_).all()


def test_classifier_float32_predicts_as_float64():
    settings = {"alpha": 1e-5, "hidden_layers": (5, 3), "seed": 1, "num_iterations": 100, "tol": 1e-1}
    wide = DeepNeuralNetwork(**settings).fit(X_digits[:300], y_digits[:300])
    narrow = DeepNeuralNetwork(**settings).fit(X_digits[:300].astype(np.float32), y_digits[:300])
    np.testing.assert_array_equal(wide.predict(X_digits[300:]), narrow.predict(X_digits[300:].astype(np.float32)))
    np.testing.assert_allclose(wide.predict_proba(X_digits[300:]),
                               narrow.predict_proba(X_digits[300:].astype(np.float32)), rtol=1e-2)


def test_regressor_float32_predicts_as_float64():
    settings = {"alpha": 1e-5, "hidden_layers": (5, 3), "seed": 1, "num_iterations": 150, "tol": 1e-3}
    wide = DeepNeuralNetworkRegressor(**settings).fit(X_digits[:300], y_digits[:300])
    narrow = DeepNeuralNetworkRegressor(**settings).fit(X_digits[:300].astype(np.float32), y_digits[:300])
    np.testing.assert_allclose(wide.predict(X_digits[300:]), narrow.predict(X_digits[300:].astype(np.float32)),
                               rtol=5e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_parameters_take_the_input_dtype(dtype, estimator):
    model = estimator(alpha=1e-5, hidden_layers=(5, 3), seed=1, num_iterations=50, tol=1e-1)
    predicted = model.fit(X_digits[:300].astype(dtype), y_digits[:300]).predict(X_digits[300:].astype(dtype))
    assert all(value.dtype == dtype for value in model.parameters_.values())
    if estimator is DeepNeuralNetworkRegressor:
        assert predicted.dtype == dtype


@pytest.mark.parametrize("reload", ["pickle", "save"])
def test_a_reloaded_model_goes_on_training(reload, tmp_path):
    model = DeepNeuralNetworkRegressor(hidden_layers=(42,), seed=42, learning_rate=0.01, num_iterations=200)
    model.fit([[2]], [4])
    if reload == "pickle":
        model = pickle.loads(pickle.dumps(model))
    else:
        model = DeepNeuralNetworkRegressor.load(model.save(tmp_path / "model.npz"))
    for _ in range(200):
        model.partial_fit([[2]], [1])
    np.testing.assert_allclose(model.predict([[2]]), [1], rtol=1e-4)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_feature_names_with_early_stopping(estimator):
    """With two classes: a classifier refuses y of one class (scikit-learn's fits it)."""
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame(data=rng.randn(10, 2), columns=["colname_a", "colname_b"])
    y = pd.Series(data=np.arange(10) % 2, name="colname_y")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        estimator(early_stopping=True, validation_fraction=0.2).fit(X, y)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_warm_start_with_early_stopping_adds_scores(estimator):
    model = estimator(num_iterations=10, seed=0, warm_start=True, early_stopping=True)
    model.fit(X_iris, y_iris)
    scores = len(model.validation_scores_)
    model.set_params(num_iterations=20)
    model.fit(X_iris, y_iris)
    assert len(model.validation_scores_) > scores


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.filterwarnings("default::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_without_convergence_stops_at_num_iterations(estimator, optimizer):
    model = estimator(optimizer=optimizer, warm_start=True, early_stopping=False, num_iterations=10,
                      n_iter_no_change=np.inf, seed=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X_iris, y_iris)
    assert model.n_iter_ == 10
    model.set_params(num_iterations=20)
    with pytest.warns(ConvergenceWarning):
        model.fit(X_iris, y_iris)
    assert model.n_iter_ == 20


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_partial_fit_after_fit_with_early_stopping(estimator):
    """scikit-learn refuses this; here partial fit goes on from the fitted parameters, one epoch on
    all the data it is given (nothing held out)."""
    model = estimator(early_stopping=True, seed=0).fit(X_iris, y_iris)
    epochs = model.optimizer_state_.epochs
    model.partial_fit(X_iris, y_iris)
    assert model.optimizer_state_.epochs == epochs + 1


def test_sample_weights_of_one_with_early_stopping():
    X, y = make_regression(n_samples=100, n_features=2, n_informative=2, random_state=42)
    settings = {"hidden_layers": (10,), "early_stopping": True, "tol": 1e-2, "learning_rate": 0.01,
                "batch_size": 10, "seed": 42}
    weighted = DeepNeuralNetworkRegressor(**settings).fit(X, y, sample_weight=np.ones_like(y))
    np.testing.assert_allclose(weighted.predict(X), DeepNeuralNetworkRegressor(**settings).fit(X, y).predict(X))


def test_a_validation_set_needs_training_samples_too():
    X, y = make_regression(n_samples=2, n_features=5, random_state=0)
    with pytest.raises(ValueError, match="leaves no validation or no training examples"):
        DeepNeuralNetworkRegressor(early_stopping=True, validation_fraction=0.5, seed=0).fit(X[:1], y[:1])


def test_the_classifier_starts_from_mlpclassifiers_own_weights_and_the_regressor_from_he():
    from sklearn.neural_network import MLPClassifier

    model = DeepNeuralNetwork(hidden_layers=(7,), num_iterations=0, n_iter_no_change=None, seed=4)
    model.fit(X_digits_binary, y_digits_binary)
    theirs = MLPClassifier()
    theirs._random_state = np.random.RandomState(4)  # what fit seeds with random_state=4
    for l, (fan_in, fan_out) in enumerate([(64, 7), (7, 1)], start=1):
        W, b = theirs._init_coef(fan_in, fan_out, np.float64)
        np.testing.assert_array_equal(model.parameters_[f"W{l}"], W.T)
        np.testing.assert_array_equal(model.parameters_[f"b{l}"][:, 0], b)
    regressor = DeepNeuralNetworkRegressor(hidden_layers=(7,), num_iterations=0, n_iter_no_change=None, seed=4)
    regressor.fit(X_reg, y_reg)
    for key, value in dnn.initialize_parameters_deep([10, 7, 1], seed=4, init="he").items():
        np.testing.assert_array_equal(regressor.parameters_[key], value)


# -- the same training, step for step ------------------------------------------------------------

X_labels, Y_labels = make_multilabel_classification(n_samples=150, random_state=0)
X_outputs, Y_outputs = make_regression(n_samples=200, n_features=10, n_targets=2, random_state=1)
WEIGHTS = np.random.RandomState(0).randint(0, 4, X_digits_multi.shape[0]).astype(float)
#: (their settings, ours, X, y, sample_weight): every output kind, two layers, tanh, L2, weights,
#: gradient descent, and the defaults trained until the stopping rule ends training.
SAME_TRAINING = {
    "binary, tanh, two layers": ({"hidden_layer_sizes": (20, 10), "activation": "tanh", "batch_size": 64,
                                  "max_iter": 6}, {"hidden_layers": (20, 10), "hidden_activation": "tanh",
                                                   "batch_size": 64, "num_iterations": 6},
                                 X_digits_binary, y_digits_binary, None),
    "multiclass, L2, weights": ({"alpha": 0.01, "batch_size": 64, "max_iter": 20, "n_iter_no_change": np.inf},
                                {"alpha": 0.01, "batch_size": 64, "num_iterations": 20, "n_iter_no_change": np.inf},
                                X_digits_multi, y_digits_multi, WEIGHTS),
    "multilabel": ({"batch_size": 40, "max_iter": 6}, {"batch_size": 40, "num_iterations": 6}, X_labels, Y_labels,
                   None),
    "identity hidden layers": ({"activation": "identity", "batch_size": 64, "max_iter": 6},
                               {"hidden_activation": "identity", "batch_size": 64, "num_iterations": 6},
                               X_digits_multi, y_digits_multi, None),
    "sigmoid hidden layers": ({"activation": "logistic", "batch_size": 64, "max_iter": 6},
                              {"hidden_activation": "sigmoid", "batch_size": 64, "num_iterations": 6},
                              X_digits_multi, y_digits_multi, None),
    "gradient descent": ({"solver": "sgd", "momentum": 0.0, "learning_rate_init": 0.1, "batch_size": 32,
                          "max_iter": 5}, {"optimizer": "gd", "learning_rate": 0.1, "batch_size": 32,
                                           "num_iterations": 5}, X_digits_multi, y_digits_multi, None),
    "defaults, until the stopping rule": ({}, {}, X_digits_multi, y_digits_multi, None),
    "regression, one output": ({"batch_size": 64, "max_iter": 6}, {"batch_size": 64, "num_iterations": 6,
                                                                   "init": "glorot"}, X_reg, y_reg, None),
    "regression, two outputs": ({"batch_size": 64, "max_iter": 6, "n_iter_no_change": np.inf},
                                {"batch_size": 64, "num_iterations": 6, "init": "glorot", "n_iter_no_change": np.inf},
                                X_outputs, Y_outputs, None),
    "regression, early stopping": ({"batch_size": 64, "early_stopping": True, "validation_fraction": 0.121},
                                   {"batch_size": 64, "early_stopping": True, "validation_fraction": 0.121,
                                    "init": "glorot"}, X_reg, y_reg, None),  # 24.2 validation samples: 25
    "regression, early stopping, weights": ({"batch_size": 64, "early_stopping": True, "max_iter": 30},
                                            {"batch_size": 64, "early_stopping": True, "num_iterations": 30,
                                             "init": "glorot"}, X_reg, y_reg, 1.0 + WEIGHTS[:len(y_reg)]),
    "multilabel, early stopping": ({"batch_size": 40, "early_stopping": True, "validation_fraction": 0.2},
                                   {"batch_size": 40, "early_stopping": True, "validation_fraction": 0.2},
                                   X_labels, Y_labels, None),
    # scikit-learn's SGD, its schedules and shuffle=False (Adam ignores the schedules there and here).
    "sgd, Nesterov": ({"solver": "sgd", "learning_rate_init": 0.1, "batch_size": 32, "max_iter": 6},
                      {"optimizer": "sgd", "learning_rate": 0.1, "batch_size": 32, "num_iterations": 6},
                      X_digits_multi, y_digits_multi, None),
    "sgd, plain momentum, in order, L2": ({"solver": "sgd", "nesterovs_momentum": False, "shuffle": False,
                                           "alpha": 0.01, "momentum": 0.8, "learning_rate_init": 0.1,
                                           "batch_size": 32, "max_iter": 6},
                                          {"optimizer": "sgd", "nesterov": False, "shuffle": False, "alpha": 0.01,
                                           "beta": 0.8, "learning_rate": 0.1, "batch_size": 32, "num_iterations": 6},
                                          X_digits_multi, y_digits_multi, None),
    "sgd, invscaling, weights": ({"solver": "sgd", "learning_rate": "invscaling", "power_t": 0.3,
                                  "learning_rate_init": 0.5, "batch_size": 32, "max_iter": 6},
                                 {"optimizer": "sgd", "learning_rate_schedule": "invscaling", "power_t": 0.3,
                                  "learning_rate": 0.5, "batch_size": 32, "num_iterations": 6},
                                 X_digits_multi, y_digits_multi, WEIGHTS),
    "sgd, adaptive, until it stops": ({"solver": "sgd", "learning_rate": "adaptive", "learning_rate_init": 0.3,
                                       "batch_size": 64, "max_iter": 200, "n_iter_no_change": 2, "tol": 1e-2},
                                      {"optimizer": "sgd", "learning_rate_schedule": "adaptive", "learning_rate": 0.3,
                                       "batch_size": 64, "num_iterations": 200, "n_iter_no_change": 2, "tol": 1e-2},
                                      X_digits_multi, y_digits_multi, None),
    "adam, in order, invscaling ignored": ({"shuffle": False, "learning_rate": "invscaling", "batch_size": 32,
                                            "max_iter": 6},
                                           {"shuffle": False, "learning_rate_schedule": "invscaling", "batch_size": 32,
                                            "num_iterations": 6}, X_digits_multi, y_digits_multi, None),
    "regression, sgd, adaptive, early stopping": ({"solver": "sgd", "learning_rate": "adaptive",
                                                   "early_stopping": True, "learning_rate_init": 0.01,
                                                   "batch_size": 32, "max_iter": 300, "n_iter_no_change": 2},
                                                  {"optimizer": "sgd", "learning_rate_schedule": "adaptive",
                                                   "early_stopping": True, "learning_rate": 0.01, "batch_size": 32,
                                                   "num_iterations": 300, "n_iter_no_change": 2, "init": "glorot"},
                                                  X_reg, y_reg, None),
    "regression, sgd, invscaling, in order": ({"solver": "sgd", "learning_rate": "invscaling", "shuffle": False,
                                               "learning_rate_init": 0.01, "batch_size": 32, "max_iter": 20},
                                              {"optimizer": "sgd", "learning_rate_schedule": "invscaling",
                                               "shuffle": False, "learning_rate": 0.01, "batch_size": 32,
                                               "num_iterations": 20, "init": "glorot"}, X_reg, y_reg, None),
}


def peers(theirs, ours, y, seed=3):
    """``(scikit-learn's MLP, ours)`` with those settings, for targets ``y``."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    regression = np.asarray(y).dtype.kind == "f"
    mlp = (MLPRegressor if regression else MLPClassifier)(**theirs, random_state=seed)
    return mlp, (DeepNeuralNetworkRegressor if regression else DeepNeuralNetwork)(**ours, seed=seed)


def assert_same_parameters(mlp, model, rtol=1e-12):
    for l, (coef, intercept) in enumerate(zip(mlp.coefs_, mlp.intercepts_, strict=True), start=1):
        np.testing.assert_allclose(model.parameters_[f"W{l}"], coef.T, rtol=rtol, atol=1e-14)
        np.testing.assert_allclose(model.parameters_[f"b{l}"][:, 0], intercept, rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("case", SAME_TRAINING)
def test_fit_is_scikit_learns_step_for_step(case):
    """From the same seed, the estimators start from the same weights, visit the samples in the
    same order and take the same steps as scikit-learn's MLPs (Adam's epsilon is its epsilon-hat).
    Their costs agree but where documented: with several outputs ours is the sum of the outputs'
    squared errors (whose gradient both descend), theirs the mean; with weights and mini-batches
    ours is the epoch's weighted mean, theirs the mean of its batches' weighted means."""
    theirs, ours, X, y, weights = SAME_TRAINING[case]
    mlp, model = peers(theirs, ours, y)
    mlp.fit(X, y, sample_weight=weights)
    model.fit(X, y, sample_weight=weights)
    assert model.n_iter_ == mlp.n_iter_
    assert_same_parameters(mlp, model)
    if y is Y_outputs:  # k times theirs but for the L2 term (alpha 1e-4: a few parts in 1e10)
        np.testing.assert_allclose(model.costs_, np.asarray(mlp.loss_curve_) * Y_outputs.shape[1], rtol=1e-8)
    elif weights is None:
        np.testing.assert_allclose(model.costs_, mlp.loss_curve_, rtol=1e-12)


SCHEDULED_SGD = ({"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.1},
                 {"optimizer": "sgd", "learning_rate_schedule": "invscaling", "learning_rate": 0.1})


@pytest.mark.parametrize("optimizer", ["adam", "sgd, invscaling"])
@pytest.mark.parametrize("y", [y_digits_multi, y_reg], ids=["classifier", "regressor"])
def test_partial_fit_and_warm_start_are_scikit_learns_step_for_step(y, optimizer):
    """Each ``partial_fit`` shuffles with a new ``RandomState(seed)`` (after the initial weights'
    draws, on the first call), as scikit-learn's; so does each warm-started ``fit``. A partial fit
    keeps the optimiser (and the schedule's rate); a warm start makes a new one, and both count on
    the samples seen (``"invscaling"``'s ``t``)."""
    X = X_digits_multi if y is y_digits_multi else X_reg
    theirs, ours = SCHEDULED_SGD if optimizer != "adam" else ({}, {})
    theirs, ours = {**theirs, "batch_size": 64}, {**ours, "batch_size": 64}
    if y is y_reg:
        ours["init"] = "glorot"
    mlp, model = peers(theirs, ours, y)
    for _ in range(3):
        if y is y_reg:
            mlp.partial_fit(X, y)
            model.partial_fit(X, y)
        else:
            mlp.partial_fit(X, y, classes=np.unique(y))
            model.partial_fit(X, y, classes=np.unique(y))
    assert_same_parameters(mlp, model)
    mlp, model = peers({**theirs, "max_iter": 3, "warm_start": True}, {**ours, "num_iterations": 3,
                                                                       "warm_start": True}, y)
    for _ in range(2):
        mlp.fit(X, y)
        model.fit(X, y)
    assert_same_parameters(mlp, model)


# -- scikit-learn's fitted attributes ------------------------------------------------------------

ATTRIBUTE_CASES = {
    "binary": ({"batch_size": 64, "max_iter": 5}, {"batch_size": 64, "num_iterations": 5},
               X_digits_binary, y_digits_binary),
    "multiclass": ({"batch_size": 64, "max_iter": 5}, {"batch_size": 64, "num_iterations": 5},
                   X_digits_multi, y_digits_multi),
    "multilabel, early stopping": ({"batch_size": 40, "max_iter": 5, "early_stopping": True},
                                   {"batch_size": 40, "num_iterations": 5, "early_stopping": True}, X_labels,
                                   Y_labels),
    "regression, two outputs": ({"batch_size": 64, "max_iter": 5}, {"batch_size": 64, "num_iterations": 5,
                                                                     "init": "glorot"}, X_outputs, Y_outputs),
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("case", ATTRIBUTE_CASES)
def test_scikit_learns_attributes_mean_what_they_mean_there(case):
    """After the same training, ``coefs_``, ``intercepts_``, ``loss_``, ``best_loss_``,
    ``loss_curve_``, ``t_``, ``n_layers_``, ``n_outputs_`` and ``out_activation_`` are
    scikit-learn's (the regression losses of two outputs are twice theirs: see the module)."""
    theirs, ours, X, y = ATTRIBUTE_CASES[case]
    mlp, model = peers(theirs, ours, y)
    mlp.fit(X, y)
    model.fit(X, y)
    for ours_, theirs_ in zip(model.coefs_ + model.intercepts_, mlp.coefs_ + mlp.intercepts_, strict=True):
        assert ours_.shape == theirs_.shape
        np.testing.assert_allclose(ours_, theirs_, rtol=1e-12, atol=1e-14)
    k = Y_outputs.shape[1] if y is Y_outputs else 1
    np.testing.assert_allclose(model.loss_curve_, np.asarray(mlp.loss_curve_) * k, rtol=1e-8)
    assert model.loss_ == pytest.approx(mlp.loss_ * k, rel=1e-8)
    assert model.best_loss_ == (None if mlp.best_loss_ is None else pytest.approx(mlp.best_loss_ * k, rel=1e-8))
    for name in ("t_", "n_layers_", "n_outputs_", "out_activation_", "n_iter_"):
        assert getattr(model, name) == getattr(mlp, name), name


def test_coefs_and_intercepts_are_views_and_can_be_set():
    """They are views of ``parameters_`` (NumPy: writing into one writes the parameter), and
    assigning lists of scikit-learn's shapes replaces the parameters, which training goes on from."""
    model = DeepNeuralNetwork(hidden_layers=(2,), num_iterations=1, n_iter_no_change=None).fit(X_iris, y_iris)
    model.coefs_[0][0, 1] = 42.0
    assert model.parameters_["W1"][1, 0] == 42.0
    model.intercepts_[1][2] = -7.0
    assert model.parameters_["b2"][2, 0] == -7.0
    model.coefs_ = [np.ones((4, 2)), np.full((2, 3), 0.5)]
    model.intercepts_ = [np.zeros(2), [1.0, 2.0, 3.0]]
    np.testing.assert_array_equal(model.parameters_["W2"], np.full((3, 2), 0.5))
    np.testing.assert_array_equal(model.parameters_["b2"], [[1.0], [2.0], [3.0]])
    with pytest.raises(ValueError, match=r"layer 1: expected shape \(4, 2\), got \(2, 4\)"):
        model.coefs_ = [np.ones((2, 4)), np.full((2, 3), 0.5)]
    with pytest.raises(ValueError, match="expected 2 arrays, one per layer, got 1"):
        model.intercepts_ = [np.zeros(2)]
    assert not hasattr(DeepNeuralNetwork(), "coefs_") and not hasattr(DeepNeuralNetwork(), "t_")


def test_fit():
    """scikit-learn's worked example: one step of plain SGD (momentum 0) from weights set by hand,
    with logistic hidden units and alpha 0.1 (here the weights are set on a fitted network, then
    trained from with a new optimiser state)."""
    X, y = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    model = DeepNeuralNetwork(optimizer="sgd", learning_rate=0.1, alpha=0.1, hidden_activation="sigmoid", seed=1,
                              hidden_layers=(2,), beta=0.0, batch_size=None)
    model.partial_fit(X, y, classes=[0, 1])
    model.coefs_ = [np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0]]), np.array([[0.1], [0.2]])]
    model.intercepts_ = [np.array([0.1, 0.1]), np.array([1.0])]
    model.optimizer_state_ = dnn.OptimizerState()
    model.partial_fit(X, y)
    np.testing.assert_almost_equal(model.coefs_[0], np.array([[0.098, 0.195756], [0.2956664, 0.096008],
                                                              [0.4939998, -0.002244]]), decimal=3)
    np.testing.assert_almost_equal(model.coefs_[1], np.array([[0.04706], [0.154089]]), decimal=3)
    np.testing.assert_almost_equal(model.intercepts_[0], np.array([0.098333, 0.09626]), decimal=3)
    np.testing.assert_almost_equal(model.intercepts_[1], np.array(0.9235), decimal=3)
    assert model.predict_proba(X)[0, 1] == pytest.approx(0.739, abs=1e-3)


def test_feature_names_are_kept_and_checked_as_scikit_learn_does():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(X_iris, columns=["a", "b", "c", "d"])
    model = DeepNeuralNetwork(hidden_layers=(3,), num_iterations=2, n_iter_no_change=None).fit(X, y_iris)
    np.testing.assert_array_equal(model.feature_names_in_, ["a", "b", "c", "d"])
    assert model.feature_names_in_.dtype == object
    model.predict(X)  # the same names: no warning
    with pytest.warns(UserWarning, match="X does not have valid feature names, but DeepNeuralNetwork was fitted "
                                         "with feature names"):
        model.predict(X_iris)
    message = ("The feature names should match those that were passed during fit.\nFeature names unseen at fit "
               "time:\n- e\nFeature names seen at fit time, yet now missing:\n- d\n")
    with pytest.raises(ValueError, match=re.escape(message)):
        model.predict(X.rename(columns={"d": "e"}))
    with pytest.raises(ValueError, match="Feature names must be in the same order as they were in fit"):
        model.predict(X[["b", "a", "c", "d"]])
    with pytest.raises(TypeError, match="Feature names are only supported if all input features have string names"):
        model.predict(X.rename(columns={"d": 4}))
    array_model = DeepNeuralNetwork(hidden_layers=(3,), num_iterations=2, n_iter_no_change=None).fit(X_iris, y_iris)
    assert not hasattr(array_model, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but DeepNeuralNetwork was fitted without"):
        array_model.predict(X)
    model.fit(X_iris, y_iris)  # a new fit on an array forgets the names
    assert not hasattr(model, "feature_names_in_")


def test_feature_names_survive_save_and_load(tmp_path):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(X_reg[:, :3], columns=["x", "y", "z"])
    model = DeepNeuralNetworkRegressor(hidden_layers=(3,), num_iterations=2, n_iter_no_change=None).fit(X, y_reg)
    loaded = DeepNeuralNetworkRegressor.load(model.save(tmp_path / "model.npz"))
    np.testing.assert_array_equal(loaded.feature_names_in_, ["x", "y", "z"])
    assert loaded.t_ == model.t_ == 2 * len(y_reg)


# -- L-BFGS and sparse input ------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity"])
def test_lbfgs_classification(activation):
    """scikit-learn's ``test_lbfgs_classification``: above 0.95 on the 150 training samples."""
    for X, y in CLASSIFICATION:
        model = DeepNeuralNetwork(optimizer="lbfgs", hidden_layers=(50,), num_iterations=150, seed=1,
                                  hidden_activation=activation)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X[:150], y[:150])
        predicted = model.predict(X[150:])
        assert model.score(X[:150], y[:150]) > 0.95
        assert (predicted.shape[0], predicted.dtype.kind) == (X.shape[0] - 150, y.dtype.kind)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity"])
def test_lbfgs_regression(activation):
    """scikit-learn's ``test_lbfgs_regression``: R² above 0.98 (0.80 for a linear network)."""
    X, y = X_reg, y_reg
    model = DeepNeuralNetworkRegressor(optimizer="lbfgs", hidden_layers=(50,), num_iterations=200, tol=1e-3,
                                       seed=1, hidden_activation=activation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.score(X, y) > (0.80 if activation == "identity" else 0.98)


@pytest.mark.parametrize("estimator", [DeepNeuralNetwork, DeepNeuralNetworkRegressor])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity"])
def test_lbfgs_maxfun(estimator, activation):
    """scikit-learn's ``test_lbfgs_*_maxfun``: ``max_fun`` limits the iterations by itself."""
    X, y = (X_digits_binary, y_digits_binary) if estimator is DeepNeuralNetwork else (X_reg, y_reg)
    model = estimator(optimizer="lbfgs", hidden_layers=(50,), tol=0.0, num_iterations=150, max_fun=10, seed=1,
                      hidden_activation=activation)
    with pytest.warns(ConvergenceWarning, match="F,G EVALUATIONS EXCEEDS LIMIT"):
        model.fit(X, y)
    assert 10 >= model.n_iter_


def test_sparse_matrices():
    """scikit-learn's ``test_sparse_matrices``: the same predictions from sparse and dense input."""
    X, y = X_digits_binary[:50], y_digits_binary[:50]
    model = DeepNeuralNetwork(optimizer="lbfgs", hidden_layers=(15,), seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = model.fit(X, y).predict(X)
        second = model.fit(csr_matrix(X), y).predict(csr_matrix(X))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(model.predict(X), model.predict(csr_matrix(X)))
