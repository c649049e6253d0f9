"""The course's models and the fast training path, on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest
import reference

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
        host = dnn.to_numpy(untrained[key])
        np.testing.assert_array_equal(host, expected[key].astype(host.dtype))
    with pytest.raises(ValueError, match=r"layers_dims: expected \(n_x, n_h, n_y\)"):
        dnn.two_layer_model(X, Y, (2, 8, 4, 1))


def test_L_layer_model_uses_lecun_initialisation(make):
    X, Y = (make(a, None if a.dtype.kind == "i" else "float64") for a in xor_data())
    parameters, costs = dnn.L_layer_model(X, Y, [2, 3, 1], num_iterations=0)
    assert costs == []
    rng = np.random.RandomState(1)
    host = dnn.to_numpy(parameters["W1"])
    np.testing.assert_array_equal(host, (rng.randn(3, 2) / np.sqrt(2)).astype(host.dtype))


def test_predict_threshold_and_namespace(make, check):
    parameters = {"W1": make([[1.0]]), "b1": make([[0.0]])}
    X = make([[-1.0, 0.0, 1e-6, 2.0]])
    p, accuracy = dnn.predict(X, make([0, 0, 1, 1], None), parameters, print_accuracy=False)
    check(p, [[0.0, 0.0, 1.0, 1.0]])  # 0.5 exactly is not above the threshold
    assert accuracy == 1.0


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_diverging_training_stops_with_the_last_finite_parameters(make, float_dtypes):
    huge = float(np.finfo(float_dtypes[-1]).max) ** 0.5
    X = make(np.random.RandomState(0).randn(3, 10) * 1e3)
    Y = make(np.arange(10) % 2, None)
    start = {key: make(value * huge) for key, value in dnn.initialize_parameters_deep([3, 4, 1]).items()}
    with pytest.raises(dnn.TrainingDivergedError, match=r"iteration \d+ .*smaller learning rate") as info:
        dnn.train(X, Y, start, learning_rate=huge, num_iterations=500)
    for value in info.value.parameters.values():
        assert np.isfinite(dnn.to_numpy(value)).all()


def nan_cost_from_call(monkeypatch, n):
    """Make the training's n-th cost computation (counting from 0) return NaN."""
    calls = []
    real = dnn.cost.mean_cost_kernel

    def cost(xp, loss, AL, Y):
        calls.append(None)
        value = real(xp, loss, AL, Y)
        return value * math.nan if len(calls) == n + 1 else value

    monkeypatch.setattr(dnn._engine.step, "mean_cost_kernel", cost)


@pytest.mark.parametrize(("bad_call", "snapshot"), [(4, 9), (1, 0)])
def test_divergence_carries_the_parameters_of_the_last_recorded_iteration(bad_call, snapshot, make,
                                                                            monkeypatch):
    """Costs are recorded at 0, 3, 6, ...; when the one at iteration 3 * bad_call is NaN, the error
    carries the parameters as they were at the last recorded iteration before it (after
    ``snapshot`` iterations; 0: the starting ones) and the costs recorded until then."""
    host_X, host_Y = xor_data(40)
    X, Y = make(host_X), make(host_Y, None)
    start = {key: make(value) for key, value in dnn.initialize_parameters_deep([2, 5, 1], seed=2, init="he").items()}
    expected, _ = dnn.train(X, Y, start, learning_rate=0.5, num_iterations=snapshot, record_every=3)
    _, all_costs = dnn.train(X, Y, start, learning_rate=0.5, num_iterations=30, record_every=3)
    nan_cost_from_call(monkeypatch, bad_call)
    with pytest.raises(dnn.TrainingDivergedError, match=f"cost is nan at iteration {3 * bad_call} ") as info:
        dnn.train(X, Y, start, learning_rate=0.5, num_iterations=30, record_every=3)
    assert info.value.iteration == 3 * bad_call
    for key, value in expected.items():
        np.testing.assert_array_equal(dnn.to_numpy(info.value.parameters[key]), dnn.to_numpy(value))
    assert info.value.costs == all_costs[:bad_call]


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_parameters_that_overflow_in_the_last_update_are_caught(make, float_dtypes):
    """The cost of iteration 0 is finite; its update overflows W1: the final check catches it."""
    X = make(np.array([[1e3, -1e3, 2e3, -3e3]]))
    Y = make([1, 0, 0, 1], None)
    start = {"W1": make([[0.5]]), "b1": make([[0.0]])}
    with pytest.raises(dnn.TrainingDivergedError, match="cost is nan at iteration 1 ") as info:
        dnn.train(X, Y, start, learning_rate=float(np.finfo(float_dtypes[-1]).max), num_iterations=1)
    assert len(info.value.costs) == 1 and np.isfinite(info.value.costs[0])
    np.testing.assert_array_equal(dnn.to_numpy(info.value.parameters["W1"]), [[0.5]])


