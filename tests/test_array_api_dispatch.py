"""scikit-learn's array API dispatch: the estimators say ``array_api_support=True``, and in a
``Pipeline`` after ``StandardScaler`` under ``array_api_dispatch=True`` they train and predict in
the input's namespace and on its device (array-api-strict's ``device1``, PyTorch). SciPy reads
``SCIPY_ARRAY_API`` when imported, so each case runs in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor

SCRIPT = textwrap.dedent("""
    import warnings
    import numpy as np
    import sklearn
    from array_api_compat import array_namespace, device
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor, to_numpy
    import {module} as library

    def make(values):
        return library.asarray(values, device={device})

    warnings.filterwarnings("error")
    warnings.filterwarnings("ignore", "invalid value encountered in divide")  # StandardScaler's own, on strict
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4) * 5 + 2
    y = (X[:, 0] + X[:, 1] > 4).astype(np.int64)
    settings = dict(hidden_layers=(8,), num_iterations=30, n_iter_no_change=None, learning_rate=0.01)
    reference = make_pipeline(StandardScaler(), DeepNeuralNetwork(**settings)).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        pipeline = make_pipeline(StandardScaler(), DeepNeuralNetwork(**settings)).fit(make(X), make(y))
        W1 = pipeline[-1].parameters_["W1"]
        assert array_namespace(W1) is array_namespace(make(X)) and device(W1) == {device}, (type(W1), device(W1))
        for method in ("predict", "predict_proba"):
            result = getattr(pipeline, method)(make(X))
            assert array_namespace(result) is array_namespace(make(X)) and device(result) == {device}, method
        np.testing.assert_allclose(to_numpy(pipeline.predict_proba(make(X))), reference.predict_proba(X),
                                   rtol=1e-9, atol=1e-12)
        regressor = make_pipeline(StandardScaler(), DeepNeuralNetworkRegressor(**settings)).fit(make(X), make(X[:, 0]))
        predicted = regressor.predict(make(X))
        assert array_namespace(predicted) is array_namespace(make(X)) and device(predicted) == {device}
        assert tuple(predicted.shape) == (200,)
        expected = make_pipeline(StandardScaler(), DeepNeuralNetworkRegressor(**settings)).fit(X, X[:, 0]).predict(X)
        np.testing.assert_allclose(to_numpy(predicted), expected, rtol=1e-9, atol=1e-12)
    print("ok")
""")

CASES = {"array_api_strict": "library.Device('device1')", "torch": "library.device('cpu')"}


def test_the_estimators_declare_array_api_support():
    pytest.importorskip("sklearn")
    assert DeepNeuralNetwork().__sklearn_tags__().array_api_support is True
    assert DeepNeuralNetworkRegressor().__sklearn_tags__().array_api_support is True


@pytest.mark.parametrize("library", sorted(CASES))
def test_a_pipeline_under_array_api_dispatch_stays_on_the_inputs_namespace_and_device(library):
    pytest.importorskip("sklearn")
    pytest.importorskip(library, reason=f"{library} is not installed in this session")
    script = SCRIPT.replace("{module}", library).replace("{device}", CASES[library])
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "SCIPY_ARRAY_API": "1"})
    assert result.returncode == 0 and result.stdout == "ok\n", result.stderr[-3000:]


def test_under_dispatch_predicting_on_another_namespace_is_refused_in_scikit_learns_words(monkeypatch):
    sklearn = pytest.importorskip("sklearn")
    strict = pytest.importorskip("array_api_strict")
    import numpy as np

    X = np.random.RandomState(0).randn(60, 3)
    model = DeepNeuralNetwork(hidden_layers=(4,), num_iterations=3, n_iter_no_change=None)
    model.fit(X, (X[:, 0] > 0).astype(int))
    assert model.predict(strict.asarray(X)).shape == (60,)  # outside dispatch: predictions come back to X's
    dispatching = {**sklearn.get_config(), "array_api_dispatch": True}  # as config_context sets it (SciPy aside)
    monkeypatch.setattr(sklearn, "get_config", lambda: dispatching)
    model.predict(X)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        with pytest.raises(ValueError, match=rf"Inputs passed to DeepNeuralNetwork\.{method}\(\) must use the "
                                             rf"same namespace and the same device as those passed to fit\(\)\. "
                                             rf"Array namespaces used during fit \(numpy\) and {method} "
                                             r"\(array_api_strict\) differ\."):
            getattr(model, method)(strict.asarray(X))
