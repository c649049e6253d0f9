"""ONNX export: models trained on the backend under test, run in ONNX Runtime, give predict's labels
and predict_proba's probabilities (1e-5 in float32, 1e-12 in float64); skl2onnx converts whole
pipelines through the registered converters; bad requests get clear errors."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor

ONNX_EXTRA = "needs the onnx extra (pip install 'portable_dnn[onnx]')"
onnx = pytest.importorskip("onnx", reason=ONNX_EXTRA)
ort = pytest.importorskip("onnxruntime", reason=ONNX_EXTRA)

#: Quick settings: a few epochs of Adam, every epoch run (no early stopping).
QUICK = {"hidden_layers": (7, 5), "num_iterations": 15, "batch_size": 50, "learning_rate": 0.01,
         "n_iter_no_change": None, "early_stopping": False}
TOLERANCE = {"float32": 1e-5, "float64": 1e-12}


def host_data(m=240, n=6, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(m, n) * 2.0 + 0.5


def targets_for(kind, X):
    """``kind``'s targets for ``X``: string classes, integer classes (three), a multilabel indicator,
    two real outputs, or counts (Poisson)."""
    if kind == "binary":
        return np.where(X[:, 0] + X[:, 1] > 1.0, "yes", "no")
    if kind == "multiclass":
        return (X[:, 0] > 0.5).astype(np.int64) * 5 + (X[:, 1] > 0.5) + 2  # classes 2, 3, 7, 8
    if kind == "multilabel":
        return (X[:, :3] > 0.5).astype(np.int64)
    if kind == "poisson":
        return np.random.RandomState(1).poisson(np.exp(0.3 * X[:, 0]))
    return np.stack([X[:, 0] - 2 * X[:, 1], np.sin(X[:, 2])], axis=1)


def fitted(kind, X, **settings):
    if kind in ("regression", "poisson"):
        loss = "poisson" if kind == "poisson" else "squared_error"
        return DeepNeuralNetworkRegressor(**{**QUICK, **settings}, loss=loss).fit(X, targets_for(kind, host_X(X)))
    return DeepNeuralNetwork(**{**QUICK, **settings}).fit(X, targets_for(kind, host_X(X)))


def host_X(X):
    return dnn.to_numpy(X)


def run_onnx(model_proto, X):
    session = ort.InferenceSession(model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return dict(zip([output.name for output in session.get_outputs()],
                    session.run(None, {session.get_inputs()[0].name: X}), strict=True))


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel", "regression", "poisson"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnx_runtime_gives_predict_and_predict_proba_of_a_model_trained_on_the_backend(kind, dtype, make,
                                                                                        float_dtypes):
    """Trained in the backend's widest float (float64 where it has one), exported in ``dtype``."""
    train_dtype = "float64" if "float64" in float_dtypes else "float32"
    X = host_data()
    model = fitted(kind, make(X, train_dtype))
    outputs = run_onnx(dnn.to_onnx(model, dtype=dtype), X.astype(dtype))
    expected = dnn.to_numpy(model.predict(make(X, train_dtype)))
    if kind in ("regression", "poisson"):
        assert list(outputs) == ["variable"]
        assert outputs["variable"].shape == (240, 2 if kind == "regression" else 1)
        assert outputs["variable"].dtype == np.dtype(dtype)
        np.testing.assert_allclose(outputs["variable"], expected.reshape(240, -1), rtol=TOLERANCE[dtype],
                                   atol=TOLERANCE[dtype])
        return
    assert list(outputs) == ["label", "probabilities"]
    np.testing.assert_array_equal(outputs["label"], expected)
    assert outputs["label"].shape == expected.shape
    assert outputs["label"].dtype == (object if kind == "binary" else np.int64)
    probabilities = outputs["probabilities"]
    assert probabilities.dtype == np.dtype(dtype)
    np.testing.assert_allclose(probabilities, dnn.to_numpy(model.predict_proba(make(X, train_dtype))),
                               rtol=0, atol=TOLERANCE[dtype])


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_hidden_activation_exports(activation, dtype):
    X = host_data()
    tolerance = TOLERANCE[dtype]
    for kind in ("multiclass", "regression"):
        model = fitted(kind, X, hidden_activation=activation)
        outputs = run_onnx(dnn.to_onnx(model, dtype=dtype), X.astype(dtype))
        if kind == "multiclass":
            np.testing.assert_allclose(outputs["probabilities"], model.predict_proba(X), rtol=0, atol=tolerance)
            np.testing.assert_array_equal(outputs["label"], model.predict(X))
        else:
            np.testing.assert_allclose(outputs["variable"], model.predict(X), rtol=tolerance, atol=tolerance)


