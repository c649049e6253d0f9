"""Namespaces, devices and dtypes: what goes in comes out; mixing is refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
from notebook_cases import L_model_backward_case, L_model_forward_2hidden_case

import portable_dnn as dnn


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_dtype_is_kept_end_to_end(dtype, backend_kwargs, make, check):
    parameters = dnn.initialize_parameters_deep([4, 5, 3, 1], dtype=dtype, **backend_kwargs)
    X = make(np.random.RandomState(0).randn(4, 7), dtype)
    Y = make(np.array([[0, 1, 1, 0, 1, 0, 1]]), None)
    AL, caches = dnn.L_model_forward(X, parameters)
    check(AL, dnn.to_numpy(AL), dtype=dtype)
    check(dnn.compute_cost(AL, Y), dnn.to_numpy(dnn.compute_cost(AL, Y)), dtype=dtype)
    grads = dnn.L_model_backward(AL, Y, caches)
    updated = dnn.update_parameters(parameters, grads, 0.5)
    for array in [*grads.values(), *updated.values(), *(c[1] for c in caches)]:
        check(array, dnn.to_numpy(array), dtype=dtype)


@pytest.mark.parametrize("labels", [[[True, False, True]], [[1, 0, 1]], [1, 0, 1], [[1.0, 0.0, 1.0]]])
def test_labels_of_any_real_dtype_and_either_shape(labels, make, check):
    AL = make([[0.8, 0.3, 0.6]])
    expected = -np.mean(np.log([0.8, 0.7, 0.6]))
    check(dnn.compute_cost(AL, make(labels, None)), expected, atol=1e-14)


def test_default_dtype_is_float64_where_the_device_has_it(backend_kwargs, xp, device):
    W1 = dnn.initialize_parameters(2, 2, 1, **backend_kwargs)["W1"]
    assert W1.dtype == xp.float64


def test_default_dtype_without_float64():
    strict = pytest.importorskip("array_api_strict")
    parameters = dnn.initialize_parameters(3, 2, 1, backend="array_api_strict", device="no_float64")
    assert parameters["W1"].dtype == strict.float32
    assert parameters["W1"].device == strict.Device("no_float64")
    expected = np.float32(np.random.RandomState(1).randn(2, 3) * 0.01)
    np.testing.assert_array_equal(dnn.to_numpy(parameters["W1"]), expected)


def test_every_backend_receives_identical_initial_values(backend_kwargs):
    reference = dnn.initialize_parameters_deep([6, 4, 1], seed=7, init="he")
    parameters = dnn.initialize_parameters_deep([6, 4, 1], seed=7, init="he", **backend_kwargs)
    for key in reference:
        np.testing.assert_array_equal(dnn.to_numpy(parameters[key]), reference[key])


@pytest.mark.parametrize(
    ("init", "scale"),
    [("small", lambda n: 0.01), ("lecun", lambda n: 1 / np.sqrt(n)), ("he", lambda n: np.sqrt(2 / n))],
)
def test_init_schemes_scale_the_legacy_stream(init, scale):
    parameters = dnn.initialize_parameters_deep([8, 5, 1], seed=1, init=init)
    rng = np.random.RandomState(1)
    np.testing.assert_allclose(parameters["W1"], rng.randn(5, 8) * scale(8), rtol=1e-15)
    np.testing.assert_allclose(parameters["W2"], rng.randn(1, 5) * scale(5), rtol=1e-15)


def _strict_pair():
    strict = pytest.importorskip("array_api_strict")
    return strict, strict.Device(), strict.Device("device1")


def test_mixing_devices_is_refused_with_argument_names():
    strict, cpu, device1 = _strict_pair()
    A, W, b = (strict.asarray(np.ones(shape), device=d) for shape, d in
               [((3, 2), device1), ((1, 3), cpu), ((1, 1), device1)])
    with pytest.raises(ValueError, match=r"W is on device .*device1.*A is on|W is on device .*CPU"):
        dnn.linear_forward(A, W, b)
    X, parameters = L_model_forward_2hidden_case()
    on1 = {key: strict.asarray(value, device=device1) for key, value in parameters.items()}
    with pytest.raises(ValueError, match=r"parameters\['W1'\] is on device"):
        dnn.L_model_forward(strict.asarray(X, device=cpu), on1)


def test_mixing_libraries_is_refused_with_argument_names():
    strict = pytest.importorskip("array_api_strict")
    X, parameters = L_model_forward_2hidden_case()
    strict_parameters = {key: strict.asarray(value) for key, value in parameters.items()}
    with pytest.raises(TypeError, match=r"different libraries .*X: numpy.ndarray"):
        dnn.L_model_forward(X, strict_parameters)
    AL, Y, caches = L_model_backward_case()
    with pytest.raises(TypeError, match="different libraries"):
        dnn.L_model_backward(strict.asarray(AL), Y, caches)


def test_mixed_float_dtypes_are_refused():
    A, W, b = np.ones((3, 2)), np.ones((1, 3), dtype=np.float32), np.ones((1, 1))
    with pytest.raises(TypeError, match="W has dtype float32 but A has dtype float64"):
        dnn.linear_forward(A, W, b)


def test_integer_features_are_refused():
    with pytest.raises(TypeError, match="A: expected a real floating dtype, got int64"):
        dnn.linear_forward(np.ones((3, 2), dtype=np.int64), np.ones((1, 3)), np.ones((1, 1)))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: dnn.linear_activation_forward(np.ones((3, 2)), np.ones((1, 3)), np.ones((1, 1)), "tanh"),
         ValueError, r"activation: expected one of \['relu', 'sigmoid'\], got 'tanh'"),
        (lambda: dnn.linear_forward(np.ones((4, 2)), np.ones((1, 3)), np.ones((1, 1))),
         ValueError, r"A: expected 3 rows \(W has shape \(1, 3\)\), got shape \(4, 2\)"),
        (lambda: dnn.linear_forward(np.ones((3, 2)), np.ones((1, 3)), np.ones((2, 1))),
         ValueError, r"b: expected shape \(1, 1\)"),
        (lambda: dnn.linear_forward([[1.0]], np.ones((1, 1)), np.ones((1, 1))),
         TypeError, "A: expected an array, got list"),
        (lambda: dnn.L_model_forward(np.ones((5, 2)), {"W1": np.ones((3, 5)), "b1": np.ones((3, 1)),
                                                        "W3": np.ones((1, 3)), "b2": np.ones((1, 1))}),
         ValueError, r"missing \['W2'\], unexpected \['W3'\]"),
        (lambda: dnn.L_model_forward(np.ones((5, 2)), {"W1": np.ones((3, 5)), "b1": np.ones((3, 1)),
                                                        "W2": np.ones((1, 4)), "b2": np.ones((1, 1))}),
         ValueError, r"parameters\['W2'\]: expected 3 columns"),
        (lambda: dnn.compute_cost(np.full((1, 3), 0.5), np.ones((1, 4))),
         ValueError, r"Y: expected shape \(1, 3\) or \(3,\), got \(1, 4\)"),
        (lambda: dnn.update_parameters({"W1": np.ones((1, 2)), "b1": np.ones((1, 1))},
                                       {"dW1": np.ones((1, 2))}, 0.1),
         ValueError, r"grads: missing 'db1'"),
        (lambda: dnn.update_parameters({"W1": np.ones((1, 2)), "b1": np.ones((1, 1))},
                                       {"dW1": np.ones((1, 2)), "db1": np.ones((1, 1))}, -1.0),
         ValueError, "learning_rate: expected a positive finite number, got -1.0"),
        (lambda: dnn.initialize_parameters_deep([3]), ValueError, "at least 2 sizes"),
        (lambda: dnn.initialize_parameters_deep([3, 0, 1]), ValueError, "positive integers, got 0"),
        (lambda: dnn.initialize_parameters_deep([3, 2], init="xavier"), ValueError, "init: expected one of"),
        (lambda: dnn.initialize_parameters_deep([3, 2], backend="tensorflow"), ValueError, "unknown backend"),
        (lambda: dnn.initialize_parameters_deep([3, 2], dtype="int32"), ValueError, "dtype: expected one of"),
        (lambda: dnn.linear_activation_backward(np.ones((1, 2)), ((np.ones((3, 2)), np.ones((1, 3))),
                                                                  np.ones((1, 2))), "relu"),
         ValueError, r"cache\[0\]: expected a cache \(A_prev, W, b\)"),
        (lambda: dnn.L_model_backward(np.full((1, 2), 0.5), np.ones((1, 2)), []),
         ValueError, "caches: expected a non-empty list"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_unavailable_backend_names_the_install():
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(dnn.BackendUnavailableError, match=r"backend 'cupy' is not available.*cuda12"):
            dnn.initialize_parameters(2, 2, 1, backend="cupy")
    else:
        pytest.skip("CuPy is installed here")
