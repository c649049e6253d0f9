"""Softmax, tanh and leaky ReLU, the categorical cost and one_hot, on the backend under test:
values against formulas worked on the host, gradients against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import reference

import portable_dnn as dnn

Z_HOST = np.array([[1.0, -2.0, 0.5, 1e4], [0.0, 3.0, 0.5, -1e4], [-1.0, 1.0, 0.5, 0.0]])


def host_softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def test_softmax_values_columns_and_stability(make, check):
    A, cache = dnn.softmax(make(Z_HOST))
    assert cache is not None and tuple(cache.shape) == (3, 4)
    expected = host_softmax(Z_HOST)
    assert expected[0, 3] == 1.0 and expected[1, 3] == 0.0  # |Z| = 1e4 saturates, no overflow
    check(A, expected, atol=1e-12)
    check(A, [[np.exp(1) / (np.exp(1) + 1 + np.exp(-1)), np.exp(-2) / (np.exp(-2) + np.exp(3) + np.exp(1)),
               1 / 3, 1.0],
              [1 / (np.exp(1) + 1 + np.exp(-1)), np.exp(3) / (np.exp(-2) + np.exp(3) + np.exp(1)), 1 / 3, 0.0],
              [np.exp(-1) / (np.exp(1) + 1 + np.exp(-1)), np.exp(1) / (np.exp(-2) + np.exp(3) + np.exp(1)),
               1 / 3, 0.0]], atol=1e-7)
    np.testing.assert_allclose(dnn.to_numpy(A).sum(axis=0), 1.0, rtol=1e-6)


def test_softmax_backward_is_the_jacobian_vector_product(make, check):
    Z = np.random.RandomState(1).randn(3, 4)
    dA = np.random.RandomState(2).randn(3, 4)
    A = host_softmax(Z)
    expected = np.stack([(np.diag(A[:, j]) - np.outer(A[:, j], A[:, j])) @ dA[:, j] for j in range(4)], axis=1)
    check(dnn.softmax_backward(make(dA), make(Z)), expected, atol=1e-12)


@pytest.mark.parametrize(("name", "forward", "derivative"), [
    ("tanh", np.tanh, lambda Z: 1 - np.tanh(Z) ** 2),
    ("leaky_relu", lambda Z: np.where(Z > 0, Z, 0.01 * Z), lambda Z: np.where(Z > 0, 1.0, 0.01)),
    ("relu", lambda Z: np.maximum(Z, 0), lambda Z: (Z > 0).astype(float)),
    ("sigmoid", reference.sigmoid, lambda Z: reference.sigmoid(Z) * (1 - reference.sigmoid(Z))),
])
def test_element_wise_activations_and_their_backward(name, forward, derivative, make, check):
    Z = np.array([[-3.0, -0.5, 0.0, 0.25, 2.0], [1e-3, -1e-3, 5.0, -5.0, 0.75]])
    dA = np.arange(10.0).reshape(2, 5) - 4.5
    A, cache = getattr(dnn, name)(make(Z))
    check(A, forward(Z), atol=1e-12)
    check(getattr(dnn, f"{name}_backward")(make(dA), cache), dA * derivative(Z), atol=1e-12)


def test_relu_keeps_nan_and_maps_minus_infinity_to_zero(make):
    A, _ = dnn.relu(make([[np.nan, -np.inf, np.inf, -1.0]]))
    host = dnn.to_numpy(A)
    assert np.isnan(host[0, 0]) and host[0, 1] == 0.0 and host[0, 2] == np.inf and host[0, 3] == 0.0


def test_one_hot(make, check, xp, device):
    labels = make(np.array([2, 0, 1, 2]), "int64")
    expected = [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]
    check(dnn.one_hot(labels, 3), expected)
    check(dnn.one_hot(make(np.array([[2.0, 0.0, 1.0, 2.0]])), 3, dtype=xp.float32), expected,
          dtype="float32")
    for bad, message in ((np.array([0, 3]), "labels: expected whole numbers from 0 to 2"),
                         (np.array([-1, 0]), "labels: expected whole numbers from 0 to 2")):
        with pytest.raises(ValueError, match=message):
            dnn.one_hot(make(bad, "int64"), 3)
    with pytest.raises(ValueError, match="labels: expected whole numbers"):
        dnn.one_hot(make(np.array([0.5, 1.0])), 3)
    with pytest.raises(ValueError, match="num_classes: expected a positive integer, got 0"):
        dnn.one_hot(labels, 0)
    with pytest.raises(ValueError, match=r"labels: expected shape \(m,\) or \(1, m\), got \(2, 2\)"):
        dnn.one_hot(make(np.zeros((2, 2)), "int64"), 3)


def test_categorical_cost_from_one_hot_or_indices(make, check):
    AL = np.array([[0.7, 0.1, 0.2], [0.2, 0.8, 0.3], [0.1, 0.1, 0.5]])
    indices = np.array([0, 1, 2])
    expected = -np.mean(np.log([0.7, 0.8, 0.5]))
    for Y in (make(np.eye(3)), make(indices, "int64"), make(indices.reshape(1, 3), "int64"),
              make(indices.astype(float))):
        check(dnn.compute_cost(make(AL), Y), expected, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_categorical_cost_is_finite_for_predictions_of_exactly_0(dtype, make, check):
    AL = make(np.array([[1.0, 0.0], [0.0, 1.0]]), dtype)
    cost = dnn.compute_cost(AL, make(np.array([1, 1]), "int64"))
    check(cost, -np.log(np.finfo(dtype).eps) / 2, dtype=dtype, atol=0, rtol=1e-5)


def _cost(make, X, Y, host_parameters, hidden_activation):
    parameters = {key: make(value) for key, value in host_parameters.items()}
    AL, _ = dnn.L_model_forward(X, parameters, hidden_activation=hidden_activation)
    return float(dnn.compute_cost(AL, Y))


@pytest.mark.parametrize(("layer_dims", "hidden_activation"), [
    ([3, 4, 3], "relu"), ([3, 5, 4, 4], "tanh"), ([4, 3, 1], "tanh"), ([3, 4, 2], "leaky_relu"),
    ([2, 3, 3, 1], "sigmoid"), ([3, 3], "relu"),
])
def test_backward_matches_finite_differences(layer_dims, hidden_activation, make, float_dtypes):
    if "float64" not in float_dtypes:
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")
    rng = np.random.RandomState(len(layer_dims) + layer_dims[-1])
    host = {}
    for l in range(1, len(layer_dims)):
        host[f"W{l}"] = rng.randn(layer_dims[l], layer_dims[l - 1])
        host[f"b{l}"] = rng.randn(layer_dims[l], 1) * 0.1
    m, C = 5, layer_dims[-1]
    X = make(rng.randn(layer_dims[0], m))
    Y = make(np.arange(m) % C if C > 1 else (np.arange(m) % 2).reshape(1, m), "int64")
    AL, caches = dnn.L_model_forward(X, {k: make(v) for k, v in host.items()}, hidden_activation=hidden_activation)
    assert tuple(AL.shape) == (C, m)
    grads = dnn.L_model_backward(AL, Y, caches, hidden_activation=hidden_activation)
    assert min([np.inf] + [np.abs(dnn.to_numpy(c[1])).min() for c in caches[:-1]]) > 1e-3  # no kink
    step = 1e-6
    for key, value in host.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            for sign in (1.0, -1.0):
                moved = dict(host)
                moved[key] = value.copy()
                moved[key][index] += sign * step
                numeric[index] += sign * _cost(make, X, Y, moved, hidden_activation) / (2 * step)
        np.testing.assert_allclose(dnn.to_numpy(grads["d" + key]), numeric, rtol=1e-5, atol=1e-8, err_msg=key)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("layer_dims", "hidden_activation"), [
    ([2, 6, 3], "relu"), ([2, 5, 4, 3], "tanh"), ([2, 5, 1], "tanh"), ([2, 6, 4], "leaky_relu"),
    ([2, 4, 4, 1], "sigmoid"),
])
def test_fast_path_equals_the_step_by_step_functions(layer_dims, hidden_activation, dtype, make, check,
                                                     backend_kwargs):
    rng = np.random.RandomState(7)
    host_X = rng.uniform(-1, 1, size=(2, 60))
    C = layer_dims[-1]
    host_Y = (np.floor((np.arctan2(host_X[1], host_X[0]) + np.pi) / (2 * np.pi) * C).astype(np.int64) % C
              if C > 1 else (host_X[0:1] * host_X[1:2] > 0).astype(np.int64))
    X, Y = make(host_X, dtype), make(host_Y, "int64")
    start = dnn.initialize_parameters_deep(layer_dims, seed=2, init="he", dtype=dtype, **backend_kwargs)
    parameters, expected_costs = start, []
    for i in range(31):
        AL, caches = dnn.L_model_forward(X, parameters, hidden_activation=hidden_activation)
        if i % 10 == 0:
            expected_costs.append(float(dnn.compute_cost(AL, Y)))
        grads = dnn.L_model_backward(AL, Y, caches, hidden_activation=hidden_activation)
        parameters = dnn.update_parameters(parameters, grads, 0.3)
    trained, costs = dnn.train(X, Y, start, learning_rate=0.3, num_iterations=31, record_every=10,
                               hidden_activation=hidden_activation)
    tolerance = {"rtol": 1e-9, "atol": 1e-12} if dtype == "float64" else {"rtol": 2e-4, "atol": 1e-5}
    for key in parameters:
        check(trained[key], dnn.to_numpy(parameters[key]), dtype=dtype, **tolerance)
    np.testing.assert_allclose(costs, expected_costs, **tolerance)
    assert costs[-1] < costs[0]


def test_softmax_training_learns_and_predict_gives_class_indices(make, check):
    rng = np.random.RandomState(3)
    centres = np.array([[2.0, 0.0], [-2.0, 2.0], [0.0, -2.0]]).T
    labels = np.arange(150) % 3
    host_X = centres[:, labels] + 0.5 * rng.randn(2, 150)
    X, Y = make(host_X), make(labels, "int64")
    parameters, costs = dnn.L_layer_model(X, Y, [2, 8, 3], learning_rate=0.5, num_iterations=200)
    assert costs[-1] < costs[0] / 5
    p, accuracy = dnn.predict(X, Y, parameters, print_accuracy=False)
    assert tuple(p.shape) == (1, 150) and accuracy > 0.95
    host_p = dnn.to_numpy(p)[0]
    assert set(np.unique(host_p)) == {0.0, 1.0, 2.0}
    assert accuracy == pytest.approx(np.mean(host_p == labels))
    probabilities = dnn.to_numpy(dnn.predict_proba(X, parameters))
    np.testing.assert_array_equal(host_p, probabilities.argmax(axis=0))
    _, one_hot_accuracy = dnn.predict(X, dnn.one_hot(Y, 3), parameters, print_accuracy=False)
    assert one_hot_accuracy == accuracy


def test_hidden_activation_is_checked(make):
    X = make(np.ones((2, 3)))
    parameters = {"W1": make(np.ones((1, 2))), "b1": make(np.zeros((1, 1)))}
    for call in (lambda: dnn.L_model_forward(X, parameters, hidden_activation="softmax"),
                 lambda: dnn.train(X, make([0, 1, 0], "int64"), parameters, learning_rate=0.1, num_iterations=1,
                                   hidden_activation="gelu")):
        with pytest.raises(ValueError, match=r"hidden_activation: expected one of \['identity', 'leaky_relu', "
                                             r"'relu', 'sigmoid', 'tanh'\]"):
            call()


def test_train_checks_class_labels(make):
    X = make(np.ones((2, 4)))
    parameters = {"W1": make(np.ones((3, 2))), "b1": make(np.zeros((3, 1)))}
    for Y, message in ((make(np.array([0, 1, 3, 2]), "int64"), "Y: expected class indices from 0 to 2"),
                       (make(np.array([0, 1, 1.5, 2])), "Y: expected class indices from 0 to 2"),
                       (make(np.ones((3, 4))), r"Y: expected class indices from 0 to 2 \(or one-hot columns\)"),
                       (make(np.zeros((2, 4))), r"Y: expected one-hot labels of shape \(3, 4\)")):
        with pytest.raises(ValueError, match=message):
            dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=1)
    assert math.isfinite(dnn.train(X, make(np.eye(3)[:, [0, 1, 2, 0]]), parameters, learning_rate=0.1,
                                   num_iterations=1)[1][0])
