"""Sample weights: each step descends the weighted mean cost ``sum_i w_i cost_i / sum_i w_i`` (the L2
term over the batch's total weight), so integer weights train as repeated examples would, scaled
weights as the weights themselves, zero weights as removed examples; checked on the backend under
test through :func:`train` and through both estimators."""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn._engine.stopping import r2_kernel


def data(loss, m=15, n=4, seed=0):
    """``(X (n, m), Y, output units)`` for ``loss``: binary labels, three classes, real values, or
    two labels each."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, m)
    if loss == "squared_error":
        return X, rng.randn(2, m), 2
    if loss == "binary_cross_entropy":
        return X, (rng.rand(2, m) > 0.5).astype(float), 2
    if loss == "softmax":
        return X, np.arange(m) % 3, 3
    return X, (np.arange(m) % 2).astype(float), 1


def repeated(X, Y, counts):
    return np.repeat(X, counts, axis=1), np.repeat(Y, counts, axis=-1)


def placed(make, parameters):
    return {key: make(value) for key, value in parameters.items()}


def fit(make, X, Y, units, loss, *, sample_weight=None, **settings):
    parameters = dnn.initialize_parameters_deep([X.shape[0], 5, units], seed=1)
    keywords = {"learning_rate": 0.1, "num_iterations": 12, "record_every": 1, "seed": 3,
                "loss": "cross_entropy" if loss == "softmax" else loss, **settings}
    # On the backend under test; host weights are taken too (strings only there).
    weights = sample_weight if sample_weight is None or sample_weight.dtype.kind == "U" else make(sample_weight)
    trained, costs = dnn.train(make(X), make(Y), placed(make, parameters), sample_weight=weights, **keywords)
    return {key: dnn.to_numpy(value) for key, value in trained.items()}, np.asarray(costs)


@pytest.fixture
def rtol(float_dtypes):
    """How closely two float64 trainings agree, or float32 ones (JAX's default)."""
    return 1e-9 if "float64" in float_dtypes else 1e-4


def assert_same_training(first, second, rtol):
    (trained, costs), (expected, expected_costs) = first, second
    np.testing.assert_allclose(costs, expected_costs, rtol=rtol)
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key], value, rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.parametrize("loss", ["cross_entropy", "softmax", "squared_error", "binary_cross_entropy"])
@pytest.mark.parametrize(("optimizer", "lambd"), [("gd", 0.0), ("gd", 0.7), ("momentum", 0.3), ("adam", 0.0)])
def test_integer_weights_train_as_repeated_examples(loss, optimizer, lambd, make, rtol):
    X, Y, units = data(loss)
    counts = np.random.RandomState(1).randint(0, 4, X.shape[1])
    settings = {"optimizer": optimizer, "lambd": lambd}
    weighted = fit(make, X, Y, units, loss, sample_weight=counts, **settings)
    assert_same_training(weighted, fit(make, *repeated(X, Y, counts), units, loss, **settings), rtol=rtol)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_weights_of_one_and_scaled_weights(optimizer, make, rtol):
    X, Y, units = data("softmax", m=40)
    settings = {"optimizer": optimizer, "mini_batch_size": 8, "lambd": 0.2}
    unweighted = fit(make, X, Y, units, "softmax", **settings)
    assert_same_training(fit(make, X, Y, units, "softmax", sample_weight=np.ones(40), **settings), unweighted,
                         rtol=rtol / 1000 if rtol < 1e-6 else 1e-5)
    weights = np.random.RandomState(4).rand(40) + 0.1
    # With the L2 term the scale matters (lambd over the total weight); without it, it does not.
    settings["lambd"] = 0.0
    assert_same_training(fit(make, X, Y, units, "softmax", sample_weight=weights * 7.5, **settings),
                         fit(make, X, Y, units, "softmax", sample_weight=weights, **settings), rtol=rtol)
    assert not np.allclose(fit(make, X, Y, units, "softmax", sample_weight=weights, **settings)[1], unweighted[1])


