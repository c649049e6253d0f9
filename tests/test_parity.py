"""Parity: training on the backend under test gives what the course's loop, written out in
plain host NumPy (``reference.py``), gives from the same seed and data.

float64: 1e-10. float32: rtol 1e-4 — each implementation sums in its own order (BLAS
blocking, pairwise reductions), so float32 results differ by a few ulps (eps = 1.2e-7) per
operation, and 101 gradient steps through 3 layers amplify that by at most a few hundred.
"""

from __future__ import annotations

import numpy as np
import pytest
import reference

import portable_dnn as dnn

TOLERANCES = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-4, "atol": 1e-6}}


@pytest.mark.parametrize("dtype", sorted(TOLERANCES))
def test_training_matches_the_host_reference(dtype, float_dtypes, backend_kwargs):
    if dtype not in float_dtypes:
        pytest.skip(f"the device under test has no {dtype}")
    data = dnn.load_digits_parity(dtype=dtype, **backend_kwargs)
    X, Y = data.train_x[:, :300], data.train_y[:, :300]
    start = dnn.initialize_parameters_deep([64, 10, 5, 1], seed=1, init="lecun", dtype=dtype, **backend_kwargs)
    trained, costs = dnn.train(X, Y, start, learning_rate=0.1, num_iterations=101)

    host_start = {key: dnn.to_numpy(value) for key, value in start.items()}
    expected, expected_costs = reference.gradient_descent(
        dnn.to_numpy(X), dnn.to_numpy(Y), host_start, learning_rate=0.1, num_iterations=101)
    np.testing.assert_allclose(costs, expected_costs, **TOLERANCES[dtype])
    for key, value in expected.items():
        host = dnn.to_numpy(trained[key])
        assert host.dtype == np.dtype(dtype), key
        np.testing.assert_allclose(host, value, **TOLERANCES[dtype], err_msg=key)
    assert np.abs(expected["W1"] - host_start["W1"]).max() > 1e-3  # training moved the weights
