"""Cross-backend parity: the same seed and data give the same costs and parameters everywhere.

Runs in every session over every backend installed there (others skip with the reason).
float64: 1e-10. float32: rtol 1e-4 — each backend sums in its own order (BLAS blocking,
pairwise reductions), so float32 results differ by a few ulps (eps = 1.2e-7) per operation,
and 50 gradient steps through 3 layers amplify that by at most a few hundred.
"""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn

BACKENDS = [("numpy", None), ("array_api_strict", None), ("array_api_strict", "device1"),
            ("torch", None), ("jax", None), ("dask", None), ("cupy", None)]
TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-4, "atol": 1e-6}}


def run(backend, device, dtype):
    data = dnn.load_digits_parity(backend=backend, device=device, dtype=dtype)
    X, Y = data.train_x[:, :300], data.train_y[:, :300]
    parameters = dnn.initialize_parameters_deep([64, 10, 5, 1], seed=1, init="lecun", backend=backend,
                                                device=device, dtype=dtype)
    trained, costs = dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=101)
    return {key: dnn.to_numpy(value) for key, value in trained.items()}, costs


@pytest.mark.parametrize("dtype", sorted(TOLERANCES))
@pytest.mark.parametrize(("backend", "device"), BACKENDS, ids=[f"{b}-{d or 'default'}" for b, d in BACKENDS])
def test_same_costs_and_parameters_as_numpy(backend, device, dtype):
    if backend == "cupy":
        try:
            import cupy

            cupy.cuda.runtime.getDeviceCount()
        except Exception as error:
            pytest.skip(f"CuPy unavailable: {type(error).__name__}: {error}")
    try:
        dnn.resolve_namespace(backend)
    except dnn.BackendUnavailableError as error:
        pytest.skip(str(error))
    expected_parameters, expected_costs = run("numpy", None, dtype)
    parameters, costs = run(backend, device, dtype)
    np.testing.assert_allclose(costs, expected_costs, **TOLERANCES[dtype])
    for key, value in expected_parameters.items():
        assert parameters[key].dtype == value.dtype
        np.testing.assert_allclose(parameters[key], value, **TOLERANCES[dtype], err_msg=key)
