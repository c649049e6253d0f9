"""The course's models and the fast training path, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn


def xor_data(m: int = 240, seed: int = 0):
    """Two features; label 1 where they share a sign: separable only by a hidden layer."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(2, m))
    return X, (X[0:1] * X[1:2] > 0).astype(np.int64)


def textbook_training(X, Y, parameters, learning_rate, num_iterations):
    """The course's loop through the public step-by-step functions."""
    costs = []
    for i in range(num_iterations):
        AL, caches = dnn.L_model_forward(X, parameters)
        cost = dnn.compute_cost(AL, Y)
        grads = dnn.L_model_backward(AL, Y, caches)
        parameters = dnn.update_parameters(parameters, grads, learning_rate)
        if i % 100 == 0:
            costs.append(float(cost))
    return parameters, costs


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fast_path_equals_the_step_by_step_functions(dtype, make, check, backend_kwargs):
    host_X, host_Y = xor_data(60)
    X, Y = make(host_X, dtype), make(host_Y, None)
    start = dnn.initialize_parameters_deep([2, 5, 3, 1], seed=2, init="he", dtype=dtype, **backend_kwargs)
    expected, expected_costs = textbook_training(X, Y, start, 0.5, 101)
    trained, costs = dnn.train(X, Y, start, learning_rate=0.5, num_iterations=101)
    tolerance = {"rtol": 1e-9, "atol": 1e-12} if dtype == "float64" else {"rtol": 2e-4, "atol": 1e-5}
    assert list(trained) == list(expected)
    for key in expected:
        check(trained[key], dnn.to_numpy(expected[key]), dtype=dtype, **tolerance)
    np.testing.assert_allclose(costs, expected_costs, **tolerance)
    for key, value in start.items():  # the starting parameters are not modified
        np.testing.assert_array_equal(
            dnn.to_numpy(value), dnn.to_numpy(dnn.initialize_parameters_deep(
                [2, 5, 3, 1], seed=2, init="he", dtype=dtype, **backend_kwargs)[key]))


