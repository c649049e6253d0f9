"""Every output the notebook prints, on every backend, in float64 (to 1e-8) and float32."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from notebook_cases import (
    EXPECTED,
    L_model_backward_case,
    L_model_forward_2hidden_case,
    compute_cost_case,
    linear_activation_backward_case,
    linear_activation_forward_case,
    linear_backward_case,
    linear_forward_case,
    update_parameters_case,
)

import portable_dnn as dnn

#: dtype -> tolerance: the notebook's 8 printed decimals in float64; float32's precision.
PRECISIONS = {"float64": {"atol": 1e-8}, "float32": {"atol": 1e-6, "rtol": 1e-5}}


@pytest.fixture(params=sorted(PRECISIONS))
def dtype(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def on_device(make: Any, dtype: str) -> Any:
    """Move a nested structure (tuples, lists, dicts) of host arrays to the backend under test."""

    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, (tuple, list)):
            return type(value)(convert(item) for item in value)
        return make(value, dtype)

    return convert


@pytest.fixture
def expect(check: Any, dtype: str) -> Any:
    def expect(actual: Any, expected: Any) -> None:
        check(actual, expected, dtype=dtype, **PRECISIONS[dtype])

    return expect


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("initialize_parameters", lambda kw: dnn.initialize_parameters(3, 2, 1, **kw)),
        ("initialize_parameters_deep", lambda kw: dnn.initialize_parameters_deep([5, 4, 3], **kw)),
    ],
)
def test_initialization(name, call, backend_kwargs, dtype, expect):
    parameters = call({**backend_kwargs, "dtype": dtype})
    assert list(parameters) == list(EXPECTED[name])
    for key, expected in EXPECTED[name].items():
        expect(parameters[key], expected)


def test_linear_forward(on_device, expect):
    A, W, b = on_device(linear_forward_case())
    Z, cache = dnn.linear_forward(A, W, b)
    expect(Z, EXPECTED["linear_forward"]["Z"])
    assert cache[0] is A and cache[1] is W and cache[2] is b


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_forward(activation, on_device, expect):
    A_prev, W, b = on_device(linear_activation_forward_case())
    A, (linear_cache, activation_cache) = dnn.linear_activation_forward(A_prev, W, b, activation)
    expect(A, EXPECTED["linear_activation_forward"][activation])
    assert linear_cache == (A_prev, W, b)
    expect(activation_cache, dnn.to_numpy(W) @ dnn.to_numpy(A_prev) + dnn.to_numpy(b))


def test_L_model_forward(on_device, expect):
    X, parameters = on_device(L_model_forward_2hidden_case())
    AL, caches = dnn.L_model_forward(X, parameters)
    expect(AL, EXPECTED["L_model_forward"]["AL"])
    assert len(caches) == EXPECTED["L_model_forward"]["caches"]
    assert caches[0][0][0] is X and caches[2][0][1] is parameters["W3"]


def test_compute_cost(on_device, make, check, dtype):
    Y, AL = compute_cost_case()
    cost = dnn.compute_cost(on_device(AL), make(Y, None))  # integer labels, as the notebook
    assert cost.ndim == 0
    tolerance = {"atol": 1e-12} if dtype == "float64" else PRECISIONS[dtype]
    check(cost, EXPECTED["compute_cost"], dtype=dtype, **tolerance)


def test_linear_backward(on_device, expect):
    dZ, cache = on_device(linear_backward_case())
    dA_prev, dW, db = dnn.linear_backward(dZ, cache)
    expected = EXPECTED["linear_backward"]
    expect(dA_prev, expected["dA_prev"])
    expect(dW, expected["dW"])
    expect(db, expected["db"])


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_backward(activation, on_device, expect):
    dA, cache = on_device(linear_activation_backward_case())
    dA_prev, dW, db = dnn.linear_activation_backward(dA, cache, activation)
    expected = EXPECTED["linear_activation_backward"][activation]
    expect(dA_prev, expected["dA_prev"])
    expect(dW, expected["dW"])
    expect(db, expected["db"])


def test_L_model_backward(on_device, make, expect):
    AL, Y, caches = L_model_backward_case()
    AL, caches = on_device(AL), on_device(caches)
    grads = dnn.L_model_backward(AL, make(Y, None), caches)
    assert sorted(grads) == ["dA0", "dA1", "dW1", "dW2", "db1", "db2"]
    for key, expected in EXPECTED["L_model_backward"].items():
        expect(grads[key], expected)
    assert tuple(grads["dA0"].shape) == (4, 2)
    assert tuple(grads["dA1"].shape) == (3, 2)


def test_update_parameters(on_device, expect):
    parameters, grads = on_device(update_parameters_case())
    before = {key: dnn.to_numpy(value).copy() for key, value in parameters.items()}
    updated = dnn.update_parameters(parameters, grads, 0.1)
    assert list(updated) == ["W1", "b1", "W2", "b2"]
    for key, expected in EXPECTED["update_parameters"].items():
        expect(updated[key], expected)
    for key, value in parameters.items():  # the caller's arrays are untouched
        np.testing.assert_array_equal(dnn.to_numpy(value), before[key])
