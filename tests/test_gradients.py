"""L_model_backward against centred finite differences of the cost, on small random networks."""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn


@pytest.fixture(autouse=True)
def _needs_float64(float_dtypes):
    """Centred differences with a step of 1e-6 need float64's precision."""
    if "float64" not in float_dtypes:
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")


def _cost(make, X, Y, host_parameters):
    parameters = {key: make(value) for key, value in host_parameters.items()}
    AL, _ = dnn.L_model_forward(X, parameters)
    return float(dnn.compute_cost(AL, Y))


@pytest.mark.parametrize(
    ("layer_dims", "m", "seed"),
    [([3, 1], 5, 0), ([4, 5, 1], 6, 1), ([5, 4, 3, 1], 7, 4), ([2, 6, 6, 4, 1], 4, 3)],
)
def test_backward_matches_finite_differences(layer_dims, m, seed, make):
    rng = np.random.RandomState(seed)
    host_parameters = {}
    for l in range(1, len(layer_dims)):
        host_parameters[f"W{l}"] = rng.randn(layer_dims[l], layer_dims[l - 1])
        host_parameters[f"b{l}"] = rng.randn(layer_dims[l], 1) * 0.1
    X = make(rng.randn(layer_dims[0], m))
    Y = make((rng.rand(1, m) > 0.5).astype(np.float64))

    parameters = {key: make(value) for key, value in host_parameters.items()}
    AL, caches = dnn.L_model_forward(X, parameters)
    grads = dnn.L_model_backward(AL, Y, caches)

    step = 1e-6
    # No ReLU input may lie within reach of a step, or the difference quotient crosses a kink.
    assert min([np.inf] + [np.abs(dnn.to_numpy(cache[1])).min() for cache in caches[:-1]]) > 1e-3
    for key, value in host_parameters.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = dict(host_parameters)
            for sign in (1.0, -1.0):
                moved = value.copy()
                moved[index] += sign * step
                shifted[key] = moved
                numeric[index] += sign * _cost(make, X, Y, shifted) / (2 * step)
        np.testing.assert_allclose(dnn.to_numpy(grads["d" + key]), numeric, rtol=1e-5, atol=1e-8,
                                   err_msg=f"d{key}")


def test_dA0_is_the_gradient_with_respect_to_X(make):
    rng = np.random.RandomState(5)
    host_X = rng.randn(3, 4)
    parameters = {key: make(value) for key, value in
                  dnn.initialize_parameters_deep([3, 4, 1], seed=5, init="he").items()}
    Y = make(np.array([[1.0, 0.0, 1.0, 1.0]]))
    AL, caches = dnn.L_model_forward(make(host_X), parameters)
    dA0 = dnn.to_numpy(dnn.L_model_backward(AL, Y, caches)["dA0"])
    step = 1e-6
    for index in np.ndindex(host_X.shape):
        costs = []
        for sign in (1.0, -1.0):
            moved = host_X.copy()
            moved[index] += sign * step
            costs.append(float(dnn.compute_cost(dnn.L_model_forward(make(moved), parameters)[0], Y)))
        # as in the notebook, dA is the gradient of the summed loss: m times the cost's gradient
        numeric = (costs[0] - costs[1]) / (2 * step)
        assert dA0[index] / host_X.shape[1] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("hidden_activation", ["identity", "tanh", "sigmoid"])
def test_each_smooth_hidden_activation_matches_finite_differences(hidden_activation, make):
    """Identity hidden layers (scikit-learn's ``activation="identity"``: a linear network) and the
    other smooth ones, with L2, checked by centred differences; a wrong gradient is caught."""
    rng = np.random.RandomState(8)
    host = {}
    for l, (fan_out, fan_in) in enumerate([(5, 3), (4, 5), (1, 4)], start=1):
        host[f"W{l}"], host[f"b{l}"] = rng.randn(fan_out, fan_in), rng.randn(fan_out, 1) * 0.1
    X, Y = make(rng.randn(3, 6)), make((rng.rand(1, 6) > 0.5).astype(np.float64))
    parameters = {key: make(value) for key, value in host.items()}
    settings = {"hidden_activation": hidden_activation, "lambd": 0.3}
    AL, caches = dnn.L_model_forward(X, parameters, hidden_activation=hidden_activation)
    grads = dnn.L_model_backward(AL, Y, caches, **settings)
    assert dnn.gradient_check_n(parameters, grads, X, Y, **settings) < 1e-7
    assert dnn.gradient_check_n(parameters, dict(grads, dW2=grads["dW2"] * 1.001), X, Y, **settings) > 1e-5
    if hidden_activation == "identity":  # the network is linear: its output is X's affine map
        A1 = host["W1"] @ dnn.to_numpy(X) + host["b1"]
        Z3 = host["W3"] @ (host["W2"] @ A1 + host["b2"]) + host["b3"]
        np.testing.assert_allclose(dnn.to_numpy(AL), 1 / (1 + np.exp(-Z3)), rtol=1e-12)