def test_fast_path_equals_the_step_by_step_functions_on_a_wide_layer(make, check, backend_kwargs):
    """A hidden layer of over 2**20 values, an odd number of rows: its ReLU gradient is taken
    block-wise over the spent activations."""
    host_X, host_Y = xor_data(1000, seed=3)
    X, Y = make(host_X), make(host_Y, None)
    start = dnn.initialize_parameters_deep([2, 1051, 3, 1], seed=4, init="he", **backend_kwargs)
    expected, expected_costs = textbook_training(X, Y, start, 0.5, 3)
    trained, costs = dnn.train(X, Y, start, learning_rate=0.5, num_iterations=3)
    for key in expected:
        check(trained[key], dnn.to_numpy(expected[key]), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(costs, expected_costs, rtol=1e-9)


def test_L_layer_model_learns(make, capsys):
    host_X, host_Y = xor_data()
    X, Y = make(host_X), make(host_Y, None)
    parameters, costs = dnn.L_layer_model(X, Y, [2, 8, 4, 1], learning_rate=1.0, num_iterations=301,
                                          print_cost=True)
    assert len(costs) == 4 and costs[-1] < costs[0] / 4
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"Cost after iteration 0: {costs[0]}"
    assert printed[-1].startswith("Cost after iteration 300: ")
    p, accuracy = dnn.predict(X, Y, parameters)
    assert accuracy > 0.9
    assert capsys.readouterr().out == f"Accuracy: {accuracy}\n"
    assert float(dnn.to_numpy(p).mean()) == pytest.approx(float((dnn.to_numpy(p) == 1).mean()))


def test_two_layer_model_uses_the_course_initialisation(make):
    host_X, host_Y = xor_data()
    X, Y = make(host_X), make(host_Y, None)
    parameters, costs = dnn.two_layer_model(X, Y, (2, 16, 1), learning_rate=3.0, num_iterations=401)
    assert costs[-1] < costs[0] / 10
    assert dnn.predict(X, Y, parameters, print_accuracy=False)[1] > 0.95
    untrained, _ = dnn.two_layer_model(X, Y, (2, 16, 1), num_iterations=0)
    expected = dnn.initialize_parameters(2, 16, 1)  # randn * 0.01, seed 1
    for key in expected:
        np.testing.assert_array_equal(dnn.to_numpy(untrained[key]), expected[key])
    with pytest.raises(ValueError, match=r"layers_dims: expected \(n_x, n_h, n_y\)"):
        dnn.two_layer_model(X, Y, (2, 8, 4, 1))


def test_L_layer_model_uses_lecun_initialisation(make):
    X, Y = (make(a, None if a.dtype.kind == "i" else "float64") for a in xor_data())
    parameters, costs = dnn.L_layer_model(X, Y, [2, 3, 1], num_iterations=0)
    assert costs == []
    rng = np.random.RandomState(1)
    np.testing.assert_allclose(dnn.to_numpy(parameters["W1"]), rng.randn(3, 2) / np.sqrt(2), rtol=1e-15)


def test_predict_threshold_and_namespace(make, check):
    parameters = {"W1": make([[1.0]]), "b1": make([[0.0]])}
    X = make([[-1.0, 0.0, 1e-9, 2.0]])
    p, accuracy = dnn.predict(X, make([0, 0, 1, 1], None), parameters, print_accuracy=False)
    check(p, [[0.0, 0.0, 1.0, 1.0]])  # 0.5 exactly is not above the threshold
    assert accuracy == 1.0


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_diverging_training_stops_with_the_last_finite_parameters(make):
    X = make(np.random.RandomState(0).randn(3, 10) * 1e3)
    Y = make(np.arange(10) % 2, None)
    start = {key: make(value * 1e150) for key, value in dnn.initialize_parameters_deep([3, 4, 1]).items()}
    with pytest.raises(dnn.TrainingDivergedError, match=r"iteration \d+ .*smaller learning rate") as info:
        dnn.train(X, Y, start, learning_rate=1e150, num_iterations=500)
    for value in info.value.parameters.values():
        assert np.isfinite(dnn.to_numpy(value)).all()


@pytest.mark.parametrize(
    ("labels", "message"),
    [([0, 1, 2, 1], "labels 0 and 1 only"), ([0, 1, 1], r"expected shape \(1, 4\) or \(4,\)")],
)
def test_train_refuses_bad_labels(labels, message, make):
    parameters = {"W1": make(np.ones((1, 2))), "b1": make(np.zeros((1, 1)))}
    with pytest.raises(ValueError, match=message):
        dnn.train(make(np.ones((2, 4))), make(labels, None), parameters, learning_rate=0.1, num_iterations=1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_finite_check_is_exact_at_the_extremes(make, dtype):
    """Every non-finite value is caught wherever it is, and huge finite values (whose sum
    would overflow) pass."""
    big = float(np.finfo(dtype).max)
    parameters = {"W1": make(np.zeros((1, 3)), dtype), "b1": make(np.zeros((1, 1)), dtype)}
    Y = make([0, 1, 1, 0], None)
    X = np.full((3, 4), big)
    X[0, 0] = -big
    dnn.train(make(X, dtype), Y, parameters, learning_rate=0.1, num_iterations=0)
    for bad in (np.nan, np.inf, -np.inf):
        for row, col in ((0, 0), (2, 3), (1, 2)):
            X_bad = np.ones((3, 4))
            X_bad[row, col] = bad
            with pytest.raises(ValueError, match="X: contains NaN or infinity"):
                dnn.train(make(X_bad, dtype), Y, parameters, learning_rate=0.1, num_iterations=0)


def test_train_refuses_nan_inputs_and_bad_settings(make):
    parameters = {"W1": make(np.ones((1, 2))), "b1": make(np.zeros((1, 1)))}
    Y = make([0, 1], None)
    with pytest.raises(ValueError, match="X: contains NaN or infinity"):
        dnn.train(make([[1.0, np.nan], [0.0, 1.0]]), Y, parameters, learning_rate=0.1, num_iterations=1)
    X = make(np.ones((2, 2)))
    with pytest.raises(ValueError, match="learning_rate"):
        dnn.train(X, Y, parameters, learning_rate=float("nan"), num_iterations=1)
    with pytest.raises(ValueError, match="num_iterations"):
        dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=-1)
    with pytest.raises(TypeError, match="num_iterations"):
        dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=2.5)


def test_train_on_a_strided_view_of_X_equals_a_contiguous_copy(make, check):
    """A column slice (not contiguous, not aligned to the start of its buffer) trains the same."""
    host_X, host_Y = xor_data(81, seed=5)
    wide = make(host_X)
    view, copy = wide[:, 1:], make(np.ascontiguousarray(host_X[:, 1:]))
    Y = make(host_Y[:, 1:], None)
    start = dnn.initialize_parameters_deep([2, 6, 1], seed=1, init="he")
    start = {key: make(dnn.to_numpy(value)) for key, value in start.items()}
    from_view, costs_view = dnn.train(view, Y, start, learning_rate=0.5, num_iterations=20, record_every=5)
    from_copy, costs_copy = dnn.train(copy, Y, start, learning_rate=0.5, num_iterations=20, record_every=5)
    for key in from_copy:
        check(from_view[key], dnn.to_numpy(from_copy[key]), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(costs_view, costs_copy, rtol=1e-12)
