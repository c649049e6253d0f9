"""DeepNeuralNetworkRegressor: scikit-learn's MLPRegressor conventions on the network with an
identity output layer and the squared error, on the backend under test."""

from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import array_namespace
from array_api_compat import device as array_device

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetworkRegressor

QUIET = pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")  # short fits on purpose


def data(m=300, outputs=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(m, 5)
    Y = np.stack([X[:, 0] - 2 * X[:, 1] + 0.5 * X[:, 2] * X[:, 3], np.sin(X[:, 4]) + X[:, 0]], axis=1)[:, :outputs]
    return X, Y


@QUIET
def test_fit_predict_score_on_the_backend_under_test(make, xp, device, float_dtypes):
    dtype = float_dtypes[-1]
    X, Y = data()
    model = DeepNeuralNetworkRegressor(hidden_layers=(32,), learning_rate=0.01, num_iterations=150)
    model.fit(make(X, dtype), make(Y, dtype))
    predicted = model.predict(make(X, dtype))
    assert array_namespace(predicted) is xp and array_device(predicted) == device and predicted.shape == (300, 2)
    assert model.n_outputs_ == 2 and model.layer_dims_ == [5, 32, 2] and not hasattr(model, "classes_")
    assert model.score(make(X, dtype), make(Y, dtype)) > 0.9
    assert model.score(X, Y) == pytest.approx(model.score(make(X, dtype), make(Y, dtype)), rel=1e-6)


@QUIET
def test_one_output_predicts_a_vector_whether_y_is_one_or_two_dimensional():
    X, Y = data(outputs=1)
    settings = {"hidden_layers": (8,), "num_iterations": 20, "learning_rate": 0.01}
    flat = DeepNeuralNetworkRegressor(**settings).fit(X, Y[:, 0])
    column = DeepNeuralNetworkRegressor(**settings).fit(X, Y)
    assert flat.predict(X).shape == column.predict(X).shape == (300,)
    np.testing.assert_array_equal(flat.predict(X), column.predict(X))


def test_it_trains_as_the_training_path_does():
    """fit is train(loss="squared_error") on the transposed data from the initialisation named,
    the batches shuffled by the generator the weights were drawn from (scikit-learn's order)."""
    X, Y = data(m=120)
    settings = {"hidden_layers": (6,), "learning_rate": 0.02, "num_iterations": 4, "batch_size": 32,
                "n_iter_no_change": None, "alpha": 0.01}
    model = DeepNeuralNetworkRegressor(**settings).fit(X, Y)
    rng = np.random.RandomState(1)
    start = dnn.initialize_parameters_deep([5, 6, 2], seed=rng, init="he")
    expected, costs = dnn.train(X.T, Y.T, start, learning_rate=0.02, num_epochs=4, optimizer="adam",
                                mini_batch_size=32, lambd=0.01, seed=1, record_every=1, loss="squared_error",
                                shuffle=rng, epsilon_hat=True)
    for key, value in expected.items():
        np.testing.assert_allclose(model.parameters_[key], value, rtol=1e-12)
    np.testing.assert_allclose(model.costs_, costs, rtol=1e-12)


@QUIET
def test_partial_fit_warm_start_save_and_load(tmp_path):
    X, Y = data()
    settings = {"hidden_layers": (8,), "learning_rate": 0.01, "n_iter_no_change": None}
    model = DeepNeuralNetworkRegressor(**settings).partial_fit(X, Y)
    model.partial_fit(X, Y)
    assert model.n_iter_ == 2 and model.costs_[1] < model.costs_[0]
    with pytest.raises(ValueError, match="y has 1 outputs, but DeepNeuralNetworkRegressor was fitted with 2"):
        model.partial_fit(X, Y[:, 0])
    path = model.save(tmp_path / "regressor.npz")
    loaded = DeepNeuralNetworkRegressor.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    loaded.partial_fit(X, Y)
    model.partial_fit(X, Y)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))  # the next epoch, bit for bit
    with pytest.raises(ValueError, match="holds a DeepNeuralNetworkRegressor trained for squared_error"):
        dnn.DeepNeuralNetwork.load(path)
    warm = DeepNeuralNetworkRegressor(**settings, num_iterations=3, warm_start=True).fit(X, Y)
    warm.fit(X, Y)
    assert warm.n_iter_ == 3 and warm.optimizer_state_.epochs == 6  # this fit's epochs, as scikit-learn
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same number of outputs"):
        warm.fit(X, Y[:, :1])


@QUIET
def test_early_stopping_scores_the_held_out_r2():
    X, Y = data(m=400)
    model = DeepNeuralNetworkRegressor(hidden_layers=(16,), learning_rate=0.01, early_stopping=True,
                                       num_iterations=40).fit(X, Y)
    assert len(model.validation_scores_) == model.n_iter_ and model.best_validation_score_ > 0.8
    assert model.best_validation_score_ == max(model.validation_scores_)


@pytest.mark.parametrize(("y", "error", "message"), [
    (None, ValueError, "requires y to be passed"),
    (np.full(300, np.nan), ValueError, "Input y contains NaN or infinity"),
    (np.zeros(299), ValueError, "inconsistent numbers of samples: \\[300, 299\\]"),
    (np.array(["a"] * 300), ValueError, "y: expected real numbers"),
    (np.zeros((300, 1, 1)), ValueError, "y: expected shape \\(300,\\) or \\(300, n_outputs\\)"),
])
def test_bad_targets_get_clear_errors(y, error, message):
    X, _ = data()
    with pytest.raises(error, match=message):
        DeepNeuralNetworkRegressor(num_iterations=1).fit(X, y)


@QUIET
def test_dask_data_streams_and_predicts_lazily():
    da = pytest.importorskip("dask.array", reason="Dask is not installed")
    X, Y = data(m=200)
    settings = {"hidden_layers": (8,), "learning_rate": 0.01, "num_iterations": 3, "batch_size": 32,
                "early_stopping": False}
    model = DeepNeuralNetworkRegressor(**settings).fit(da.from_array(X, chunks=(200, 5)),
                                                       da.from_array(Y, chunks=(200, 2)))
    # One block: train() in memory in the stream's order (the course's shuffles).
    _, costs = dnn.train(X.T, Y.T, dnn.initialize_parameters_deep([5, 8, 2], seed=1, init="he"), learning_rate=0.01,
                         num_epochs=3, optimizer="adam", mini_batch_size=32, lambd=0.0001, seed=1, record_every=1,
                         loss="squared_error", epsilon_hat=True)
    np.testing.assert_allclose(model.costs_, costs, rtol=1e-12)
    lazy = model.predict(da.from_array(X, chunks=(50, 5)))
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), model.predict(X), rtol=1e-10)
