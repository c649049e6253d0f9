"""Dask arrays streamed through the fast step: mini-batch training block by block (a seeded block
order, the course's shuffling within each block), the estimator on Dask data, lazy block-wise
prediction, and dask-ml's wrappers."""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn._engine.streaming import BLOCK_SEED_STRIDE

da = pytest.importorskip("dask.array", reason="Dask is not installed")


def blobs(m, classes=3, seed=0, n=4):
    rng = np.random.RandomState(seed)
    labels = np.arange(m) % classes
    centres = rng.randn(n, classes) * 2
    return rng.randn(n, m) + centres[:, labels], labels


SETTINGS = {"learning_rate": 0.05, "num_epochs": 3, "mini_batch_size": 16, "seed": 2, "record_every": 1}


def start(units=3, n=4):
    return dnn.initialize_parameters_deep([n, 6, units], seed=1, init="he")


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_one_block_an_epoch_trains_as_in_memory(optimizer):
    X, labels = blobs(100)
    expected, expected_costs = dnn.train(X, labels, start(), optimizer=optimizer, **SETTINGS)
    parameters = {key: da.from_array(value) for key, value in start().items()}
    trained, costs = dnn.train(da.from_array(X, chunks=(4, 100)), da.from_array(labels, chunks=100), parameters,
                               optimizer=optimizer, **SETTINGS)
    np.testing.assert_allclose(costs, expected_costs, rtol=1e-12)
    for key, value in expected.items():
        assert isinstance(trained[key], da.Array)  # the caller's namespace
        np.testing.assert_allclose(trained[key].compute(), value, rtol=1e-12, atol=1e-14)


def step_by_step_blocks(X, labels, parameters, chunk, *, learning_rate, num_epochs, mini_batch_size, seed,
                        record_every):
    """The documented order with the course's functions: epoch e visits the blocks in
    RandomState(seed + e + 1).permutation(blocks) order, the block in position p cut into
    random_mini_batches(..., seed + e + 1 + p * BLOCK_SEED_STRIDE); gradient descent."""
    Y = dnn.one_hot(labels, 3)
    starts = list(range(0, X.shape[1], chunk))
    for epoch in range(num_epochs):
        epoch_seed = seed + epoch + 1
        for position, block in enumerate(np.random.RandomState(epoch_seed).permutation(len(starts))):
            columns = slice(starts[block], starts[block] + chunk)
            for Xb, Yb in dnn.random_mini_batches(X[:, columns], Y[:, columns], mini_batch_size,
                                                  epoch_seed + position * BLOCK_SEED_STRIDE):
                AL, caches = dnn.L_model_forward(Xb, parameters)
                grads = dnn.L_model_backward(AL, Yb, caches)
                parameters = dnn.update_parameters_with_gd(parameters, grads, learning_rate)
    return parameters


def test_several_blocks_follow_the_documented_order():
    X, labels = blobs(100)
    expected = step_by_step_blocks(X, labels, start(), 40, **SETTINGS)
    trained, costs = dnn.train(da.from_array(X, chunks=(4, 40)), da.from_array(labels, chunks=40),
                               {key: da.from_array(value) for key, value in start().items()}, **SETTINGS)
    assert len(costs) == 3 and costs[-1] < costs[0]
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key].compute(), value, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("X", "Y", "message"), [
    (da.ones((4, 60), chunks=(2, 20)), da.zeros(60, chunks=20, dtype=int), "chunked along the examples only"),
    (da.ones((4, 60), chunks=(4, 20)), da.zeros(60, chunks=30, dtype=int), "do not line up with X's chunks"),
    (da.ones((4, 60), chunks=(4, 20)), np.zeros(60, dtype=int), "expected a Dask array like X"),
])
def test_streams_refuse_what_they_cannot_stream(X, Y, message):
    parameters = {key: da.from_array(value) for key, value in start(units=1).items()}
    with pytest.raises((ValueError, TypeError), match=message):
        dnn.train(X, Y, parameters, learning_rate=0.1, num_epochs=1, mini_batch_size=8)