def test_costs_are_recorded_every_record_every_iterations_and_reported_at_the_last(make):
    host_X, host_Y = xor_data(30, seed=4)
    X, Y = make(host_X), make(host_Y, None)
    start = {key: make(value) for key, value in dnn.initialize_parameters_deep([2, 4, 1], seed=3, init="he").items()}
    reported = []
    _, costs = dnn.train(X, Y, start, learning_rate=0.3, num_iterations=12, record_every=5,
                         on_cost=lambda i, cost: reported.append((i, cost)))
    host_start = {key: dnn.to_numpy(value) for key, value in start.items()}
    _, expected = reference.gradient_descent(dnn.to_numpy(X), host_Y, host_start, 0.3, 12, record_every=5)
    tolerance = 1e-10 if dnn.to_numpy(X).dtype == np.float64 else 1e-5
    assert costs == pytest.approx(expected, rel=tolerance) and len(costs) == 3  # iterations 0, 5, 10
    assert [i for i, _ in reported] == [0, 5, 10, 11]
    after_11, _ = reference.gradient_descent(dnn.to_numpy(X), host_Y, host_start, 0.3, 11)
    AL, _ = reference.forward(dnn.to_numpy(X), after_11)
    assert reported[-1][1] == pytest.approx(float(reference.cost(AL, host_Y.astype(AL.dtype))), rel=tolerance)


@pytest.mark.parametrize(("record_every", "error"), [(0, ValueError), (-1, ValueError), (2.5, TypeError),
                                                     (True, TypeError)])
def test_record_every_must_be_a_positive_integer(record_every, error, make):
    parameters = {"W1": make(np.ones((1, 2))), "b1": make(np.zeros((1, 1)))}
    with pytest.raises(error, match="record_every: expected an integer >= 1"):
        dnn.train(make(np.ones((2, 2))), make([0, 1], None), parameters, learning_rate=0.1, num_iterations=3,
                  record_every=record_every)


@pytest.mark.parametrize(
    ("labels", "message"),
    [([0, 1, 2, 1], "Y: expected labels 0 and 1 only"), ([0, 1, 1], r"Y: expected shape \(1, 4\) or \(4,\)")],
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


def test_course_defaults_quiet_by_default_and_iteration_callback(make, capsys):
    import inspect

    for model in (dnn.two_layer_model, dnn.L_layer_model):
        defaults = {k: v.default for k, v in inspect.signature(model).parameters.items()}
        assert (defaults["learning_rate"], defaults["num_iterations"], defaults["print_cost"]) == (0.0075, 3000, False)
    host_X, host_Y = xor_data(20)
    X, Y = make(host_X, "float32"), make(host_Y, None)
    parameters, costs = dnn.L_layer_model(X, Y, [2, 3, 1], num_iterations=5)
    assert capsys.readouterr().out == "" and len(costs) == 1
    assert all(dnn.to_numpy(value).dtype == np.float32 for value in parameters.values())
    seen = []
    dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=4, on_iteration=seen.append)
    assert seen == [0, 1, 2, 3]


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_divergence_message_suggests_a_tenth_of_the_learning_rate(make, float_dtypes):
    X = make(np.array([[1e3, -1e3, 2e3, -3e3]]))
    start = {"W1": make([[0.5]]), "b1": make([[0.0]])}
    rate = float(np.finfo(float_dtypes[-1]).max)
    with pytest.raises(dnn.TrainingDivergedError) as info:
        dnn.train(X, make([1, 0, 0, 1], None), start, learning_rate=rate, num_iterations=1)
    assert f"try a smaller learning rate (for example {rate / 10:g})" in str(info.value)


def test_momentum_without_momentum_is_gradient_descent(make, float_dtypes):
    """``beta=0``: v is the gradient itself, so each step is gradient descent's (PyTorch's fused
    SGD refuses a momentum buffer without momentum: the in-place form must serve)."""
    dtype = float_dtypes[-1]
    rng = np.random.RandomState(4)
    X, Y = make(rng.randn(3, 30), dtype), make(rng.randint(0, 2, 30), "int64")
    start = {key: make(value, dtype) for key, value in dnn.initialize_parameters_deep([3, 4, 1], seed=2).items()}
    settings = {"learning_rate": 0.3, "num_epochs": 4, "mini_batch_size": 8}
    momentum, _ = dnn.train(X, Y, start, optimizer="momentum", beta=0.0, **settings)
    descent, _ = dnn.train(X, Y, start, optimizer="gd", **settings)
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-14}
    for key in descent:
        np.testing.assert_allclose(dnn.to_numpy(momentum[key]), dnn.to_numpy(descent[key]), **tolerance)
