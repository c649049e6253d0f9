"""Sparse ``X`` (scipy.sparse matrices and arrays: CSR, CSC, COO) trains and predicts as its dense
form does, on NumPy, without ever being densified; other backends refuse it, saying what is supported."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor
from portable_dnn._engine.kernels import kernels

sparse = pytest.importorskip("scipy.sparse", reason="SciPy is not installed")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

X_digits, y_digits = load_digits(n_class=3, return_X_y=True)
X_digits, y_digits = X_digits[:150] / 16.0, y_digits[:150]
FORMATS = [sparse.csr_matrix, sparse.csc_matrix, sparse.coo_matrix, sparse.csr_array]


def test_the_kernels_take_sparse_operands_as_their_dense_forms():
    """Each product and gather with a sparse operand equals the dense one, into a buffer or not."""
    rng = np.random.default_rng(0)
    X = sparse.random(30, 12, density=0.2, format="csc", random_state=1)
    dense_X = X.toarray()
    W, b, dZ = rng.normal(size=(5, 30)), rng.normal(size=(5, 1)), rng.normal(size=(5, 12))
    ops = kernels(np, "cpu", sparse=True)
    np.testing.assert_allclose(ops.affine(W, X, b, None), W @ dense_X + b, rtol=1e-12)
    out = np.empty((5, 12))
    assert ops.affine(W, X, b, out) is out
    np.testing.assert_allclose(out, W @ dense_X + b, rtol=1e-12)
    np.testing.assert_allclose(ops.matmul(dZ, X.T, None), dZ @ dense_X.T, rtol=1e-12)
    buffer = np.empty((5, 30))
    C = W.copy()
    assert ops.subtract_product(C, dZ, X.T, buffer) is C
    np.testing.assert_allclose(C, W - dZ @ dense_X.T, rtol=1e-12)
    indices = np.array([3, 0, 7])
    taken = ops.take_columns(ops.batch_source(X), indices, ops.empty_columns(X, 3))
    assert sparse.issparse(taken)
    np.testing.assert_array_equal(taken.toarray(), dense_X[:, indices])


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("settings", [{"optimizer": "adam"}, {"optimizer": "sgd", "batch_size": None},
                                      {"optimizer": "lbfgs"}, {"optimizer": "gd", "learning_rate": 0.5,
                                                               "early_stopping": True, "alpha": 0.01}],
                         ids=["adam", "sgd full batch", "lbfgs", "gd early stopping"])
def test_sparse_trains_as_dense(fmt, settings):
    dense = DeepNeuralNetwork(hidden_layers=(15,), num_iterations=15, seed=1, **settings)
    sparse_model = DeepNeuralNetwork(hidden_layers=(15,), num_iterations=15, seed=1, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense.fit(X_digits, y_digits)
        sparse_model.fit(fmt(X_digits), y_digits)
    for key, value in dense.parameters_.items():
        np.testing.assert_allclose(sparse_model.parameters_[key], value, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(sparse_model.predict(fmt(X_digits)), dense.predict(X_digits))
    np.testing.assert_allclose(sparse_model.predict_proba(fmt(X_digits)), dense.predict_proba(X_digits),
                               rtol=1e-9)


def test_partial_fit_regression_and_float32_on_sparse_input():
    X = sparse.csr_matrix(X_digits)
    model = DeepNeuralNetwork(optimizer="sgd", hidden_layers=(10,), seed=0, dtype="float32")
    for _ in range(3):
        model.partial_fit(X, y_digits, classes=[0, 1, 2])
    assert model.parameters_["W1"].dtype == np.float32
    assert model.predict(X).shape == (150,)
    regressor = DeepNeuralNetworkRegressor(optimizer="lbfgs", hidden_layers=(10,), num_iterations=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        regressor.fit(X, y_digits * 1.0)
    assert regressor.score(X, y_digits * 1.0) > 0.9


def test_sparse_input_is_checked_where_it_enters():
    bad = sparse.csr_matrix(X_digits)
    bad.data[3] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN or infinity."):
        DeepNeuralNetwork().fit(bad, y_digits)
    with pytest.raises(TypeError, match="X: expected real numbers, got sparse dtype complex128"):
        DeepNeuralNetwork().fit(sparse.csr_matrix(X_digits.astype(complex)), y_digits)
    model = DeepNeuralNetwork(num_iterations=2, hidden_layers=(3,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(sparse.csr_matrix(X_digits.astype(int)), y_digits)  # integers train as float64
    assert model.parameters_["W1"].dtype == np.float64
    with pytest.raises(ValueError, match="X has 10 features, but DeepNeuralNetwork is expecting 64 features"):
        model.predict(sparse.csr_matrix(np.ones((2, 10))))


def test_other_backends_say_what_takes_sparse_input():
    pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    with pytest.raises(TypeError, match=r"X: sparse input trains on NumPy \(scipy.sparse\) or CuPy "
                                        r"\(cupyx.scipy.sparse\), not on array_api_strict"):
        DeepNeuralNetwork(device="array_api_strict").fit(sparse.csr_matrix(X_digits), y_digits)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_wide_sparse_input_is_never_densified(optimizer):
    """A 3,000 x 40,000 CSR at 0.05 % density (60,000 values; 960 MB dense in float64) trains, predicts
    and takes ``partial_fit`` within a traced peak of 40 MB (measured: 12 MB with Adam, 17 MB with
    L-BFGS): its weights, optimiser state and sparse copies, never the dense X (960 MB) or a dense
    batch of it (64 MB)."""
    import tracemalloc

    rng = np.random.default_rng(0)
    rows, columns = np.repeat(np.arange(3000), 20), rng.integers(0, 40000, 60000)
    X = sparse.csr_matrix((rng.random(60000), (rows, columns)), shape=(3000, 40000))
    y = np.arange(3000) % 2
    model = DeepNeuralNetwork(hidden_layers=(4,), optimizer=optimizer, num_iterations=2, seed=0)
    with warnings.catch_warnings():  # compiled kernels loaded first, outside the trace
        warnings.simplefilter("ignore", ConvergenceWarning)
        clone(model).fit(X[:50, :10], y[:50])
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
            if optimizer == "adam":
                model.partial_fit(X, y)
        assert model.predict_proba(X).shape == (3000, 2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40e6, f"traced peak {peak / 1e6:.0f} MB"
