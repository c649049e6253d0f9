"""The classifier's ``class_weight`` (multiplied into the sample weights, as ``LogisticRegression``
defines it) and an explicit early-stopping set (``fit(..., X_val=, y_val=, sample_weight_val=)``, as
``HistGradientBoostingClassifier`` takes it), on the backend under test."""

from __future__ import annotations

import re

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor

#: Full-batch Adam, every epoch, no stopping rule: two fits agree to rounding where their weights do.
EXACT = {"hidden_layers": (6,), "batch_size": None, "num_iterations": 15, "n_iter_no_change": None,
         "learning_rate": 0.05, "early_stopping": False, "seed": 2}


def imbalanced(m=90, seed=0):
    """Three features, three classes of 60, 20 and 10 samples."""
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1, 2], [m * 2 // 3, m * 2 // 9, m - m * 2 // 3 - m * 2 // 9])
    X = rng.randn(m, 3) + y[:, None] * 0.8
    return X, y


def assert_same_parameters(first, second, rtol=1e-9):
    for key in first.parameters_:
        np.testing.assert_allclose(dnn.to_numpy(first.parameters_[key]), dnn.to_numpy(second.parameters_[key]),
                                   rtol=rtol, atol=1e-12)


def test_balanced_weights_are_n_samples_over_n_classes_times_the_counts(make):
    X, y = imbalanced()
    balanced = DeepNeuralNetwork(**EXACT, class_weight="balanced").fit(make(X), make(y, None))
    by_hand = 90 / (3 * np.array([60.0, 20.0, 10.0]))  # 0.5, 1.5, 3.0
    weighted = DeepNeuralNetwork(**EXACT).fit(make(X), make(y, None), sample_weight=by_hand[y])
    assert_same_parameters(balanced, weighted)
    plain = DeepNeuralNetwork(**EXACT).fit(make(X), make(y, None))
    assert not np.allclose(dnn.to_numpy(plain.parameters_["W1"]), dnn.to_numpy(balanced.parameters_["W1"]))


def test_a_dict_of_class_weights_multiplies_the_sample_weights(make):
    X, y = imbalanced()
    labels = np.array(["a", "b", "c"])[y]
    sample_weight = np.linspace(0.5, 1.5, 90)
    model = DeepNeuralNetwork(**EXACT, class_weight={"a": 1.0, "c": 4.0}).fit(make(X), labels,
                                                                              sample_weight=sample_weight)
    expected = DeepNeuralNetwork(**EXACT).fit(make(X), labels, sample_weight=sample_weight * np.array([1, 1, 4])[y])
    assert_same_parameters(model, expected)


def test_class_weights_are_scikit_learns():
    utils = pytest.importorskip("sklearn.utils.class_weight")
    X, y = imbalanced()
    for class_weight in ("balanced", {0: 2.0, 2: 0.25}):
        theirs = utils.compute_class_weight(class_weight, classes=np.unique(y), y=y)
        model = DeepNeuralNetwork(**EXACT, class_weight=class_weight).fit(X, y)
        assert_same_parameters(model, DeepNeuralNetwork(**EXACT).fit(X, y, sample_weight=theirs[y]))


def test_bad_class_weights_are_refused():
    X, y = imbalanced()
    with pytest.raises(ValueError, match=re.escape("The classes, [1, 2], are not in class_weight")):
        DeepNeuralNetwork(**EXACT, class_weight={0: 1.0, 7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight: expected None, 'balanced' or a dict, got 'auto'"):
        DeepNeuralNetwork(**EXACT, class_weight="auto").fit(X, y)
    with pytest.raises(TypeError, match="class_weight: expected None, 'balanced' or a dict, got list"):
        DeepNeuralNetwork(**EXACT, class_weight=[1, 2, 3]).fit(X, y)
    with pytest.raises(ValueError, match="class_weight: expected finite, non-negative weights"):
        DeepNeuralNetwork(**EXACT, class_weight={0: -1.0, 1: 1.0, 2: 1.0}).fit(X, y)
    indicator = np.stack([y == 0, y == 1], axis=1).astype(int)
    with pytest.raises(ValueError, match=r"class_weight: a multilabel y takes None or 'balanced', got \{0: 2.0\}"):
        DeepNeuralNetwork(**EXACT, class_weight={0: 2.0}).fit(X, indicator)
    assert "class_weight" in DeepNeuralNetwork().get_params()
    assert "class_weight" not in DeepNeuralNetworkRegressor().get_params()


def test_balanced_weights_count_the_samples_by_their_weight_and_each_label_of_a_multilabel_y():
    """As scikit-learn's ``compute_class_weight(..., sample_weight=)`` and, for an indicator
    matrix, ``compute_sample_weight``: the product of each label's balanced weights."""
    X, y = imbalanced()
    sample_weight = np.linspace(0.2, 2.0, 90)
    counts = np.bincount(y, weights=sample_weight)
    by_hand = counts.sum() / (3 * counts)
    model = DeepNeuralNetwork(**EXACT, class_weight="balanced").fit(X, y, sample_weight=sample_weight)
    assert_same_parameters(model, DeepNeuralNetwork(**EXACT).fit(X, y, sample_weight=sample_weight * by_hand[y]))
    indicator = np.stack([y == 0, y == 2], axis=1).astype(int)
    per_label = [90 / (2 * np.bincount(column))[column] for column in indicator.T]
    model = DeepNeuralNetwork(**EXACT, class_weight="balanced").fit(X, indicator)
    expected = DeepNeuralNetwork(**EXACT).fit(X, indicator, sample_weight=per_label[0] * per_label[1])
    assert_same_parameters(model, expected)
    utils = pytest.importorskip("sklearn.utils.class_weight")
    np.testing.assert_allclose(per_label[0] * per_label[1], utils.compute_sample_weight("balanced", indicator))
    np.testing.assert_allclose(by_hand, utils.compute_class_weight("balanced", classes=np.arange(3), y=y,
                                                                   sample_weight=sample_weight))


def test_partial_fit_weighs_each_call_by_its_own_class_counts():
    X, y = imbalanced()
    model = DeepNeuralNetwork(class_weight="balanced", hidden_layers=(4,), seed=0)
    model.partial_fit(X[:60], y[:60], classes=[0, 1, 2])  # class 0 alone: weight 1
    expected = DeepNeuralNetwork(hidden_layers=(4,), seed=0).partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    assert_same_parameters(model, expected)
    model.partial_fit(X[60:], y[60:])  # classes 1 and 2, 20 and 10: 0.75 and 1.5
    expected.partial_fit(X[60:], y[60:], sample_weight=np.array([1.0, 0.75, 1.5])[y[60:]])
    assert_same_parameters(model, expected)


def test_an_explicit_validation_set_is_what_early_stopping_scores(make):
    X, y = imbalanced(120, seed=1)
    X_val, y_val = imbalanced(60, seed=2)
    model = DeepNeuralNetwork(hidden_layers=(6,), num_iterations=40, n_iter_no_change=5, seed=0, early_stopping=True)
    model.fit(make(X), make(y, None), X_val=make(X_val), y_val=make(y_val, None))
    assert model.t_ == 120 * model.n_iter_  # every training sample trained on: none held out of X
    assert len(model.validation_scores_) == model.n_iter_
    # equal to float32's rounding, where the device computes in float32 (JAX's default)
    assert model.best_validation_score_ == pytest.approx(model.score(make(X_val), make(y_val, None)), abs=1e-6)
    weights = np.where(y_val == 0, 0.0, 1.0)  # the score counts classes 1 and 2 alone
    model.fit(make(X), make(y, None), X_val=make(X_val), y_val=make(y_val, None), sample_weight_val=weights)
    assert model.best_validation_score_ == pytest.approx(
        model.score(make(X_val), make(y_val, None), sample_weight=weights), abs=1e-6)
    regressor = DeepNeuralNetworkRegressor(hidden_layers=(6,), num_iterations=500, learning_rate=0.05, seed=0,
                                           n_iter_no_change=3)  # early stopping "auto": on with X_val
    regressor.fit(make(X), make(y * 1.0), X_val=make(X_val), y_val=make(y_val * 1.0))
    assert regressor.best_validation_score_ == pytest.approx(regressor.score(make(X_val), make(y_val * 1.0)),
                                                             abs=1e-6)


def test_a_bad_validation_set_is_named():
    X, y = imbalanced()
    model = DeepNeuralNetwork(hidden_layers=(4,), num_iterations=2, early_stopping=True)
    with pytest.raises(ValueError, match="X_val and y_val: give both"):
        model.fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="sample_weight_val: given without X_val and y_val"):
        model.fit(X, y, sample_weight_val=np.ones(90))
    with pytest.raises(ValueError, match="X_val and y_val are passed to fit while at the same time early_stopping "
                                         "is False"):
        DeepNeuralNetwork(early_stopping=False).fit(X, y, X_val=X, y_val=y)
    with pytest.raises(ValueError, match=r"X_val: expected 3 features as X has, got 2"):
        model.fit(X, y, X_val=X[:, :2], y_val=y)
    with pytest.raises(ValueError, match=r"labels \[5\] are not in classes \[0, 1, 2\]"):
        model.fit(X, y, X_val=X[:3], y_val=[0, 1, 5])
    with pytest.raises(ValueError, match="Input X_val contains NaN"):
        model.fit(X, y, X_val=np.full((3, 3), np.nan), y_val=[0, 1, 2])