@pytest.mark.parametrize("loss", ["cross_entropy", "softmax", "squared_error"])
def test_float32_weighted_training_stays_float32(loss, make):
    X, Y, units = data(loss, m=24)
    parameters = {key: make(value, "float32") for key, value in
                  dnn.initialize_parameters_deep([X.shape[0], 5, units], seed=1).items()}
    targets = make(Y, None) if Y.dtype.kind == "i" else make(Y, "float32")
    trained, costs = dnn.train(make(X, "float32"), targets, parameters, learning_rate=0.05, num_epochs=2,
                               mini_batch_size=8, loss="cross_entropy" if loss == "softmax" else loss,
                               sample_weight=make(np.linspace(0.5, 1.5, 24), "float32"))
    assert {str(value.dtype).split(".")[-1] for value in trained.values()} == {"float32"} and len(costs) == 1


def test_a_weighted_step_by_hand(make, rtol):
    """One full-batch gradient-descent step on a one-layer sigmoid network: W -= lr * (sum_i w_i (a_i -
    y_i) x_i / sum_i w_i + lambd W / sum_i w_i), and the recorded cost is the weighted mean."""
    X, y = np.array([[1.0, -2.0, 0.5]]), np.array([1.0, 0.0, 1.0])
    w = np.array([2.0, 0.5, 1.5])
    W, b = np.array([[0.3]]), np.array([[-0.1]])
    a = 1.0 / (1.0 + np.exp(-(W @ X + b)))
    step = (a - y) * w / w.sum()
    lr, lambd = 0.5, 0.4
    cost = -np.sum(w * (y * np.log(a) + (1 - y) * np.log(1 - a))) / w.sum() + lambd / (2 * w.sum()) * 0.09
    trained, costs = dnn.train(make(X), make(y), {"W1": make(W), "b1": make(b)}, learning_rate=lr,
                               num_iterations=1, lambd=lambd, sample_weight=make(w))
    np.testing.assert_allclose(dnn.to_numpy(trained["W1"]), W - lr * (step @ X.T + lambd * W / w.sum()), rtol=rtol)
    np.testing.assert_allclose(dnn.to_numpy(trained["b1"]), b - lr * step.sum(), rtol=rtol)
    np.testing.assert_allclose(costs, [cost], rtol=rtol)


def test_the_validation_score_is_weighted(make):
    X, Y, _ = data("softmax", m=60)
    X_val, Y_val, _ = data("softmax", m=30, seed=5)
    w_val = np.random.RandomState(6).rand(30)
    scores = []
    trained, _ = dnn.train(make(X), make(Y), placed(make, dnn.initialize_parameters_deep([4, 5, 3], seed=1)),
                           learning_rate=0.1, num_epochs=1, n_iter_no_change=float("inf"),
                           validation_data=(make(X_val), make(Y_val), make(w_val)),
                           on_score=lambda epoch, score: scores.append(score))
    predicted = np.argmax(dnn.to_numpy(dnn.L_model_forward(make(X_val), trained)[0]), axis=0)
    assert scores == pytest.approx([np.average(predicted == Y_val, weights=w_val)], rel=1e-6)
    assert scores != pytest.approx([np.mean(predicted == Y_val)], rel=1e-6)


def test_weighted_r2_is_scikit_learns():
    metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is not installed")
    rng = np.random.RandomState(0)
    T, AL, w = rng.randn(2, 9), rng.randn(2, 9), rng.rand(9)
    assert float(r2_kernel(np, AL, T, w.reshape(1, 9))) == pytest.approx(
        metrics.r2_score(T.T, AL.T, sample_weight=w), rel=1e-12)
    assert float(r2_kernel(np, AL, T)) == pytest.approx(metrics.r2_score(T.T, AL.T), rel=1e-12)


@pytest.mark.parametrize(("weights", "error", "message"), [
    (np.ones(14), ValueError, r"sample_weight: expected shape \(15,\)"),
    (np.ones((15, 1)), ValueError, r"sample_weight: expected shape \(15,\)"),
    (-np.ones(15), ValueError, "finite, non-negative"),
    (np.full(15, np.nan), ValueError, "finite, non-negative"),
    (np.zeros(15), ValueError, "positive total weight"),
    (np.array(["a"] * 15), TypeError, "expected real numbers"),
])
def test_bad_weights_are_refused_by_name(weights, error, message, make):
    X, Y, units = data("cross_entropy")
    with pytest.raises(error, match=message):
        fit(make, X, Y, units, "cross_entropy", sample_weight=weights)


