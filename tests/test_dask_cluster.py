"""Dask: training on a dask.distributed LocalCluster with data chunked along the examples."""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn


def test_training_on_a_two_worker_cluster_matches_numpy():
    da = pytest.importorskip("dask.array", reason="Dask is not installed")
    distributed = pytest.importorskip("dask.distributed", reason="dask.distributed is not installed")
    data = dnn.load_digits_parity()
    host_X, host_Y = dnn.to_numpy(data.train_x), dnn.to_numpy(data.train_y)
    start = dnn.initialize_parameters_deep([64, 10, 1], seed=1, init="lecun")
    expected, expected_costs = dnn.train(host_X, host_Y, start, learning_rate=0.1, num_iterations=31)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=40) as cluster, distributed.Client(cluster):
        X = da.from_array(host_X, chunks=(64, 337))  # 4 chunks of examples, spread over the workers
        Y = da.from_array(host_Y, chunks=(1, 337))
        parameters = {key: da.from_array(value) for key, value in start.items()}  # small: kept whole
        trained, costs = dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=31)
        # Each iteration was persisted: the parameters' graphs hold their results, not 31 iterations.
        assert all(len(value.__dask_graph__()) == 1 for value in trained.values())
        np.testing.assert_allclose(costs, expected_costs, rtol=1e-10)
        for key, value in expected.items():
            np.testing.assert_allclose(dnn.to_numpy(trained[key]), value, rtol=1e-10, atol=1e-12)