def test_unknown_chunk_sizes_are_refused():
    X = da.ones((4, 60), chunks=(4, 20))
    X = X[:, X[0] > 0]  # chunk sizes unknown until computed
    parameters = {key: da.from_array(value) for key, value in start(units=1).items()}
    with pytest.raises(ValueError, match="unknown chunk sizes; call X.compute_chunk_sizes"):
        dnn.train(X, da.zeros(60, chunks=20, dtype=int), parameters, learning_rate=0.1, num_epochs=1,
                  mini_batch_size=8)


def test_the_estimator_streams_dask_data_and_predicts_lazily(tmp_path):
    """A Dask X of one block trains as train() on it in memory with the stream's order (the
    course's shuffles, not the generator an in-memory fit shuffles with)."""
    X, labels = blobs(300, seed=3)
    rows = X.T.copy()
    settings = {"hidden_layers": (8,), "num_iterations": 4, "batch_size": 32, "early_stopping": False,
                "n_iter_no_change": None}
    model = dnn.DeepNeuralNetwork(**settings).fit(da.from_array(rows, chunks=(300, 4)), da.from_array(labels))
    parameters, costs = dnn.train(X, labels, dnn.initialize_parameters_deep([4, 8, 3], seed=1, init="glorot"),
                                  learning_rate=0.001, num_epochs=4, optimizer="adam", mini_batch_size=32,
                                  lambd=0.0001, seed=1, record_every=1, epsilon_hat=True)
    np.testing.assert_allclose(model.costs_, costs, rtol=1e-12)
    for key, value in parameters.items():
        np.testing.assert_allclose(model.parameters_[key].compute(), value, rtol=1e-12, atol=1e-14)
    expected = dnn.DeepNeuralNetwork.load(model.save(tmp_path / "model.npz"))  # NumPy parameters
    lazy = da.from_array(rows, chunks=(70, 4))
    for fitted in (model, expected):  # Dask parameters, and NumPy parameters
        probabilities, predicted = fitted.predict_proba(lazy), fitted.predict(lazy)
        assert isinstance(probabilities, da.Array) and isinstance(predicted, da.Array)
        np.testing.assert_allclose(probabilities.compute(), expected.predict_proba(rows), rtol=1e-10)
        np.testing.assert_array_equal(predicted.compute(), expected.predict(rows))
        assert fitted.score(lazy, da.from_array(labels)) == expected.score(rows, labels)
    with pytest.raises(ValueError, match="chunked along the samples only"):
        model.predict(da.from_array(rows, chunks=(300, 2)))


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")  # short fits on purpose
def test_early_stopping_on_dask_data_holds_out_a_stratified_split():
    X, labels = blobs(400, seed=4)
    model = dnn.DeepNeuralNetwork(hidden_layers=(8,), num_iterations=5, batch_size=32, early_stopping=True,
                                  validation_fraction=0.2, learning_rate=0.02)
    model.fit(da.from_array(X.T.copy(), chunks=(100, 4)), da.from_array(labels, chunks=100))
    assert len(model.validation_scores_) == model.n_iter_ == 5
    assert all(abs(score * 80 - round(score * 80)) < 1e-9 for score in model.validation_scores_)  # of 80 held out
    assert model.best_validation_score_ > 0.8 and model.score(X.T, labels) > 0.8


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("dask.distributed", reason="dask.distributed is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")  # short fits on purpose
def test_blocks_stream_from_a_cluster_and_predictions_run_there(client):
    """Through the active client the workers compute the blocks (fetched one ahead) and the
    predictions; the results are those of the local scheduler."""
    X, labels = blobs(200, seed=5)
    expected = step_by_step_blocks(X, labels, start(), 50, **SETTINGS)
    trained, _ = dnn.train(da.from_array(X, chunks=(4, 50)), da.from_array(labels, chunks=50),
                           {key: da.from_array(value) for key, value in start().items()}, **SETTINGS)
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key].compute(), value, rtol=1e-10, atol=1e-12)
    model = dnn.DeepNeuralNetwork(hidden_layers=(8,), num_iterations=3, batch_size=32).fit(X.T, labels)
    lazy = da.from_array(X.T.copy(), chunks=(50, 4))
    np.testing.assert_array_equal(client.compute(model.predict(lazy)).result(), model.predict(X.T))


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")  # short fits on purpose
def test_dask_mls_wrappers():
    wrappers = pytest.importorskip("dask_ml.wrappers", reason="dask-ml is not installed")
    X, labels = blobs(400, seed=6)
    rows = da.from_array(X.T.copy(), chunks=(100, 4))
    incremental = wrappers.Incremental(dnn.DeepNeuralNetwork(hidden_layers=(8,)), scoring="accuracy")
    incremental.fit(rows, da.from_array(labels, chunks=100), classes=[0, 1, 2])
    assert incremental.estimator_.n_iter_ == 4  # one partial_fit per block
    post = wrappers.ParallelPostFit(dnn.DeepNeuralNetwork(hidden_layers=(8,), num_iterations=5)).fit(X.T, labels)
    np.testing.assert_array_equal(post.predict(rows).compute(), post.estimator.predict(X.T))
    np.testing.assert_allclose(post.predict_proba(rows).compute(), post.estimator.predict_proba(X.T))


