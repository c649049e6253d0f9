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


def test_backward_is_finite_when_predictions_are_exactly_0_or_1(make):
    AL = make([[0.0, 1.0]])
    Y = make([[1.0, 0.0]])
    cache = ((make(np.ones((2, 2))), make(np.ones((1, 2))), make(np.zeros((1, 1)))), make([[-800.0, 800.0]]))
    grads = dnn.L_model_backward(AL, Y, [cache])
    for key, value in grads.items():
        assert np.all(np.isfinite(dnn.to_numpy(value))), key


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
