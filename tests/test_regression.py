"""Regression step by step and in training: an identity output layer with the squared-error cost
``sum((AL - Y)**2) / (2 m)``, checked by hand-worked values and centred differences and composed
by hand against the training path, on the backend under test."""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn._engine.stopping import r2_kernel

LOSS = {"loss": "squared_error"}


def network(layer_dims, seed=0):
    rng = np.random.RandomState(seed)
    return {key: value for l in range(1, len(layer_dims)) for key, value in (
        (f"W{l}", rng.randn(layer_dims[l], layer_dims[l - 1]) * 0.5), (f"b{l}", rng.randn(layer_dims[l], 1) * 0.1))}


def placed(make, host, dtype="float64"):
    return {key: make(value, dtype) for key, value in host.items()}


def test_the_cost_by_hand(make, check):
    AL, Y = make([[1.0, 2.0, 3.0]]), make([[1.5, 2.0, 2.0]])
    check(dnn.compute_cost(AL, Y, **LOSS), (0.25 + 0.0 + 1.0) / 6, atol=1e-15)
    check(dnn.compute_cost(AL, make([1.5, 2.0, 2.0]), **LOSS), (0.25 + 0.0 + 1.0) / 6, atol=1e-15)  # (m,)
    two = make([[1.0, 2.0], [0.0, -1.0]])
    check(dnn.compute_cost(two, make([[0.0, 2.0], [1.0, 1.0]]), **LOSS), (1.0 + 0.0 + 1.0 + 4.0) / 4, atol=1e-15)
    with pytest.raises(ValueError, match=r"Y: expected targets of shape \(2, 2\), got \(2,\)"):
        dnn.compute_cost(two, make([1.0, 2.0]), **LOSS)
    with pytest.raises(ValueError, match="loss: expected one of"):
        dnn.compute_cost(AL, Y, loss="hinge")


def test_the_output_layer_is_the_identity(make, check):
    host = network([3, 4, 2], seed=1)
    X = np.random.RandomState(2).randn(3, 5)
    AL, caches = dnn.L_model_forward(make(X), placed(make, host), **LOSS)
    hidden = np.maximum(host["W1"] @ X + host["b1"], 0.0)
    check(AL, host["W2"] @ hidden + host["b2"], atol=1e-12)
    assert len(caches) == 2


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize(("layer_dims", "lambd", "keep_prob"), [([3, 4, 1], 0.0, 1.0), ([3, 5, 4, 2], 0.5, 1.0),
                                                                ([3, 4, 3, 3], 0.3, 0.7)])
def test_the_backward_pass_matches_finite_differences(layer_dims, lambd, keep_prob, loss, make, float_dtypes):
    """Real targets for the squared error, counts for the Poisson deviance (an exponential output)."""
    if "float64" not in float_dtypes:
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")
    rng = np.random.RandomState(sum(layer_dims))
    parameters = placed(make, network(layer_dims, seed=3))
    host_Y = rng.randn(layer_dims[-1], 6) * 2.0 if loss == "squared_error" else rng.poisson(2.0, (layer_dims[-1], 6))
    X, Y = make(rng.randn(layer_dims[0], 6)), make(host_Y * 1.0)
    settings = {"hidden_activation": "tanh", "keep_prob": keep_prob, "seed": 5, "loss": loss}
    AL, caches = dnn.L_model_forward(X, parameters, **settings)
    grads = dnn.L_model_backward(AL, Y, caches, lambd=lambd, hidden_activation="tanh", keep_prob=keep_prob,
                                 loss=loss)
    assert dnn.gradient_check_n(parameters, grads, X, Y, lambd=lambd, **settings) < 1e-7
    broken = dict(grads, dW1=grads["dW1"] * 1.001)
    assert dnn.gradient_check_n(parameters, broken, X, Y, lambd=lambd, **settings) > 1e-5


