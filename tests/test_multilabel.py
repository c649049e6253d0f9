"""Multilabel classification: k sigmoid output units, each with its binary cross-entropy, summed;
step by step on the backend under test, and DeepNeuralNetwork on an indicator matrix y."""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetwork

LOSS = {"loss": "binary_cross_entropy"}


def test_the_cost_by_hand(make, check):
    AL, Y = make([[0.9, 0.2], [0.4, 0.7]]), make([[1.0, 0.0], [0.0, 1.0]])
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.6) + np.log(0.7)) / 2
    check(dnn.compute_cost(AL, Y, **LOSS), expected, atol=1e-12)


def test_the_backward_pass_matches_finite_differences(make, float_dtypes):
    if "float64" not in float_dtypes:
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")
    rng = np.random.RandomState(3)
    parameters = {key: make(value) for key, value in dnn.initialize_parameters_deep([4, 5, 3], seed=2).items()}
    X, Y = make(rng.randn(4, 7)), make((rng.rand(3, 7) > 0.5).astype(float))
    AL, caches = dnn.L_model_forward(X, parameters, hidden_activation="tanh", **LOSS)
    assert float(dnn.to_numpy(AL).min()) > 0 and float(dnn.to_numpy(AL).max()) < 1  # sigmoids, not a softmax
    assert not np.allclose(dnn.to_numpy(AL).sum(axis=0), 1.0)
    grads = dnn.L_model_backward(AL, Y, caches, hidden_activation="tanh", lambd=0.2, **LOSS)
    assert dnn.gradient_check_n(parameters, grads, X, Y, hidden_activation="tanh", lambd=0.2, **LOSS) < 1e-7
    broken = dict(grads, db2=grads["db2"] * 1.001)
    assert dnn.gradient_check_n(parameters, broken, X, Y, hidden_activation="tanh", lambd=0.2, **LOSS) > 1e-6


def indicator(m=120, seed=0):
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    return sklearn_datasets.make_multilabel_classification(n_samples=m, n_classes=4, random_state=seed)


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")
def test_the_classifier_learns_an_indicator_matrix(tmp_path):
    X, Y = indicator()
    model = DeepNeuralNetwork(hidden_layers=(50,), alpha=1e-5, learning_rate=0.01, num_iterations=300).fit(X, Y)
    assert model.multilabel_ and model.classes_.tolist() == [0, 1, 2, 3] and model.layer_dims_[-1] == 4
    predicted, probabilities = model.predict(X), model.predict_proba(X)
    assert predicted.shape == Y.shape and predicted.dtype.kind == "i" and set(np.unique(predicted)) <= {0, 1}
    assert probabilities.shape == Y.shape and np.all((probabilities >= 0) & (probabilities <= 1))
    np.testing.assert_array_equal(predicted, (probabilities > 0.5).astype(int))
    assert model.score(X, Y) == np.mean(np.all(predicted == Y, axis=1)) and model.score(X, Y) > 0.9  # subset accuracy
    loaded = DeepNeuralNetwork.load(model.save(tmp_path / "multilabel.npz"))
    np.testing.assert_array_equal(loaded.predict(X), predicted)


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")
def test_partial_fit_and_early_stopping_on_an_indicator_matrix():
    X, Y = indicator(m=200, seed=1)
    model = DeepNeuralNetwork(hidden_layers=(20,), learning_rate=0.01)
    for _ in range(3):
        model.partial_fit(X, Y, classes=[0, 1, 2, 3])
    assert model.n_iter_ == 3 and model.costs_[-1] < model.costs_[0]
    with pytest.raises(ValueError, match="partial_fit: y must have the same multilabel columns"):
        model.partial_fit(X, Y[:, 0])
    stopped = DeepNeuralNetwork(hidden_layers=(20,), learning_rate=0.01, early_stopping=True,
                                num_iterations=20).fit(X, Y)
    assert len(stopped.validation_scores_) == stopped.n_iter_  # subset accuracies of the held-out examples
    assert all(abs(score * 20 - round(score * 20)) < 1e-9 for score in stopped.validation_scores_)


def test_scores_are_subset_accuracies_where_they_differ_from_any_label_right(make):
    """After one epoch few examples have every label right, most have some: the validation score and
    ``score`` count the first (scikit-learn's subset accuracy)."""
    X, Y = indicator(m=120, seed=2)
    parameters = {key: make(value) for key, value in dnn.initialize_parameters_deep([20, 8, 4], seed=3).items()}
    scores = []
    trained, _ = dnn.train(make(X.T), make(Y.T.astype(float)), parameters, learning_rate=0.01, num_epochs=1,
                           n_iter_no_change=5, validation_data=(make(X.T), make(Y.T.astype(float))),
                           on_score=lambda epoch, score: scores.append(score), **LOSS)
    AL, _ = dnn.L_model_forward(make(X.T), trained, **LOSS)
    predicted = dnn.to_numpy(AL).T > 0.5
    subset, any_right = np.all(predicted == Y, axis=1).mean(), np.any(predicted == Y, axis=1).mean()
    assert subset + 0.3 < any_right and scores == [pytest.approx(subset, abs=1e-6)]  # float32's rounding too
    model = DeepNeuralNetwork(hidden_layers=(8,), num_iterations=1, n_iter_no_change=None).fit(make(X), make(Y))
    labels = dnn.to_numpy(model.predict(make(X)))
    assert model.score(make(X), make(Y)) == pytest.approx(np.all(labels == Y, axis=1).mean(), abs=1e-12)
    assert np.all(labels == Y, axis=1).mean() + 0.3 < np.any(labels == Y, axis=1).mean()


def test_a_single_0_1_column_is_binary_not_multilabel(make):
    X, Y = indicator(m=60)
    column = Y[:, :1]  # (m, 1) of 0 and 1
    warning = pytest.importorskip("sklearn.exceptions").DataConversionWarning
    with pytest.warns(warning, match="A column-vector y was passed when a 1d array was expected"):
        model = DeepNeuralNetwork(hidden_layers=(4,), num_iterations=2, n_iter_no_change=None).fit(make(X),
                                                                                                   make(column))
    assert not model.multilabel_ and model.classes_.tolist() == [0, 1] and model.layer_dims_[-1] == 1
    assert model.predict(make(X)).shape == (60,)