def streamed(m=60, chunk=20, units=1):
    """Dask X (4, m) in blocks of ``chunk`` examples and the starting parameters as Dask arrays."""
    X, labels = blobs(m, classes=2)
    return X, labels, da.from_array(X, chunks=(4, chunk)), {key: da.from_array(value)
                                                            for key, value in start(units=units).items()}


@pytest.mark.parametrize(("change", "message"), [
    ("weight", "sample_weight: expected finite, non-negative weights"),
    ("nan", "X: contains NaN or infinity"),
])
def test_a_stream_refuses_bad_values_in_a_block(change, message):
    X, labels, dX, parameters = streamed()
    weights = np.ones(60)
    if change == "weight":
        weights[45] = -1.0  # in the last block
    else:
        X[2, 45] = np.nan
        dX = da.from_array(X, chunks=(4, 20))
    with pytest.raises(ValueError, match=message):
        dnn.train(dX, da.from_array(labels[None, :].astype(float), chunks=(1, 20)), parameters, learning_rate=0.1,
                  num_epochs=2, mini_batch_size=8, sample_weight=da.from_array(weights, chunks=20))


def test_a_one_hot_target_chunked_across_its_classes_is_refused():
    _, labels, dX, parameters = streamed(units=3)
    Y = da.from_array(np.eye(3)[labels % 3].T, chunks=(1, 20))  # (3, 60): three chunks along the classes
    with pytest.raises(ValueError, match=r"Y: its chunks \(\(1, 1, 1\), \(20, 20, 20\)\) do not line up"):
        dnn.train(dX, Y, parameters, learning_rate=0.1, num_epochs=1, mini_batch_size=8)


def test_each_block_is_fetched_once_an_epoch_and_the_next_epochs_first_ahead(monkeypatch):
    from portable_dnn._engine import streaming

    started = []
    fetch = streaming.BlockFetcher._start

    def counting(self, i):
        started.append(i)
        return fetch(self, i)

    monkeypatch.setattr(streaming.BlockFetcher, "_start", counting)
    _, labels, dX, parameters = streamed()
    dnn.train(dX, da.from_array(labels, chunks=20), parameters, learning_rate=0.1, num_epochs=4, mini_batch_size=8,
              seed=2)
    orders = [list(np.random.RandomState(2 + epoch + 1).permutation(3)) for epoch in range(5)]
    assert started == [*orders[0], *orders[1], *orders[2], *orders[3], orders[4][0]]  # 13 computes, none wasted


def test_the_estimator_streams_with_host_sample_weights():
    X, labels, _, _ = streamed()
    dX = da.from_array(X.T, chunks=(20, 4))
    settings = {"hidden_layers": (6,), "num_iterations": 3, "n_iter_no_change": None, "batch_size": 20, "alpha": 0.0}
    unweighted = dnn.DeepNeuralNetwork(**settings).fit(dX, labels)
    uniform = dnn.DeepNeuralNetwork(**settings).fit(dX, labels, sample_weight=np.full(60, 3.0))
    np.testing.assert_allclose(uniform.costs_, unweighted.costs_, rtol=1e-12)  # a weighted mean: the scale cancels
    weighted = dnn.DeepNeuralNetwork(**settings).fit(dX, labels, sample_weight=np.linspace(0.1, 2.0, 60))
    assert weighted.n_iter_ == 3 and np.abs(np.array(weighted.costs_) - unweighted.costs_).min() > 1e-3