def step_by_step(X, Y, parameters, *, optimizer, learning_rate, epochs, mini_batch_size, lambd, seed=0):
    """The course's loop with the squared error: mini-batches (seed + epoch + 1), forward, backward,
    update."""
    v, s = dnn.initialize_adam(parameters)
    t, costs = 0, []
    for epoch in range(epochs):
        total = 0.0
        for Xb, Yb in dnn.random_mini_batches(X, Y, mini_batch_size, seed + epoch + 1):
            AL, caches = dnn.L_model_forward(Xb, parameters, **LOSS)
            cost = dnn.compute_cost(AL, Yb, **LOSS)
            if lambd:
                cost = cost + sum(float(dnn.to_numpy(parameters[f"W{l}"] ** 2).sum()) for l in (1, 2)) * lambd / (
                    2 * Xb.shape[1])
            total += float(cost) * Xb.shape[1]
            grads = dnn.L_model_backward(AL, Yb, caches, lambd=lambd, **LOSS)
            if optimizer == "gd":
                parameters = dnn.update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = dnn.update_parameters_with_momentum(parameters, grads, v, 0.9, learning_rate)
            else:
                t += 1
                parameters, v, s, _, _ = dnn.update_parameters_with_adam(parameters, grads, v, s, t, learning_rate)
        costs.append(total / X.shape[1])
    return parameters, costs


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_training_equals_the_step_by_step_functions(optimizer, make, check, backend_kwargs, float_dtypes):
    dtype = float_dtypes[-1]
    rng = np.random.RandomState(6)
    host_X = rng.randn(3, 40)
    host_Y = np.vstack([host_X[0] - 2 * host_X[1], host_X[2] ** 2]) + 0.1 * rng.randn(2, 40)
    X, Y = make(host_X, dtype), make(host_Y, dtype)
    start = dnn.initialize_parameters_deep([3, 6, 2], seed=1, init="he", dtype=dtype, **backend_kwargs)
    settings = {"optimizer": optimizer, "learning_rate": 0.01, "mini_batch_size": 16, "lambd": 0.2}
    expected, expected_costs = step_by_step(X, Y, start, epochs=3, **settings)
    trained, costs = dnn.train(X, Y, start, num_epochs=3, record_every=1, **settings, **LOSS)
    tolerance = {"rtol": 1e-8, "atol": 1e-11} if dtype == "float64" else {"rtol": 2e-4, "atol": 2e-5}
    for key in expected:
        check(trained[key], dnn.to_numpy(expected[key]), dtype=dtype, **tolerance)
    np.testing.assert_allclose(costs, expected_costs, **tolerance)


def test_a_regression_network_learns_and_stops_on_its_validation_r2(make, backend_kwargs, float_dtypes):
    dtype = float_dtypes[-1]
    rng = np.random.RandomState(7)
    host_X = rng.randn(4, 400)
    host_y = 3 * host_X[0] - host_X[1] + 0.5 * host_X[2] * host_X[3]
    X, y = make(host_X[:, :300], dtype), make(host_y[:300], dtype)
    validation = (make(host_X[:, 300:], dtype), make(host_y[300:], dtype))
    start = dnn.initialize_parameters_deep([4, 16, 1], seed=2, init="he", dtype=dtype, **backend_kwargs)
    scores = []
    trained, costs = dnn.train(X, y, start, learning_rate=0.01, num_epochs=60, optimizer="adam", mini_batch_size=32,
                               n_iter_no_change=5, validation_data=validation, record_every=1,
                               on_score=lambda epoch, score: scores.append(score), **LOSS)
    assert costs[-1] < costs[0] / 10 and max(scores) > 0.9
    AL, _ = dnn.L_model_forward(validation[0], trained, **LOSS)  # the best epoch's, kept
    assert float(r2_kernel(np, dnn.to_numpy(AL), host_y[300:].reshape(1, -1))) == pytest.approx(max(scores), rel=1e-4)


def test_r2_is_scikit_learns():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.RandomState(8)
    T, AL = rng.randn(3, 20), rng.randn(3, 20)
    T[2] = 1.5  # a constant target: 0 unless predicted exactly
    assert float(r2_kernel(np, AL, T)) == pytest.approx(metrics.r2_score(T.T, AL.T), rel=1e-12)
    AL[2] = 1.5
    assert float(r2_kernel(np, AL, T)) == pytest.approx(metrics.r2_score(T.T, AL.T), rel=1e-12)