def test_a_model_trained_on_array_api_strict_device1_exports_its_own_numbers():
    strict = pytest.importorskip("array_api_strict")
    X = host_data()
    model = fitted("multiclass", X, device=strict.Device("device1"))
    assert model.parameters_["W1"].device == strict.Device("device1")
    outputs = run_onnx(dnn.to_onnx(model, dtype="float64"), X)
    np.testing.assert_allclose(outputs["probabilities"], model.predict_proba(X), rtol=0, atol=1e-12)


def test_the_graph_declares_its_input_outputs_opset_and_metadata():
    X = host_data()
    model = fitted("binary", X, hidden_activation="tanh")
    proto = dnn.to_onnx(model)
    onnx.checker.check_model(proto, full_check=True)
    graph = proto.graph
    dims = [[d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim]
            for v in [*graph.input, *graph.output]]
    assert [v.name for v in graph.input] == ["X"] and [v.name for v in graph.output] == ["label", "probabilities"]
    assert dims == [[None, 6], [None], [None, 2]]
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.STRING
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", 17)]
    assert [n.op_type for n in graph.node if n.op_type in ("Gemm", "Tanh", "Sigmoid")] == \
        ["Gemm", "Tanh", "Gemm", "Tanh", "Gemm", "Sigmoid"]
    assert {i.name: tuple(i.dims) for i in graph.initializer if i.name.startswith(("W", "b"))} == \
        {"W1": (7, 6), "b1": (7,), "W2": (5, 7), "b2": (5,), "W3": (1, 5), "b3": (1,)}
    metadata = {p.key: p.value for p in proto.metadata_props}
    assert metadata["portable_dnn.version"] == dnn.__version__ == proto.producer_version
    assert metadata["portable_dnn.estimator"] == "DeepNeuralNetwork"
    assert json.loads(metadata["portable_dnn.layer_dims"]) == [6, 7, 5, 1]
    assert json.loads(metadata["portable_dnn.classes"]) == ["no", "yes"]
    settings = json.loads(metadata["portable_dnn.settings"])
    assert settings["hidden_layers"] == [7, 5] and settings["hidden_activation"] == "tanh"
    assert settings["num_iterations"] == 15
    assert "portable_dnn.feature_names" not in metadata
    pandas = pytest.importorskip("pandas")
    named = DeepNeuralNetwork(**QUICK).fit(pandas.DataFrame(X, columns=list("abcdef")), targets_for("binary", X))
    named_metadata = {p.key: p.value for p in dnn.to_onnx(named).metadata_props}
    assert json.loads(named_metadata["portable_dnn.feature_names"]) == list("abcdef")


def test_target_opset_is_written_and_checked():
    X = host_data()
    model = fitted("multiclass", X)
    proto = dnn.to_onnx(model, target_opset=13)
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", 13)]
    np.testing.assert_array_equal(run_onnx(proto, X.astype(np.float32))["label"], model.predict(X))
    with pytest.raises(ValueError, match=r"target_opset: expected an opset from 13 to \d+ .*got 12"):
        dnn.to_onnx(model, target_opset=12)
    with pytest.raises(ValueError, match="got 10000"):
        dnn.to_onnx(model, target_opset=10_000)
    with pytest.raises(TypeError, match="target_opset: expected an int or None, got '17'"):
        dnn.to_onnx(model, target_opset="17")


def test_bad_requests_name_the_argument():
    X = host_data()
    model = fitted("multiclass", X)
    with pytest.raises(ValueError, match="dtype: expected 'float32' or 'float64', got 'float16'"):
        dnn.to_onnx(model, dtype="float16")
    assert run_onnx(dnn.to_onnx(model, dtype=np.float64), X)["probabilities"].dtype == np.float64
    with pytest.raises(TypeError, match="model: expected a fitted DeepNeuralNetwork or DeepNeuralNetworkRegressor, "
                                        "got dict"):
        dnn.to_onnx({"W1": 1})
    with pytest.raises(Exception, match="This DeepNeuralNetwork instance is not fitted yet") as raised:
        dnn.to_onnx(DeepNeuralNetwork())
    assert type(raised.value).__name__ == "NotFittedError"


def test_classes_become_int64_or_string_labels():
    X = host_data()
    y = np.where(X[:, 0] > 0.5, 2.0, -1.0)  # whole-number floats: int64 labels
    model = DeepNeuralNetwork(**QUICK).fit(X, y)
    labels = run_onnx(dnn.to_onnx(model), X.astype(np.float32))["label"]
    assert labels.dtype == np.int64 and set(labels) <= {-1, 2}
    np.testing.assert_array_equal(labels, model.predict(X))
    booleans = DeepNeuralNetwork(**QUICK).fit(X, X[:, 0] > 0.5)
    np.testing.assert_array_equal(run_onnx(dnn.to_onnx(booleans), X.astype(np.float32))["label"],
                                  booleans.predict(X))


