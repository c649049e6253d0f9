"""Poisson regression: an exponential output layer (a log link) with half the Poisson deviance
``sum(y log(y / AL) - y + AL) / m`` as the cost, step by step, in training and in the regressor
(``loss="poisson"``, scikit-learn's ``MLPRegressor(loss="poisson")``), on the backend under test.
Its backward pass is checked by centred differences in ``tests/test_regression.py``."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetworkRegressor

LOSS = {"loss": "poisson"}


def network(layer_dims, seed=0):
    rng = np.random.RandomState(seed)
    return {key: value for l in range(1, len(layer_dims)) for key, value in (
        (f"W{l}", rng.randn(layer_dims[l], layer_dims[l - 1]) * 0.5), (f"b{l}", rng.randn(layer_dims[l], 1) * 0.1))}


def counts(m=40, k=1, seed=6):
    """``(X (3, m), Y (k, m))``: Poisson counts whose log rate is linear in X."""
    rng = np.random.RandomState(seed)
    X = rng.randn(3, m)
    rates = np.exp(np.vstack([0.4 * X[0] - 0.3 * X[1] + 0.5, 0.2 * X[2] + 1.0])[:k])
    return X, rng.poisson(rates).astype(np.float64)


def test_the_cost_by_hand(make, check):
    AL, Y = make([[1.0, 2.0, 0.5]]), make([[2.0, 0.0, 1.0]])
    by_hand = ((2 * math.log(2 / 1) - 2 + 1) + (0 - 0 + 2) + (1 * math.log(1 / 0.5) - 1 + 0.5)) / 3
    check(dnn.compute_cost(AL, Y, **LOSS), by_hand, atol=1e-15)  # 0 log 0 = 0
    two = make([[1.0, 3.0], [2.0, 1.0]])
    expected = ((1 * math.log(1) - 1 + 1) + (4 * math.log(4 / 3) - 4 + 3) + (0 + 2) + (3 * math.log(3) - 3 + 1)) / 2
    check(dnn.compute_cost(two, make([[1.0, 4.0], [0.0, 3.0]]), **LOSS), expected, atol=1e-14)  # summed over k


def test_the_output_layer_is_the_exponential(make, check):
    host = network([3, 4, 2], seed=1)
    X = np.random.RandomState(2).randn(3, 5)
    AL, _ = dnn.L_model_forward(make(X), {key: make(value) for key, value in host.items()}, **LOSS)
    hidden = np.maximum(host["W1"] @ X + host["b1"], 0.0)
    check(AL, np.exp(host["W2"] @ hidden + host["b2"]), atol=1e-12)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_training_equals_the_step_by_step_functions(optimizer, make, check, backend_kwargs, float_dtypes):
    dtype = float_dtypes[-1]
    host_X, host_Y = counts(40, 2)
    X, Y = make(host_X, dtype), make(host_Y, dtype)
    start = dnn.initialize_parameters_deep([3, 6, 2], seed=1, init="he", dtype=dtype, **backend_kwargs)
    parameters, v, s, t, expected_costs = dict(start), *dnn.initialize_adam(start), 0, []
    for epoch in range(3):
        total = 0.0
        for Xb, Yb in dnn.random_mini_batches(X, Y, 16, epoch + 1):
            AL, caches = dnn.L_model_forward(Xb, parameters, **LOSS)
            total += float(dnn.compute_cost(AL, Yb, **LOSS)) * Xb.shape[1]
            grads = dnn.L_model_backward(AL, Yb, caches, **LOSS)
            if optimizer == "adam":
                t += 1
                parameters, v, s, _, _ = dnn.update_parameters_with_adam(parameters, grads, v, s, t, 0.01)
            else:
                parameters, v = dnn.update_parameters_with_sgd(parameters, grads, v, 0.9, 0.01)
        expected_costs.append(total / 40)
    trained, costs = dnn.train(X, Y, start, num_epochs=3, record_every=1, optimizer=optimizer, learning_rate=0.01,
                               mini_batch_size=16, **LOSS)
    tolerance = {"rtol": 1e-8, "atol": 1e-11} if dtype == "float64" else {"rtol": 2e-4, "atol": 2e-5}
    for key in parameters:
        check(trained[key], dnn.to_numpy(parameters[key]), dtype=dtype, **tolerance)
    np.testing.assert_allclose(costs, expected_costs, **tolerance)


def test_negative_targets_are_refused(make, backend_kwargs):
    X, Y = counts(10)
    start = dnn.initialize_parameters_deep([3, 2, 1], seed=1, **backend_kwargs)
    with pytest.raises(ValueError, match=r"^Y: Poisson regression needs non-negative targets \(counts, rates\)$"):
        dnn.train(make(X), make(Y - 5.0), start, learning_rate=0.1, num_iterations=1, **LOSS)
    with pytest.raises(ValueError, match=r"y: loss='poisson' needs non-negative targets \(counts, rates\), got a "
                                         r"minimum of -1$"):
        DeepNeuralNetworkRegressor(loss="poisson").fit(X.T, np.r_[-1.0, Y[0, 1:]])
    with pytest.raises(ValueError, match=r"loss: expected one of \['squared_error', 'poisson'\], got 'huber'"):
        DeepNeuralNetworkRegressor(loss="huber").fit(X.T, Y[0])


def test_the_regressor_takes_mlpregressors_steps():
    """From the same seed (Glorot's weights), ``MLPRegressor(loss="poisson")``'s steps exactly, with
    Adam and with SGD; the output activation is ``"exp"`` and the losses are the same."""
    neural = pytest.importorskip("sklearn.neural_network")
    X, Y = counts(200, seed=0)
    for theirs, ours in (({}, {}), ({"solver": "sgd", "learning_rate_init": 0.01}, {"optimizer": "sgd",
                                                                                    "learning_rate": 0.01})):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mlp = neural.MLPRegressor(loss="poisson", random_state=3, batch_size=32, max_iter=8, **theirs)
            mlp.fit(X.T, Y[0])
            model = DeepNeuralNetworkRegressor(loss="poisson", seed=3, init="glorot", batch_size=32,
                                               num_iterations=8, **ours).fit(X.T, Y[0])
        for ours_, theirs_ in zip(model.coefs_ + model.intercepts_, mlp.coefs_ + mlp.intercepts_, strict=True):
            np.testing.assert_allclose(ours_, theirs_, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(model.loss_curve_, mlp.loss_curve_, rtol=1e-10)
        assert model.out_activation_ == mlp.out_activation_ == "exp"
        np.testing.assert_allclose(model.predict(X.T), mlp.predict(X.T), rtol=1e-12)


def test_mlp_vs_poisson_glm_equivalent():
    """scikit-learn's test: with one identity hidden unit and no L2, the network is a Poisson GLM
    and predicts as ``PoissonRegressor`` (here trained by full-batch Adam to the optimum: the
    test's L-BFGS is not needed for it); with the squared error it does not."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    n = 100
    X = np.linspace(0, 1, n)
    y = np.random.default_rng(0).poisson(np.exp(X + 1))
    X = X.reshape(n, -1)
    glm = linear_model.PoissonRegressor(alpha=0, tol=1e-7).fit(X, y)
    settings = {"hidden_layers": (1,), "hidden_activation": "identity", "alpha": 0.0, "batch_size": None,
                "learning_rate": 0.05, "num_iterations": 5000, "n_iter_no_change": None, "seed": 1}
    model = DeepNeuralNetworkRegressor(loss="poisson", **settings).fit(X, y)
    np.testing.assert_allclose(model.predict(X), glm.predict(X), rtol=1e-4)
    squared = DeepNeuralNetworkRegressor(loss="squared_error", **settings).fit(X, y)
    assert not np.allclose(squared.predict(X), glm.predict(X), rtol=1e-4)


def test_a_saved_poisson_model_predicts_as_before(tmp_path):
    X, Y = counts(60)
    model = DeepNeuralNetworkRegressor(loss="poisson", hidden_layers=(5,), num_iterations=20, n_iter_no_change=None)
    model.fit(X.T, Y[0])
    loaded = DeepNeuralNetworkRegressor.load(model.save(tmp_path / "model.npz"))
    assert loaded.out_activation_ == "exp" and loaded.loss == "poisson"
    np.testing.assert_array_equal(loaded.predict(X.T), model.predict(X.T))
    assert (model.predict(X.T) > 0).all()
