"""Namespaces, devices and dtypes: what goes in comes out; mixing is refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
import reference
from notebook_cases import L_model_backward_case, L_model_forward_2hidden_case

import portable_dnn as dnn


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_dtype_is_kept_end_to_end(dtype, backend_kwargs, make, check):
    """Every array out of forward, cost, backward and update is on the device, in the dtype,
    with the values of the host reference."""
    parameters = dnn.initialize_parameters_deep([4, 5, 3, 1], dtype=dtype, **backend_kwargs)
    host_X, host_Y = np.random.RandomState(0).randn(4, 7), np.array([[0, 1, 1, 0, 1, 0, 1]])
    X, Y = make(host_X, dtype), make(host_Y, None)
    host_parameters = {key: dnn.to_numpy(value).astype(np.float64) for key, value in parameters.items()}
    host_AL, layers = reference.forward(host_X, host_parameters)
    host_grads = reference.backward(host_AL, host_Y, layers)
    tolerance = {"atol": 1e-12, "rtol": 1e-10} if dtype == "float64" else {"atol": 1e-6, "rtol": 1e-4}

    AL, caches = dnn.L_model_forward(X, parameters)
    check(AL, host_AL, dtype=dtype, **tolerance)
    for (_, _, Z), cache in zip(layers, caches, strict=True):
        check(cache[1], Z, dtype=dtype, **tolerance)
    check(dnn.compute_cost(AL, Y), reference.cost(host_AL, host_Y), dtype=dtype, **tolerance)
    grads = dnn.L_model_backward(AL, Y, caches)
    updated = dnn.update_parameters(parameters, grads, 0.5)
    for key, value in host_grads.items():
        check(grads[key], value, dtype=dtype, **tolerance)
        check(updated[key[1:]], host_parameters[key[1:]] - 0.5 * value, dtype=dtype, **tolerance)


@pytest.mark.parametrize("labels", [[[True, False, True]], [[1, 0, 1]], [1, 0, 1], [[1.0, 0.0, 1.0]]])
def test_labels_of_any_real_dtype_and_either_shape(labels, make, check):
    AL = make([[0.8, 0.3, 0.6]])
    expected = -np.mean(np.log([0.8, 0.7, 0.6]))
    check(dnn.compute_cost(AL, make(labels, None)), expected, atol=1e-14)


def test_default_dtype_is_the_widest_float_of_the_device(backend_kwargs, xp, float_dtypes):
    W1 = dnn.initialize_parameters(2, 2, 1, **backend_kwargs)["W1"]
    assert W1.dtype == getattr(xp, "float64" if "float64" in float_dtypes else "float32")


def test_default_dtype_without_float64():
    strict = pytest.importorskip("array_api_strict")
    parameters = dnn.initialize_parameters(3, 2, 1, backend="array_api_strict", device="no_float64")
    assert parameters["W1"].dtype == strict.float32
    assert parameters["W1"].device == strict.Device("no_float64")
    expected = np.float32(np.random.RandomState(1).randn(2, 3) * 0.01)
    np.testing.assert_array_equal(dnn.to_numpy(parameters["W1"]), expected)


def test_jax_float64_is_refused_while_x64_is_off_and_the_setting_is_left_alone(xp, float_dtypes):
    if "jax" not in xp.__name__ or "float64" in float_dtypes:
        pytest.skip("needs JAX with float64 switched off (its default)")
    import jax

    with pytest.raises(ValueError, match="dtype: expected one of \\['float32'\\].*JAX_ENABLE_X64=1"):
        dnn.initialize_parameters(2, 2, 1, backend="jax", dtype="float64")
    assert not jax.config.jax_enable_x64


def test_every_backend_receives_identical_initial_values(backend_kwargs):
    reference_draws = dnn.initialize_parameters_deep([6, 4, 1], seed=7, init="he")
    parameters = dnn.initialize_parameters_deep([6, 4, 1], seed=7, init="he", **backend_kwargs)
    for key, expected in reference_draws.items():
        host = dnn.to_numpy(parameters[key])
        np.testing.assert_array_equal(host, expected.astype(host.dtype))


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
        (lambda: dnn.linear_activation_forward(np.ones((3, 2)), np.ones((1, 3)), np.ones((1, 1)), "swish"),
         ValueError, r"activation: expected one of \['exp', 'identity', 'leaky_relu', 'relu', 'sigmoid', 'softmax', "
                     r"'tanh'\], got 'swish'"),
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
        hint = r"python3 -m pip install '\.\[cuda12\]' in the portable_dnn checkout"
        with pytest.raises(dnn.BackendUnavailableError, match=rf"backend 'cupy' is not available.*{hint}"):
            dnn.initialize_parameters(2, 2, 1, backend="cupy")
    else:
        pytest.skip("CuPy is installed here")


@pytest.mark.parametrize(("module", "backend"), [("numpy", "numpy"), ("dask.array", "dask"), ("torch", "torch"),
                                                 ("jax.numpy", "jax"), ("array_api_strict", "array_api_strict")])
def test_an_array_library_module_means_its_backend(module, backend):
    library = pytest.importorskip(module, reason=f"{module} is not installed")
    parameters = dnn.initialize_parameters_deep([3, 2], backend=library, dtype="float32")
    assert dnn.resolve_namespace(library) is dnn.resolve_namespace(backend)
    from array_api_compat import array_namespace

    assert array_namespace(parameters["W1"]) is dnn.resolve_namespace(backend)
