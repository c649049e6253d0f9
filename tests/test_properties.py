"""Property-based tests (hypothesis): random layer sizes, m and dtypes, on the backend under test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import portable_dnn as dnn

# The fixtures used here are stateless (a namespace, a device, array makers), so sharing
# them across generated examples is safe.
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

layer_dims = st.lists(st.integers(1, 6), min_size=1, max_size=3).map(lambda hidden: [4, *hidden, 1])
seeds = st.integers(0, 2**31 - 1)


def random_network(dims, m, seed, dtype, make, scale=1.0):
    rng = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = make(rng.randn(dims[l], dims[l - 1]) * scale, dtype)
        parameters[f"b{l}"] = make(rng.randn(dims[l], 1) * 0.1, dtype)
    X = make(rng.randn(dims[0], m), dtype)
    Y = make((rng.rand(1, m) > 0.5).astype(np.int64), None)
    return X, Y, parameters


@SETTINGS
@given(dims=layer_dims, m=st.integers(1, 8), seed=seeds, dtype=st.sampled_from(["float32", "float64"]),
       scale=st.sampled_from([0.01, 1.0, 100.0]))
def test_forward_gives_probabilities(dims, m, seed, dtype, scale, make, xp, float_dtypes):
    dtype = dtype if dtype in float_dtypes else "float32"
    X, _, parameters = random_network(dims, m, seed, dtype, make, scale)
    AL, caches = dnn.L_model_forward(X, parameters)
    host = dnn.to_numpy(AL)
    assert host.shape == (1, m) and AL.dtype == getattr(xp, dtype) and len(caches) == len(dims) - 1
    assert np.all((host >= 0) & (host <= 1))


@SETTINGS
@given(dims=layer_dims, m=st.integers(1, 6), seed=seeds)
def test_backward_matches_finite_differences(dims, m, seed, make, float_dtypes):
    if "float64" not in float_dtypes:
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")
    X, Y, parameters = random_network(dims, m, seed, "float64", make)
    AL, caches = dnn.L_model_forward(X, parameters)
    assume(all(np.abs(dnn.to_numpy(cache[1])).min() > 1e-4 for cache in caches[:-1]))  # no ReLU kink
    assume(0.01 < dnn.to_numpy(AL).min() and dnn.to_numpy(AL).max() < 0.99)  # away from the clip
    grads = dnn.L_model_backward(AL, Y, caches)
    host = {key: dnn.to_numpy(value) for key, value in parameters.items()}
    step = 1e-6
    for key, value in host.items():
        index = tuple(np.random.RandomState(seed).randint(0, n) for n in value.shape)
        costs = []
        for sign in (1, -1):
            moved = dict(host)
            moved[key] = value.copy()
            moved[key][index] += sign * step
            shifted = {k: make(v) for k, v in moved.items()}
            costs.append(float(dnn.compute_cost(dnn.L_model_forward(X, shifted)[0], Y)))
        numeric = (costs[0] - costs[1]) / (2 * step)
        assert dnn.to_numpy(grads["d" + key])[index] == pytest.approx(numeric, rel=1e-4, abs=1e-7)


@SETTINGS
@given(dims=layer_dims, m=st.integers(4, 12), seed=seeds, dtype=st.sampled_from(["float32", "float64"]))
def test_one_small_step_lowers_the_cost_on_separable_data(dims, m, seed, dtype, make, float_dtypes):
    dtype = dtype if dtype in float_dtypes else "float32"
    rng = np.random.RandomState(seed)
    host_X = rng.randn(dims[0], m)
    Y = make((host_X[0:1] > 0).astype(np.int64), None)  # separable by the first feature
    X = make(host_X, dtype)
    initial = dnn.initialize_parameters_deep(dims, seed=seed % 1000, init="he")
    parameters = {key: make(value, dtype) for key, value in initial.items()}
    AL, caches = dnn.L_model_forward(X, parameters)
    grads = dnn.L_model_backward(AL, Y, caches)
    norm = sum(float(np.sum(dnn.to_numpy(grads[k]) ** 2)) for k in grads if k.startswith(("dW", "db")))
    assume(norm > 1e-6)
    # Away from ReLU's kink: a hidden pre-activation exactly 0 (a dead layer with zero biases
    # below it) has a one-sided derivative the gradient does not describe, so a step can raise the cost.
    assume(all(np.all(dnn.to_numpy(cache[1]) != 0) for cache in caches[:-1]))
    before = float(dnn.compute_cost(AL, Y))
    after_parameters, _ = dnn.train(X, Y, parameters, learning_rate=1e-2 / max(1.0, norm), num_iterations=1)
    after = float(dnn.compute_cost(dnn.L_model_forward(X, after_parameters)[0], Y))
    assert after < before


@SETTINGS
@given(dims=layer_dims, seed=seeds, dtype=st.sampled_from(["float32", "float64"]))
def test_save_load_round_trip_is_exact(dims, seed, dtype, make, backend_kwargs, tmp_path_factory, float_dtypes):
    dtype = dtype if dtype in float_dtypes else "float32"
    _, _, parameters = random_network(dims, 1, seed, dtype, make)
    path = tmp_path_factory.mktemp("models") / "model.npz"
    dnn.save_parameters(path, parameters)
    loaded = dnn.load_parameters(path, **backend_kwargs)
    assert list(loaded) == list(parameters)
    for key, value in parameters.items():
        assert loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(dnn.to_numpy(loaded[key]), dnn.to_numpy(value))
