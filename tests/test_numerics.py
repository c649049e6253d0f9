"""Saturation and boundary values: no overflow warnings, no inf/NaN (warnings are errors here)."""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_has_exact_limits_without_overflow(dtype, make, check):
    Z = make([[-1000.0, -50.0, 0.0, 50.0, 1000.0]], dtype)
    A, cache = dnn.sigmoid(Z)
    assert cache is Z
    expected = 1.0 / (1.0 + np.exp(-np.array([-50.0, 0.0, 50.0])))
    check(A, [[0.0, expected[0], 0.5, 1.0, 1.0]], dtype=dtype, atol=0, rtol=1e-6)
    host = dnn.to_numpy(A)
    assert host[0, 0] == 0.0 and host[0, -1] == 1.0
    dZ = dnn.sigmoid_backward(make(np.ones((1, 5)), dtype), Z)
    assert np.all(np.isfinite(dnn.to_numpy(dZ)))


def test_relu_and_its_backward(make, check):
    Z = make([[-2.0, 0.0, 3.0]])
    A, cache = dnn.relu(Z)
    check(A, [[0.0, 0.0, 3.0]])
    check(dnn.relu_backward(make([[5.0, 6.0, 7.0]]), cache), [[0.0, 0.0, 7.0]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cost_is_finite_when_predictions_are_exactly_0_or_1(dtype, make, check):
    AL = make([[0.0, 1.0, 0.0, 1.0]], dtype)
    Y = make([[0, 1, 1, 0]], None)
    cost = dnn.compute_cost(AL, Y)
    eps = np.finfo(dtype).eps
    expected = -(np.log(eps) * 2) / 4  # two confident mistakes, each costing -log(eps)
    check(cost, expected, dtype=dtype, atol=0, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_backward_clips_predictions_within_eps_of_0_or_1_as_the_cost_does(dtype, make, check):
    """AL of 0, 1e-30 and 1 are used as eps, eps and 1 - eps (the cost's clip); 0.3 and the
    out-of-range 1.5 (the notebook's test case has such values) as given."""
    eps = float(np.finfo(dtype).eps)
    host_AL = np.array([[0.0, 1e-30, 1.0, 0.3, 1.5]])
    host_Y = np.array([[1.0, 1.0, 0.0, 1.0, 0.0]])
    A_prev, W, Z = np.array([[1.0, 2.0, -1.0, 0.5, 3.0]]), np.array([[2.0]]), np.array([[0.4, -0.2, 0.1, 0.0, 1.0]])
    cache = ((make(A_prev, dtype), make(W, dtype), make(np.zeros((1, 1)), dtype)), make(Z, dtype))
    grads = dnn.L_model_backward(make(host_AL, dtype), make(host_Y, None), [cache])

    P = np.array([[eps, eps, 1 - eps, 0.3, 1.5]])
    dAL = -(host_Y / P - (1 - host_Y) / (1 - P))
    s = 1 / (1 + np.exp(-Z))
    dZ = dAL * s * (1 - s)
    check(grads["dW1"], dZ @ A_prev.T / 5, dtype=dtype, atol=0, rtol=1e-5)
    check(grads["db1"], dZ.sum(axis=1, keepdims=True) / 5, dtype=dtype, atol=0, rtol=1e-5)
    check(grads["dA0"], W.T @ dZ, dtype=dtype, atol=0, rtol=1e-5)


def test_saturated_network_gives_finite_cost_and_gradients(make):
    rng = np.random.RandomState(0)
    parameters = {key: make(value * 1e3) for key, value in
                  dnn.initialize_parameters_deep([4, 3, 1], seed=0, init="he").items()}
    X = make(rng.randn(4, 6) * 10)
    Y = make((rng.rand(1, 6) > 0.5).astype(np.float64))
    AL, caches = dnn.L_model_forward(X, parameters)
    assert np.abs(dnn.to_numpy(caches[-1][1])).max() > 1e3
    assert np.isfinite(float(dnn.compute_cost(AL, Y)))
    for key, value in dnn.L_model_backward(AL, Y, caches).items():
        assert np.all(np.isfinite(dnn.to_numpy(value))), key
