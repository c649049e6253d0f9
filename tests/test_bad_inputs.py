"""Table-driven bad inputs across the public API, on the backend under test.

Each case names the exception type and a fragment of its message (which must name the
argument and say what was expected). On array_api_strict the arrays also live on
``device1``, so no check may lean on an implicit conversion to NumPy.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import portable_dnn as dnn


def net(make, dims=(3, 4, 1), dtype="float64"):
    rng = np.random.RandomState(0)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = make(rng.randn(dims[l], dims[l - 1]), dtype)
        parameters[f"b{l}"] = make(np.zeros((dims[l], 1)), dtype)
    return parameters


def with_key(parameters, key, value=None, drop=None):
    changed = {k: v for k, v in parameters.items() if k != drop}
    if key is not None:
        changed[key] = value
    return changed


def layer_cache(make, n_prev=3, n=1, m=2):
    return ((make(np.ones((n_prev, m))), make(np.ones((n, n_prev))), make(np.zeros((n, 1)))),
            make(np.ones((n, m))))


X3 = np.random.RandomState(1).randn(3, 5)
Y5 = np.array([[0, 1, 1, 0, 1]])

CASES = {
    # shapes
    "linear_forward A rows vs W columns": (
        lambda mk: dnn.linear_forward(mk(np.ones((4, 2))), mk(np.ones((1, 3))), mk(np.ones((1, 1)))),
        ValueError, "A: expected 3 rows"),
    "linear_forward b shape": (
        lambda mk: dnn.linear_forward(mk(np.ones((3, 2))), mk(np.ones((1, 3))), mk(np.ones((1,)))),
        ValueError, "b: expected shape (1, 1)"),
    "linear_forward 1-D A": (
        lambda mk: dnn.linear_forward(mk(np.ones(3)), mk(np.ones((1, 3))), mk(np.ones((1, 1)))),
        ValueError, "A: expected a 2-D array"),
    "linear_forward no examples": (
        lambda mk: dnn.linear_forward(mk(np.ones((3, 0))), mk(np.ones((1, 3))), mk(np.ones((1, 1)))),
        ValueError, "A: expected at least one example"),
    "linear_forward zero-unit layer": (
        lambda mk: dnn.linear_forward(mk(np.ones((3, 2))), mk(np.ones((0, 3))), mk(np.ones((0, 1)))),
        ValueError, "W: expected at least one unit"),
    "L_model_forward X rows": (
        lambda mk: dnn.L_model_forward(mk(np.ones((5, 2))), net(mk)),
        ValueError, "X: expected 3 rows"),
    "L_model_forward broken chain": (
        lambda mk: dnn.L_model_forward(mk(X3), with_key(net(mk), "W2", mk(np.ones((1, 5))))),
        ValueError, "parameters['W2']: expected 4 columns"),
    "L_model_forward bias shape": (
        lambda mk: dnn.L_model_forward(mk(X3), with_key(net(mk), "b1", mk(np.ones((4, 2))))),
        ValueError, "parameters['b1']: expected shape (4, 1)"),
    "compute_cost Y length": (
        lambda mk: dnn.compute_cost(mk(np.full((1, 3), 0.5)), mk(np.ones((1, 4)))),
        ValueError, "Y: expected shape (1, 3) or (3,)"),
    "compute_cost softmax labels shape": (
        lambda mk: dnn.compute_cost(mk(np.full((2, 3), 0.5)), mk(np.ones((3, 3)))),
        ValueError, "Y: expected one-hot labels of shape (2, 3) or class indices of shape (3,) or (1, 3)"),
    "compute_cost empty": (
        lambda mk: dnn.compute_cost(mk(np.ones((1, 0))), mk(np.ones((1, 0)))),
        ValueError, "AL: expected shape (C, m) with m >= 1"),
    "linear_backward dZ shape": (
        lambda mk: dnn.linear_backward(mk(np.ones((1, 3))), layer_cache(mk)[0]),
        ValueError, "dZ: expected shape (1, 2)"),
    "linear_activation_backward dA shape": (
        lambda mk: dnn.linear_activation_backward(mk(np.ones((2, 2))), layer_cache(mk), "relu"),
        ValueError, "dA: expected shape (1, 2)"),
    "L_model_backward AL shape vs caches": (
        lambda mk: dnn.L_model_backward(mk(np.full((1, 3), 0.5)), mk(np.ones((1, 3))), [layer_cache(mk)]),
        ValueError, "AL: expected shape (1, 2)"),
    "L_model_backward Y length": (
        lambda mk: dnn.L_model_backward(mk(np.full((1, 2), 0.5)), mk(np.ones((1, 3))), [layer_cache(mk)]),
        ValueError, "Y: expected shape (1, 2) or (2,)"),
    # caches
    "linear_backward cache too short": (
        lambda mk: dnn.linear_backward(mk(np.ones((1, 2))), layer_cache(mk)[0][:2]),
        ValueError, "cache: expected a cache (A_prev, W, b)"),
    "linear_activation_backward cache not a tuple": (
        lambda mk: dnn.linear_activation_backward(mk(np.ones((1, 2))), mk(np.ones((1, 2))), "relu"),
        ValueError, "cache: expected a cache ((A_prev, W, b), Z)"),
    "linear_activation_backward Z shape": (
        lambda mk: dnn.linear_activation_backward(
            mk(np.ones((1, 2))), (layer_cache(mk)[0], mk(np.ones((1, 3)))), "sigmoid"),
        ValueError, "cache[1] (Z): expected shape (1, 2)"),
    "L_model_backward empty caches": (
        lambda mk: dnn.L_model_backward(mk(np.full((1, 2), 0.5)), mk(np.ones((1, 2))), []),
        ValueError, "caches: expected a non-empty list"),
    "L_model_backward malformed cache": (
        lambda mk: dnn.L_model_backward(mk(np.full((1, 2), 0.5)), mk(np.ones((1, 2))), [(1, 2, 3)]),
        ValueError, "caches[0]: expected a cache ((A_prev, W, b), Z)"),
    # parameter dictionaries
    "missing key": (
        lambda mk: dnn.L_model_forward(mk(X3), with_key(net(mk), None, drop="b2")),
        ValueError, "missing ['b2']"),
    "extra key": (
        lambda mk: dnn.L_model_forward(mk(X3), with_key(net(mk), "W9", mk(np.ones((1, 1))))),
        ValueError, "unexpected ['W9']"),
    "misnumbered keys": (
        lambda mk: dnn.L_model_forward(mk(X3), {"W0": mk(np.ones((1, 3))), "b0": mk(np.ones((1, 1)))}),
        ValueError, "missing ['W1', 'b1'], unexpected ['W0', 'b0']"),
    "parameters not a dict": (
        lambda mk: dnn.L_model_forward(mk(X3), [mk(np.ones((1, 3)))]),
        TypeError, "parameters: expected a dict of arrays, got list"),
    "parameter not an array": (
        lambda mk: dnn.L_model_forward(mk(X3), with_key(net(mk), "W1", [[1.0] * 3] * 4)),
        TypeError, "parameters['W1']: expected an array, got list"),
    "grads missing dW": (
        lambda mk: dnn.update_parameters(net(mk), {"db1": mk(np.zeros((4, 1)))}, 0.1),
        ValueError, "grads: missing 'dW1'"),
    "grads wrong shape": (
        lambda mk: dnn.update_parameters(
            net(mk), {f"d{k}": (mk(np.ones((2, 2))) if k == "W2" else v) for k, v in net(mk).items()}, 0.1),
        ValueError, "grads['dW2']: expected shape (1, 4)"),
    # types
    "features as a list": (
        lambda mk: dnn.L_model_forward([[1.0, 2.0]] * 3, net(mk)),
        TypeError, "X: expected an array, got list"),
    "integer features": (
        lambda mk: dnn.L_model_forward(mk(np.ones((3, 2)), "int64"), net(mk)),
        TypeError, "X: expected a real floating dtype"),
    "complex labels": (
        lambda mk: dnn.compute_cost(mk(np.full((1, 2), 0.5)), mk(np.ones((1, 2)), "complex128")),
        TypeError, "Y: expected real labels"),
    "mixed float dtypes": (
        lambda mk: dnn.L_model_forward(mk(X3, "float32"), net(mk)),
        TypeError, "has dtype float"),
    "unknown activation": (
        lambda mk: dnn.linear_activation_forward(mk(np.ones((3, 2))), mk(np.ones((1, 3))), mk(np.ones((1, 1))),
                                                 "swish"),
        ValueError, "activation: expected one of ['exp', 'identity', 'leaky_relu', 'relu', 'sigmoid', 'softmax', "
                    "'tanh'], got 'swish'"),
    "activation not a string": (
        lambda mk: dnn.linear_activation_backward(mk(np.ones((1, 2))), layer_cache(mk), ["relu"]),
        ValueError, "activation: expected one of"),
    "unknown init": (
        lambda mk: dnn.initialize_parameters_deep([3, 1], init="xavier"),
        ValueError,
        "init: expected one of ['glorot', 'glorot_sigmoid', 'he', 'large', 'lecun', 'small', 'zeros'], got 'xavier'"),
    "layer_dims too short": (
        lambda mk: dnn.initialize_parameters_deep([3]), ValueError, "layer_dims: expected at least 2 sizes"),
    "layer_dims not integers": (
        lambda mk: dnn.initialize_parameters_deep([3, 2.5, 1]), TypeError, "layer_dims: expected positive integers"),
    "layer_dims a string": (
        lambda mk: dnn.initialize_parameters_deep("3,1"), TypeError, "layer_dims: expected a sequence"),
    "seed not an integer": (
        lambda mk: dnn.initialize_parameters_deep([3, 1], seed=1.5), TypeError, "seed: expected an integer"),
    "learning rate zero": (
        lambda mk: dnn.update_parameters(net(mk), {f"d{k}": v for k, v in net(mk).items()}, 0.0),
        ValueError, "learning_rate: expected a positive finite number, got 0.0"),
    "learning rate infinite": (
        lambda mk: dnn.train(mk(X3), mk(Y5, None), net(mk), learning_rate=math.inf, num_iterations=1),
        ValueError, "learning_rate: expected a positive finite number, got inf"),
    "learning rate a string": (
        lambda mk: dnn.train(mk(X3), mk(Y5, None), net(mk), learning_rate="0.1", num_iterations=1),
        TypeError, "learning_rate: expected a positive number, got str"),
    "iterations negative": (
        lambda mk: dnn.train(mk(X3), mk(Y5, None), net(mk), learning_rate=0.1, num_iterations=-5),
        ValueError, "num_iterations: expected a non-negative integer, got -5"),
    "iterations a float": (
        lambda mk: dnn.L_layer_model(mk(X3), mk(Y5, None), [3, 2, 1], num_iterations=10.0),
        TypeError, "num_iterations: expected a non-negative integer"),
    "two_layer_model layers_dims an integer": (
        lambda mk: dnn.two_layer_model(mk(X3), mk(Y5, None), 5, num_iterations=1),
        TypeError, "layers_dims: expected a sequence of positive integers, got int"),
    "seed negative": (
        lambda mk: dnn.initialize_parameters_deep([3, 1], seed=-1), ValueError,
        "seed: expected an integer from 0 to 2**32 - 1, got -1"),
    "record_every zero": (
        lambda mk: dnn.train(mk(X3), mk(Y5, None), net(mk), learning_rate=0.1, num_iterations=1, record_every=0),
        ValueError, "record_every: expected an integer >= 1, got 0"),
    "estimator hidden_layers an integer": (
        lambda mk: dnn.DeepNeuralNetwork(hidden_layers=5).fit(np.ones((2, 2)), np.ones(2)),
        TypeError, "hidden_layers: expected a sequence of positive integers"),
    "layers_dims vs X": (
        lambda mk: dnn.L_layer_model(mk(X3), mk(Y5, None), [4, 2, 1], num_iterations=1),
        ValueError, "layers_dims[0] is 4 but X has 3 rows"),
    # values (checked where training starts: one host sync)
    "labels outside {0, 1}": (
        lambda mk: dnn.train(mk(X3), mk(Y5 * 2, None), net(mk), learning_rate=0.1, num_iterations=1),
        ValueError, "Y: expected labels 0 and 1 only"),
    "NaN features": (
        lambda mk: dnn.train(mk(np.where(X3 > 1, np.nan, X3)), mk(Y5, None), net(mk), learning_rate=0.1,
                             num_iterations=1),
        ValueError, "X: contains NaN or infinity"),
    "infinite parameter": (
        lambda mk: dnn.train(mk(X3), mk(Y5, None), with_key(net(mk), "b2", mk(np.full((1, 1), np.inf))),
                             learning_rate=0.1, num_iterations=1),
        ValueError, "parameters['b2']: contains NaN or infinity"),
    "NaN labels": (
        lambda mk: dnn.train(mk(X3), mk(np.array([[0, np.nan, 1, 0, 1]])), net(mk), learning_rate=0.1,
                             num_iterations=1),
        ValueError, "Y: expected labels 0 and 1 only"),
    "NaN regression targets": (
        lambda mk: dnn.train(mk(X3), mk(np.array([[0.5, np.nan, 1.0, 0.0, 2.0]])), net(mk), learning_rate=0.1,
                             num_iterations=1, loss="squared_error"),
        ValueError, "Y: contains NaN or infinity"),
    "predict labels length": (
        lambda mk: dnn.predict(mk(X3), mk(np.ones((1, 4))), net(mk), print_accuracy=False),
        ValueError, "y: expected shape (1, 5) or (5,)"),
    # estimator
    "estimator unknown parameter": (
        lambda mk: dnn.DeepNeuralNetwork().set_params(layers=3), ValueError, "'layers' is not a parameter"),
    "estimator 3-D X": (
        lambda mk: dnn.DeepNeuralNetwork(num_iterations=1).fit(np.ones((2, 2, 2)), np.ones(2)),
        ValueError, "Expected 2D array, got 3D array instead"),
    "estimator complex X": (
        lambda mk: dnn.DeepNeuralNetwork(num_iterations=1).fit(np.ones((2, 2), complex), np.ones(2)),
        ValueError, "Complex data not supported"),
    "estimator unknown device": (
        lambda mk: dnn.DeepNeuralNetwork(device="tpu").fit(np.ones((2, 2)), np.array([0, 1])),
        ValueError, "device: unknown device 'tpu'"),
}


#: Cases that need float32 and float64 side by side.
NEED_FLOAT64 = {"mixed float dtypes"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case, make, float_dtypes):
    if case in NEED_FLOAT64 and "float64" not in float_dtypes:
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")
    call, error, fragment = CASES[case]
    with pytest.raises(error) as info:
        call(make)
    assert fragment in str(info.value)


def test_arrays_on_two_devices_are_refused():
    strict = pytest.importorskip("array_api_strict")
    X = strict.asarray(X3, device=strict.Device("device1"))
    parameters = {key: strict.asarray(dnn.to_numpy(value)) for key, value in
                  net(lambda a, dtype="float64": np.asarray(a, dtype=dtype)).items()}
    for call in (lambda: dnn.L_model_forward(X, parameters),
                 lambda: dnn.predict(X, strict.asarray(Y5, device=strict.Device("device1")), parameters),
                 lambda: dnn.train(X, strict.asarray(Y5), parameters, learning_rate=0.1, num_iterations=1)):
        with pytest.raises(ValueError, match="is on device .* but .* is on device"):
            call()


def test_saturated_inputs_give_finite_cost_and_gradients(make):
    """|Z| about 1e4 in every layer: no warning (warnings are errors here), nothing non-finite."""
    X = make(np.array([[1e4, -1e4, 5e3, -5e3]]))
    parameters = {"W1": make([[1.0], [-1.0]]), "b1": make(np.zeros((2, 1))),
                  "W2": make([[1.0, -1.0]]), "b2": make(np.zeros((1, 1)))}
    Y = make(np.array([[0, 1, 1, 0]]), None)
    AL, caches = dnn.L_model_forward(X, parameters)
    assert np.abs(dnn.to_numpy(caches[-1][1])).max() >= 1e4
    assert math.isfinite(float(dnn.compute_cost(AL, Y)))
    for value in dnn.L_model_backward(AL, Y, caches).values():
        assert np.isfinite(dnn.to_numpy(value)).all()
    _, costs = dnn.train(X, Y, parameters, learning_rate=0.01, num_iterations=3)
    assert all(math.isfinite(cost) for cost in costs)


def _float_arrays(mk, n_prev=3, n=2, m=4):
    rng = np.random.RandomState(2)
    return {"A_prev": mk(rng.randn(n_prev, m)), "W": mk(rng.randn(n, n_prev)), "b": mk(rng.randn(n, 1)),
            "Z": mk(rng.randn(n, m)), "dZ": mk(rng.randn(n, m)), "dA": mk(rng.randn(n, m))}


#: Step-by-step function -> (its array arguments, a call taking them by name). Every argument
#: is checked on its own: replaced by a list or by integers, the error must name it.
STEP_FUNCTIONS = {
    "linear_forward": (("A_prev", "W", "b"), lambda a: dnn.linear_forward(a["A_prev"], a["W"], a["b"])),
    "linear_activation_forward": (
        ("A_prev", "W", "b"), lambda a: dnn.linear_activation_forward(a["A_prev"], a["W"], a["b"], "relu")),
    "linear_backward": (("dZ", "A_prev", "W", "b"),
                        lambda a: dnn.linear_backward(a["dZ"], (a["A_prev"], a["W"], a["b"]))),
    "linear_activation_backward": (
        ("dA", "A_prev", "W", "b", "Z"),
        lambda a: dnn.linear_activation_backward(a["dA"], ((a["A_prev"], a["W"], a["b"]), a["Z"]), "sigmoid")),
    "L_model_backward": (
        ("A_prev", "W", "b", "Z"),
        lambda a: dnn.L_model_backward(a["AL"], a["Y"], [((a["A_prev"], a["W"], a["b"]), a["Z"])])),
    "sigmoid": (("Z",), lambda a: dnn.sigmoid(a["Z"])),
    "relu": (("Z",), lambda a: dnn.relu(a["Z"])),
    "sigmoid_backward": (("dA", "Z"), lambda a: dnn.sigmoid_backward(a["dA"], a["Z"])),
    "relu_backward": (("dA", "Z"), lambda a: dnn.relu_backward(a["dA"], a["Z"])),
}
#: The names the messages use for linear_forward's A and the caches' arrays.
MESSAGE_NAMES = {"linear_forward": {"A_prev": "A"}, "sigmoid_backward": {"Z": "cache"},
                 "relu_backward": {"Z": "cache"}}


@pytest.mark.parametrize(("function", "argument", "replacement"), [
    (f, a, r) for f, (arguments, _) in STEP_FUNCTIONS.items() for a in arguments
    for r in ("list", "integers", "float32") if r != "float32" or len(arguments) > 1  # float32 alone is valid
])
def test_every_array_argument_is_checked(function, argument, replacement, make, float_dtypes):
    if replacement == "float32" and "float64" not in float_dtypes:
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")
    _, call = STEP_FUNCTIONS[function]
    values = _float_arrays(make, n=1 if function == "L_model_backward" else 2)
    values["AL"], values["Y"] = make(np.full((1, 4), 0.5)), make(np.array([[0, 1, 1, 0]]), None)
    host = np.asarray(dnn.to_numpy(values[argument]))
    values[argument] = {"list": host.tolist(), "integers": make(np.ones(host.shape), "int64"),
                        "float32": make(host, "float32")}[replacement]
    name = MESSAGE_NAMES.get(function, {}).get(argument, argument)
    with pytest.raises(TypeError) as info:
        call(values)
    message = str(info.value)
    expected = {"list": "expected an array, got list", "integers": "expected a real floating dtype",
                "float32": "has dtype float"}[replacement]
    assert expected in message
    assert re.search(rf"(^|\(|\b){name}\)?( has dtype|: expected)", message), message