def test_without_onnx_the_error_says_what_to_install(monkeypatch):
    model = fitted("binary", host_data())
    monkeypatch.setitem(sys.modules, "onnx", None)  # an import of onnx now fails
    with pytest.raises(ImportError, match=r"to_onnx needs the onnx package: pip install 'portable_dnn\[onnx\]'"):
        dnn.to_onnx(model)


# -- skl2onnx ------------------------------------------------------------------------------------


@pytest.fixture
def skl2onnx():
    module = pytest.importorskip("skl2onnx", reason=ONNX_EXTRA)
    import portable_dnn.onnx  # noqa: F401  (registers the converters)

    return module


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel", "regression"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_skl2onnx_converts_a_pipeline_with_the_estimator(skl2onnx, kind, dtype):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = host_data() * 10 + 3
    estimator = DeepNeuralNetworkRegressor(**QUICK) if kind == "regression" else DeepNeuralNetwork(**QUICK)
    pipeline = make_pipeline(StandardScaler(), estimator).fit(X, targets_for(kind, (X - 3) / 10))
    options = None if kind == "regression" else {"zipmap": False}  # a classifier's option, as for skl2onnx's own
    proto = skl2onnx.to_onnx(pipeline, X[:1].astype(dtype), options=options)
    outputs = run_onnx(proto, X.astype(dtype))
    tolerance = TOLERANCE[dtype] * 10  # the scaler's own rounding comes first
    if kind == "regression":
        assert list(outputs) == ["variable"] and outputs["variable"].shape == (240, 2)
        np.testing.assert_allclose(outputs["variable"], pipeline.predict(X), rtol=tolerance, atol=tolerance)
        return
    assert list(outputs) == ["label", "probabilities"]
    np.testing.assert_array_equal(outputs["label"], pipeline.predict(X))
    np.testing.assert_allclose(outputs["probabilities"], pipeline.predict_proba(X), rtol=0, atol=tolerance)


def test_skl2onnx_names_outputs_as_for_scikit_learns_mlps(skl2onnx):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    X = host_data()
    cases = [(DeepNeuralNetwork(**QUICK), MLPClassifier(max_iter=5), targets_for("binary", X), {"zipmap": False}),
             (DeepNeuralNetworkRegressor(**QUICK), MLPRegressor(max_iter=5), X[:, 0], None)]
    for ours, theirs, y, options in cases:
        with pytest.warns(Warning):
            theirs.fit(X, y)
        names = [[o.name for o in skl2onnx.to_onnx(model, X[:1].astype(np.float32), options=options).graph.output]
                 for model in (ours.fit(X, y), theirs)]
        assert names[0] == names[1] == (["label", "probabilities"] if options else ["variable"])


def test_skl2onnx_zipmap_and_nocl_options(skl2onnx):
    X = host_data()
    model = DeepNeuralNetwork(**QUICK).fit(X, targets_for("binary", X))
    zipped = run_onnx(skl2onnx.to_onnx(model, X[:1].astype(np.float32)), X[:3].astype(np.float32))
    assert list(zipped) == ["output_label", "output_probability"]
    expected = model.predict_proba(X[:3])
    assert [sorted(row) for row in zipped["output_probability"]] == [["no", "yes"]] * 3
    np.testing.assert_allclose([[row["no"], row["yes"]] for row in zipped["output_probability"]], expected,
                               atol=1e-6)
    indices = run_onnx(skl2onnx.to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False, "nocl": True}),
                       X.astype(np.float32))["label"]
    np.testing.assert_array_equal(indices, np.searchsorted(model.classes_, model.predict(X)))


def test_skl2onnx_casts_an_integer_input_to_float32(skl2onnx):
    X = np.round(host_data() * 3)
    model = DeepNeuralNetwork(**QUICK).fit(X, targets_for("multiclass", X / 3))
    proto = skl2onnx.to_onnx(model, X[:1].astype(np.int64), options={"zipmap": False})
    assert proto.graph.node[0].op_type == "Cast"
    outputs = run_onnx(proto, X.astype(np.int64))
    np.testing.assert_array_equal(outputs["label"], model.predict(X))
    np.testing.assert_allclose(outputs["probabilities"], model.predict_proba(X), rtol=0, atol=1e-5)