@pytest.mark.parametrize("estimator", [dnn.DeepNeuralNetwork, dnn.DeepNeuralNetworkRegressor])
def test_the_estimators_weigh_samples(estimator, make, rtol):
    rng = np.random.RandomState(2)
    X = rng.randn(40, 3)
    y = (X[:, 0] > 0).astype(float) if estimator is dnn.DeepNeuralNetwork else X @ [1.0, -2.0, 0.5]
    counts = rng.randint(0, 3, 40)
    settings = {"hidden_layers": (6,), "num_iterations": 30, "learning_rate": 0.01, "n_iter_no_change": None}

    def predictions(model):
        return dnn.to_numpy(model.predict_proba(make(X)) if hasattr(model, "predict_proba") else model.predict(make(X)))

    weighted = estimator(**settings).fit(make(X), make(y), sample_weight=make(counts))
    repeats = estimator(**settings).fit(make(np.repeat(X, counts, axis=0)), make(np.repeat(y, counts)))
    np.testing.assert_allclose(predictions(weighted), predictions(repeats), rtol=rtol * 100)
    assert weighted.score(make(X), make(y), sample_weight=counts) == pytest.approx(
        repeats.score(make(np.repeat(X, counts, axis=0)), make(np.repeat(y, counts))), rel=rtol * 100)
    # Partial fit takes them too, and zero weights leave an epoch as if those samples were not there.
    one, two = estimator(**settings), estimator(**settings)
    extra = {"classes": [0.0, 1.0]} if estimator is dnn.DeepNeuralNetwork else {}
    one.partial_fit(make(X), make(y), sample_weight=make((counts > 0) * 1.0), **extra)
    two.partial_fit(make(X[counts > 0]), make(y[counts > 0]), **extra)
    np.testing.assert_allclose(predictions(one), predictions(two), rtol=rtol * 100)


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")
def test_early_stopping_holds_out_weighted_samples():
    rng = np.random.RandomState(3)
    X = rng.randn(200, 3)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    weights = rng.rand(200)
    weights[:50] = 0.0
    model = dnn.DeepNeuralNetwork(hidden_layers=(6,), early_stopping=True, num_iterations=5, n_iter_no_change=2,
                                  learning_rate=0.01)
    model.fit(X, y, sample_weight=weights)
    assert model.validation_scores_ and all(0.0 <= score <= 1.0 for score in model.validation_scores_)
    with pytest.raises(ValueError, match="positive total weight"):
        model.fit(X, y, sample_weight=np.zeros(200))


def test_streamed_weights_train_as_in_memory():
    da = pytest.importorskip("dask.array", reason="Dask is not installed")
    X, Y, _ = data("softmax", m=90)
    weights = np.random.RandomState(7).rand(90) * 3
    settings = {"learning_rate": 0.1, "num_epochs": 3, "mini_batch_size": 16, "seed": 2, "record_every": 1,
                "optimizer": "adam", "lambd": 0.1}
    start = dnn.initialize_parameters_deep([4, 5, 3], seed=1)
    expected, expected_costs = dnn.train(X, Y, start, sample_weight=weights, **settings)
    trained, costs = dnn.train(da.from_array(X, chunks=(4, 90)), da.from_array(Y, chunks=90),
                               {key: da.from_array(value) for key, value in start.items()},
                               sample_weight=da.from_array(weights, chunks=90), **settings)
    np.testing.assert_allclose(costs, expected_costs, rtol=1e-12)
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key].compute(), value, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="sample_weight: its chunks"):
        dnn.train(da.from_array(X, chunks=(4, 45)), da.from_array(Y, chunks=45),
                  {key: da.from_array(value) for key, value in start.items()},
                  sample_weight=da.from_array(weights, chunks=30), **settings)


def test_validation_weights_are_checked_by_name(make):
    X, Y, _ = data("softmax", m=30)
    start = placed(make, dnn.initialize_parameters_deep([4, 5, 3], seed=1))
    for weights, message in ((np.zeros(30), "validation_data sample_weight_val: expected a positive total weight"),
                             (-np.ones(30), "validation_data sample_weight_val: expected finite, non-negative")):
        with pytest.raises(ValueError, match=message):
            dnn.train(make(X), make(Y), start, learning_rate=0.1, num_epochs=1, n_iter_no_change=2,
                      validation_data=(make(X), make(Y), make(weights)))
