"""DeepNeuralNetwork: scikit-learn conventions, placement, save/load."""

from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import array_namespace, is_dask_array
from array_api_compat import device as array_device

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetwork
from portable_dnn._splits import stratified_order

#: The notebook's training: full-batch gradient descent, no L2, LeCun's scale, every epoch.
COURSE = {"optimizer": "gd", "batch_size": None, "alpha": 0.0, "n_iter_no_change": None, "init": "lecun",
          "early_stopping": False}


def samples_in_rows(data):
    """``(X, y, X_test, y_test)`` of a Dataset, on the host, samples in rows, integer labels."""
    return (dnn.to_numpy(data.train_x).T, dnn.to_numpy(data.train_y)[0].astype(np.int64),
            dnn.to_numpy(data.test_x).T, dnn.to_numpy(data.test_y)[0].astype(np.int64))


@pytest.fixture(scope="module")
def digits():
    return samples_in_rows(dnn.load_digits_parity())


def test_fit_predict_score_on_the_backend_under_test(digits, make, xp, device):
    X, y, X_test, y_test = digits
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(16,), learning_rate=0.3, num_iterations=101)
    assert model.fit(make(X), make(y, None)) is model
    assert model.layer_dims_ == [64, 16, 1] and model.n_features_in_ == 64 and len(model.costs_) == 101
    assert model.n_iter_ == 101
    predictions = model.predict(make(X_test))
    assert array_namespace(predictions) is xp and array_device(predictions) == device
    assert tuple(predictions.shape) == (449,)
    assert predictions.dtype == xp.__array_namespace_info__().default_dtypes(device=device)["integral"]
    probabilities = dnn.to_numpy(model.predict_proba(make(X_test)))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_array_equal(dnn.to_numpy(predictions), probabilities[:, 1] > 0.5)
    assert model.score(make(X_test), make(y_test, None)) > 0.9


def test_device_selects_where_training_runs_and_predictions_come_home(digits):
    """Trained on array_api_strict's device1 from NumPy data: the parameters live there, NumPy
    input gets NumPy predictions, device1 input gets device1 predictions, and the values are
    those of the same network trained on NumPy."""
    strict = pytest.importorskip("array_api_strict")
    X, y, X_test, _ = digits
    device1 = strict.Device("device1")
    settings = {**COURSE, "hidden_layers": (8,), "learning_rate": 0.1, "num_iterations": 20}
    model = DeepNeuralNetwork(**settings, device=device1).fit(X, y)
    assert array_namespace(model.parameters_["W1"]) is strict and model.parameters_["W1"].device == device1
    from_numpy = model.predict_proba(X_test)
    assert isinstance(from_numpy, np.ndarray)  # NumPy in, NumPy out
    on_device1 = model.predict(strict.asarray(X_test, device=device1))
    assert array_namespace(on_device1) is strict and on_device1.device == device1
    on_numpy = DeepNeuralNetwork(**settings).fit(X, y)
    assert array_namespace(on_numpy.parameters_["W1"]) is array_namespace(np.ones(1))
    np.testing.assert_allclose(from_numpy, on_numpy.predict_proba(X_test), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(dnn.to_numpy(on_device1), on_numpy.predict(X_test))
    assert len(set(on_numpy.predict(X_test).tolist())) == 2


def test_float32_training(digits):
    X, y, _, _ = digits
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(8,), num_iterations=5, dtype="float32").fit(X, y)
    assert model.parameters_["W1"].dtype == np.float32
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(8,), num_iterations=5).fit(X.astype(np.float32), y)
    assert model.parameters_["W1"].dtype == np.float32


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")  # NumPy's own, on the cast
def test_float32_training_refuses_values_the_cast_makes_infinite(digits):
    """X is checked once where it enters; the one check after that is of a narrowing cast, which can
    overflow (1e300 is finite in float64, infinite in float32)."""
    X, y, _, _ = digits
    huge = X.copy()
    huge[3, 5] = 1e300
    with pytest.raises(ValueError, match=r"^X: contains NaN or infinity$"):
        DeepNeuralNetwork(**COURSE, hidden_layers=(8,), num_iterations=5, dtype="float32").fit(huge, y)
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(8,), num_iterations=1).fit(X.astype(np.float32), y)
    assert model.parameters_["W1"].dtype == np.float32  # widening nothing, nothing to check


def test_save_and_load(digits, tmp_path):
    X, y, X_test, _ = digits
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(8, 4), learning_rate=0.05, num_iterations=120).fit(X, y)
    path = model.save(tmp_path / "net.npz")
    loaded = DeepNeuralNetwork.load(path)
    assert loaded.get_params() == model.get_params()
    assert loaded.costs_ == model.costs_
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
    on_strict = DeepNeuralNetwork.load(path, device="array_api_strict")
    np.testing.assert_array_equal(on_strict.predict(X_test), model.predict(X_test))


def test_params_protocol():
    model = DeepNeuralNetwork(learning_rate=0.5)
    assert model.get_params()["learning_rate"] == 0.5
    assert model.set_params(num_iterations=7) is model and model.num_iterations == 7
    with pytest.raises(ValueError, match="'epochs' is not a parameter"):
        model.set_params(epochs=3)
    with pytest.raises(AttributeError, match="not fitted yet"):
        model.predict(np.ones((2, 3)))
    assert repr(model) == "DeepNeuralNetwork(learning_rate=0.5, num_iterations=7)"
    assert repr(DeepNeuralNetwork(hidden_layers=np.array([4, 2]))) == \
        "DeepNeuralNetwork(hidden_layers=array([4, 2]))"


def test_bad_inputs(digits):
    X, y, _, _ = digits
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[1348, 1347\]"):
        DeepNeuralNetwork(**COURSE, num_iterations=1).fit(X, y[:-1])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        DeepNeuralNetwork(**COURSE, num_iterations=1).fit(X, y + 0.5)
    with pytest.raises(ValueError, match="at least 2 classes in the data, but the data contains only one class: 3"):
        DeepNeuralNetwork(**COURSE, num_iterations=1).fit(X, np.full(len(y), 3))
    with pytest.raises(ValueError, match="hidden_layers"):
        DeepNeuralNetwork(hidden_layers=(0,)).fit(X, y)
    with pytest.raises(TypeError, match=r"hidden_layers: expected a sequence of positive integers.*got 5"):
        DeepNeuralNetwork(hidden_layers=5).fit(X, y)
    with pytest.raises(ValueError, match="seed: expected an integer from 0 to 2\\*\\*32 - 1, got -1"):
        DeepNeuralNetwork(seed=-1).fit(X, y)
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(4,), num_iterations=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but DeepNeuralNetwork is expecting 64 features as input"):
        model.predict(np.ones((2, 3)))


def test_score_is_the_accuracy_of_predict_and_checks_y(digits):
    X, y, X_test, y_test = digits
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(8,), learning_rate=0.1, num_iterations=100).fit(X, y)
    accuracy = model.score(X_test, y_test)
    assert accuracy == pytest.approx(np.mean(model.predict(X_test) == y_test), abs=1e-12)
    assert 0.8 < accuracy < 1.0
    wrong = model.score(X_test, 1 - y_test)
    assert wrong == pytest.approx(1 - accuracy, abs=1e-12)
    for bad in (y_test.reshape(-1, 1), y_test[:1], np.int64(1), y_test[:-1]):
        with pytest.raises(ValueError, match=r"y: expected shape \(449,\) \(one label per row of X\)"):
            model.score(X_test, bad)


def test_a_failed_fit_leaves_the_model_unfitted(digits):
    X, y, _, _ = digits
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(4,), num_iterations=1).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        model.fit(X, y + 0.5)
    for name in ("parameters_", "costs_", "layer_dims_", "n_features_in_", "classes_"):
        assert not hasattr(model, name), name
    with pytest.raises(AttributeError, match="not fitted yet"):
        model.predict(X)


def test_a_diverging_fit_keeps_the_last_finite_parameters_and_the_costs(digits, monkeypatch):
    """The cost of epoch 2 is NaN: the model keeps the parameters epoch 1 started from (its cost
    was finite) and the costs of epochs 0 and 1."""
    X, y, X_test, _ = digits
    settings = {**COURSE, "hidden_layers": (8,), "learning_rate": 0.1}
    after_1 = DeepNeuralNetwork(**settings, num_iterations=1).fit(X, y)
    costs = DeepNeuralNetwork(**settings, num_iterations=3).fit(X, y).costs_
    real = dnn.cost.mean_cost_kernel
    calls = []

    def cost(xp, loss, AL, Y):
        calls.append(None)
        return real(xp, loss, AL, Y) * (float("nan") if len(calls) == 3 else 1.0)

    monkeypatch.setattr(dnn._engine.step, "mean_cost_kernel", cost)
    model = DeepNeuralNetwork(**settings, num_iterations=3)
    with pytest.raises(dnn.TrainingDivergedError, match="iteration 2 "):
        model.fit(X, y)
    assert model.costs_ == costs[:2]
    for key, value in after_1.parameters_.items():
        np.testing.assert_array_equal(model.parameters_[key], value)
    np.testing.assert_array_equal(model.predict_proba(X_test), after_1.predict_proba(X_test))


def test_scikit_learn_pipeline_clone_and_cross_validation(digits):
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone, is_classifier
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, X_test, y_test = digits
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(16,), learning_rate=0.05, num_iterations=200)
    assert is_classifier(model)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    pipeline = make_pipeline(StandardScaler(), model).fit(X, y)
    assert pipeline.score(X_test, y_test) > 0.85
    scores = cross_val_score(make_pipeline(StandardScaler(), clone(model)), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85, sklearn.__version__


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_divergence_keeps_the_last_finite_parameters(digits):
    X, y, _, _ = digits
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(8,), learning_rate=1e300, num_iterations=300)
    with pytest.raises(dnn.TrainingDivergedError, match="smaller learning rate"):
        model.fit(X, y)
    assert all(np.isfinite(value).all() for value in model.parameters_.values())


@pytest.fixture(scope="module")
def ten_classes():
    return samples_in_rows(dnn.load_digits())


def test_ten_digits_with_softmax_on_the_backend_under_test(ten_classes, make, xp, device):
    X, y, X_test, y_test = ten_classes
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(32,), learning_rate=0.5, num_iterations=300)
    model.fit(make(X), make(y, "int64"))
    assert model.layer_dims_ == [64, 32, 10]
    np.testing.assert_array_equal(model.classes_, np.arange(10))
    probabilities = model.predict_proba(make(X_test))
    assert array_namespace(probabilities) is xp and tuple(probabilities.shape) == (449, 10)
    host = dnn.to_numpy(probabilities)
    np.testing.assert_allclose(host.sum(axis=1), 1.0, rtol=1e-5)
    predictions = model.predict(make(X_test))
    assert array_namespace(predictions) is xp and array_device(predictions) == device
    np.testing.assert_array_equal(dnn.to_numpy(predictions), host.argmax(axis=1))
    assert model.score(make(X_test), make(y_test, "int64")) > 0.9


@pytest.mark.parametrize("labels", [
    np.array(["cat", "dog"]), np.array([-1, 1]), np.array([1, 2]), np.array([False, True]), np.array([0.0, 1.0]),
    np.array(["one", "three", "two"]), np.array([3, 7, 11]), np.array([1.0, 2.0, 4.0]),
], ids=lambda labels: "-".join(map(str, labels)))
def test_any_labels_come_back_as_given(labels, ten_classes):
    X, y, _, _ = ten_classes
    two_or_three = y % len(labels)
    y_labels = labels[two_or_three]
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(16,), learning_rate=0.3, num_iterations=150)
    model.fit(X, list(y_labels))
    np.testing.assert_array_equal(model.classes_, np.sort(labels))
    assert model.layer_dims_[-1] == (1 if len(labels) == 2 else len(labels))
    predicted = model.predict(X)
    assert np.asarray(predicted).dtype.kind == labels.dtype.kind
    assert set(np.asarray(predicted).tolist()) <= set(labels.tolist())
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (len(X), len(labels))
    np.testing.assert_array_equal(np.asarray(predicted), model.classes_[probabilities.argmax(axis=1)])
    assert model.score(X, y_labels) == pytest.approx(np.mean(np.asarray(predicted) == y_labels))
    assert model.score(X, y_labels) > 0.75


def test_numeric_labels_come_back_on_the_device_of_X(ten_classes):
    strict = pytest.importorskip("array_api_strict")
    X, y, X_test, _ = ten_classes
    device1 = strict.Device("device1")
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(8,), learning_rate=0.3, num_iterations=50)
    model.fit(strict.asarray(X, device=device1), strict.asarray(np.array([3, 7, 11])[y % 3], device=device1))
    predicted = model.predict(strict.asarray(X_test, device=device1))
    assert array_namespace(predicted) is strict and predicted.device == device1
    assert predicted.dtype == strict.int64 and set(np.unique(dnn.to_numpy(predicted))) <= {3, 7, 11}
    model.fit(X, np.array([-1.0, 2.0, 4.0])[y % 3])  # float labels: the device's widest float
    predicted = model.predict(strict.asarray(X_test, device=device1))
    assert predicted.dtype == strict.float64 and set(np.unique(dnn.to_numpy(predicted))) <= {-1.0, 2.0, 4.0}


def test_labels_mixing_strings_and_numbers_are_refused(ten_classes):
    X, _, _, _ = ten_classes
    with pytest.raises(ValueError, match="Unknown label type: mixed"):
        DeepNeuralNetwork(**COURSE, num_iterations=1).fit(X[:4], np.array(["a", 1, "a", 1], dtype=object))
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(4,), num_iterations=1).fit(X[:4], [1, np.int64(2), 1, 2])
    assert model.classes_.dtype.kind == "i"


@pytest.mark.parametrize("hidden_activation", ["tanh", "sigmoid", "leaky_relu", "identity"])
def test_hidden_activation_and_save_load_keep_classes(hidden_activation, ten_classes, tmp_path):
    X, y, X_test, _ = ten_classes
    words = np.array(["zero", "one", "two"])
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(12,), learning_rate=0.3, num_iterations=60,
                              hidden_activation=hidden_activation).fit(X, words[y % 3])
    loaded = DeepNeuralNetwork.load(model.save(tmp_path / "model.npz"))
    assert loaded.hidden_activation == hidden_activation
    np.testing.assert_array_equal(loaded.classes_, ["one", "two", "zero"])
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    assert dnn.load_metadata(tmp_path / "model.npz")["activations"] == [hidden_activation, "softmax"]
    with pytest.raises(ValueError, match=r"hidden_activation: expected one of"):
        DeepNeuralNetwork(hidden_activation="softmax").fit(X, y)


def test_files_without_classes_still_load(digits, tmp_path):
    """A file as written before multi-class support: no classes, no hidden_activation."""
    X, y, X_test, _ = digits
    model = DeepNeuralNetwork(**COURSE, hidden_layers=(8,), num_iterations=30).fit(X, y)
    settings = {k: v for k, v in model.get_params().items() if k not in ("device", "dtype", "hidden_activation")}
    settings["hidden_layers"] = list(settings["hidden_layers"])
    path = dnn.save_parameters(tmp_path / "old.npz", model.parameters_, init="lecun", estimator=settings, costs=[])
    loaded = DeepNeuralNetwork.load(path)
    np.testing.assert_array_equal(loaded.classes_, [0, 1])
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


# -- mini-batch training, early stopping, partial_fit ----------------------------------------


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")  # short fits on purpose
def test_defaults_train_like_scikit_learns_mlp(digits):
    X, y, X_test, y_test = digits
    model = DeepNeuralNetwork()
    params = model.get_params()
    assert (params["optimizer"], params["learning_rate"], params["batch_size"], params["init"], params["alpha"]) == \
        ("adam", 0.001, 200, "auto", 0.0001)
    model.fit(X, y)
    assert model.layer_dims_ == [64, 100, 1]
    assert len(model.costs_) == model.n_iter_ <= 200 and model.optimizer_state_.t == model.n_iter_ * 7  # 1348 / 200
    assert model.costs_[-1] < model.costs_[0] / 5
    assert model.score(X_test, y_test) > 0.95
    assert model.validation_scores_ is None and model.best_validation_score_ is None  # 1,348: "auto" holds none out


def test_the_training_cost_stops_training(digits):
    """More than n_iter_no_change epochs without the cost falling by tol: with a tol no epoch can
    meet, training stops after the first epoch (which sets the best) and n_iter_no_change + 1
    more, as scikit-learn's."""
    X, y, _, _ = digits
    model = DeepNeuralNetwork(hidden_layers=(8,), n_iter_no_change=3, tol=100.0).fit(X, y)
    assert model.n_iter_ == 5 and len(model.costs_) == 5
    never = DeepNeuralNetwork(hidden_layers=(8,), n_iter_no_change=None, tol=100.0, num_iterations=6).fit(X, y)
    assert never.n_iter_ == 6


def test_early_stopping_keeps_the_best_validation_parameters(digits):
    X, y, _, _ = digits
    model = DeepNeuralNetwork(hidden_layers=(8,), learning_rate=0.05, early_stopping=True, n_iter_no_change=3,
                              validation_fraction=0.2, num_iterations=60, seed=4).fit(X, y)
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_ and model.best_validation_score_ == max(scores)
    if model.n_iter_ < 60:  # stopped: the last 4 scores never beat the best before them by tol
        assert max(scores[-4:]) < max(scores[:-4]) + 1e-4
    held = round(0.2 * len(y))  # the documented split: stratified, seeded
    held_out = stratified_order(np.unique(y, return_inverse=True)[1], held, 4)[:held]
    assert model.score(X[held_out], y[held_out]) == pytest.approx(model.best_validation_score_, abs=1e-12)


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")  # short fits on purpose
def test_early_stopping_auto_holds_out_above_ten_thousand_examples():
    rng = np.random.RandomState(0)
    X = rng.randn(10_001, 3)
    y = (X[:, 0] > 0).astype(int)
    model = DeepNeuralNetwork(hidden_layers=(4,), num_iterations=2).fit(X, y)
    assert len(model.validation_scores_) == 2
    model = DeepNeuralNetwork(hidden_layers=(4,), num_iterations=2).fit(X[:10_000], y[:10_000])
    assert model.validation_scores_ is None and model.best_validation_score_ is None  # as MLPClassifier


def test_partial_fit_goes_on_where_fit_stopped(digits):
    X, y, _, _ = digits
    settings = {"hidden_layers": (8,), "n_iter_no_change": None, "batch_size": 100, "seed": 2}
    whole = DeepNeuralNetwork(**settings, num_iterations=3).fit(X, y)
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        DeepNeuralNetwork(**settings).partial_fit(X, y)
    parts = DeepNeuralNetwork(**settings)
    for _ in range(3):
        parts.partial_fit(X, y, classes=[0, 1])
    assert parts.n_iter_ == 3 and parts.optimizer_state_.t == 3 * 14
    # As scikit-learn's: fit's first epoch, then epochs shuffled by a new RandomState(seed) each.
    assert parts.costs_[0] == whole.costs_[0]
    first = DeepNeuralNetwork(**settings, num_iterations=1).fit(X, y)
    expected, state = first.parameters_, first.optimizer_state_
    for _ in range(2):
        expected, _ = dnn.train(X.T, y, expected, learning_rate=0.001, num_epochs=1, optimizer="adam",
                                mini_batch_size=100, lambd=0.0001, seed=2, state=state,
                                shuffle=np.random.RandomState(2), epsilon_hat=True)
    for key, value in expected.items():
        np.testing.assert_allclose(parts.parameters_[key], value, rtol=1e-12)
    assert whole.costs_[1:] != parts.costs_[1:]  # fit goes on with the shuffles of its one generator
    with pytest.raises(ValueError, match=r"y: labels \[7\] are not in classes \[0, 1\]"):
        parts.partial_fit(X[:3], np.array([0, 7, 1]))
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        parts.partial_fit(X, y, classes=[0, 1, 2])


def test_a_loaded_model_goes_on_training_like_the_saved_one(digits, tmp_path):
    X, y, X_test, _ = digits
    settings = {"hidden_layers": (8,), "n_iter_no_change": None, "batch_size": 100}
    for optimizer in ("adam", "momentum"):
        model = DeepNeuralNetwork(**settings, optimizer=optimizer, num_iterations=2).fit(X, y)
        loaded = DeepNeuralNetwork.load(model.save(tmp_path / f"{optimizer}.npz"))
        assert loaded.optimizer_state_.t == model.optimizer_state_.t and loaded.n_iter_ == 2
        for key in model.optimizer_state_.v:
            np.testing.assert_array_equal(loaded.optimizer_state_.v[key], model.optimizer_state_.v[key])
        model.partial_fit(X, y)
        loaded.partial_fit(X, y)
        np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
        assert loaded.costs_ == model.costs_ and len(model.costs_) == 3


@pytest.mark.parametrize(("settings", "error", "message"), [
    ({"early_stopping": "yes"}, ValueError, "early_stopping: expected True, False or 'auto', got 'yes'"),
    ({"early_stopping": True, "validation_fraction": 1.5}, ValueError, r"validation_fraction: expected a number"),
    ({"early_stopping": True, "validation_fraction": 0.9999}, ValueError, "leaves no validation or no training"),
    ({"batch_size": 0}, ValueError, "batch_size: expected an integer >= 1, got 0"),
    ({"hidden_layers": (10, "a")}, TypeError, r"hidden_layers: expected positive integers, got 'a' in \(10, 'a'\)$"),
    ({"hidden_layers": (10, 0)}, ValueError, r"hidden_layers: expected positive integers, got 0 in \(10, 0\)$"),
    ({"optimizer": "nag"}, ValueError, "optimizer: expected one of"),
    ({"alpha": -1.0}, ValueError, "lambd: expected a non-negative"),
    ({"keep_prob": 1.5}, ValueError, "keep_prob"),
    ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change: expected an integer >= 1, got 0"),
])
def test_training_settings_are_checked(digits, settings, error, message):
    X, y, _, _ = digits
    with pytest.raises(error, match=message):
        DeepNeuralNetwork(**{"hidden_layers": (4,), "num_iterations": 1, **settings}).fit(X, y)


# -- scikit-learn's MLPClassifier conventions ------------------------------------------------------


def test_log_probabilities_on_the_backend_under_test(ten_classes, make, xp):
    X, y, X_test, _ = ten_classes
    model = DeepNeuralNetwork(hidden_layers=(8,), num_iterations=5, n_iter_no_change=None).fit(make(X), make(y, None))
    logs, probabilities = model.predict_log_proba(make(X_test)), model.predict_proba(make(X_test))
    assert array_namespace(logs) is xp and logs.shape == (X_test.shape[0], 10)
    np.testing.assert_allclose(dnn.to_numpy(logs), np.log(dnn.to_numpy(probabilities)), rtol=1e-6)  # float32 too


def test_an_epoch_limit_reached_first_warns_that_training_has_not_converged(digits):
    X, y, _, _ = digits
    warning = pytest.importorskip("sklearn.exceptions").ConvergenceWarning
    with pytest.warns(warning, match=r"num_iterations=3 epochs ran out before the stopping rule \(n_iter_no_change=10"):
        DeepNeuralNetwork(hidden_layers=(4,), num_iterations=3).fit(X, y)
    DeepNeuralNetwork(hidden_layers=(4,), num_iterations=5, n_iter_no_change=1, tol=100.0).fit(X, y)  # stopped
    DeepNeuralNetwork(hidden_layers=(4,), num_iterations=3, n_iter_no_change=None).fit(X, y)  # no rule: quiet
    DeepNeuralNetwork(hidden_layers=(4,)).partial_fit(X, y, classes=[0, 1])  # one epoch by design: quiet


@pytest.mark.parametrize(("shift", "scale", "advice"), [
    (0.0, 1.0, "Train longer (a larger num_iterations)."),  # pixels in [0, 1]
    (10.0, 1.0, "Train longer, or scale the data (StandardScaler)."),  # a mean far from 0
    (0.0, 16.0, "Train longer, or scale the data (StandardScaler)."),  # the raw 0..16 pixels
])
def test_the_convergence_warning_advises_scaling_only_for_unscaled_data(digits, make, shift, scale, advice):
    X, y, _, _ = digits
    X = make(X * scale + shift)
    if is_dask_array(X):  # not computed for a warning: a Dask array gets the advice without scaling
        advice = "Train longer (a larger num_iterations)."
    with pytest.warns(UserWarning, match="epochs ran out") as caught:
        DeepNeuralNetwork(hidden_layers=(4,), num_iterations=2).fit(X, make(y, None))
    assert str(caught[0].message).endswith(f"it has not converged yet. {advice}")


def test_an_infinite_patience_never_stops_but_keeps_the_best_epoch(digits):
    """``n_iter_no_change=np.inf`` (scikit-learn's "never"): every epoch runs and is scored, and
    the best validation epoch's parameters are the ones kept."""
    X, y, _, _ = digits
    settings = {"hidden_layers": (8,), "learning_rate": 0.05, "early_stopping": True, "num_iterations": 12}
    with pytest.warns(UserWarning, match="epochs ran out"):
        model = DeepNeuralNetwork(**settings, n_iter_no_change=np.inf).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_ == 12
    assert model.best_validation_score_ == max(model.validation_scores_)
    with pytest.raises(TypeError, match="n_iter_no_change: expected an integer >= 1, got -inf"):
        DeepNeuralNetwork(n_iter_no_change=-np.inf).fit(X, y)


def test_warm_start_goes_on_from_the_fitted_parameters(digits):
    X, y, _, _ = digits
    settings = {"hidden_layers": (8,), "n_iter_no_change": None, "batch_size": 100}
    model = DeepNeuralNetwork(**settings, num_iterations=3, warm_start=True).fit(X, y)
    first = {key: value.copy() for key, value in model.parameters_.items()}
    model.fit(X, y)
    assert model.n_iter_ == 3 and len(model.costs_) == 6  # this fit's epochs (as scikit-learn); every cost
    assert model.costs_[3] < model.costs_[0]  # started where the first fit ended, not anew
    # A new optimiser state, the epoch count going on: train from the first fit's parameters.
    from portable_dnn.optimizers import OptimizerState

    expected, _ = dnn.train(X.T, y, first, learning_rate=0.001, num_epochs=3, optimizer="adam", mini_batch_size=100,
                            lambd=0.0001, seed=1, state=OptimizerState(epochs=3), shuffle=np.random.RandomState(1),
                            epsilon_hat=True)  # shuffled anew from RandomState(seed), as scikit-learn's
    for key, value in expected.items():
        np.testing.assert_allclose(model.parameters_[key], value, rtol=1e-12)
    cold = DeepNeuralNetwork(**settings, num_iterations=3).fit(X, y)
    cold.fit(X, y)  # without warm_start: anew
    assert cold.n_iter_ == 3
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same classes"):
        model.fit(X, np.where(y == 1, 2, y))
    with pytest.raises(ValueError, match="X has 63 features, but DeepNeuralNetwork is expecting 64"):
        model.fit(X[:, 1:], y)
    with pytest.raises(ValueError, match="warm_start: hidden_layers=\\(9,\\) does not match"):
        model.set_params(hidden_layers=(9,)).fit(X, y)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's own overflow and invalid-value warnings
def test_divergence_from_unscaled_inputs_says_to_scale_them(digits):
    X, y, _, _ = digits
    with pytest.raises(dnn.TrainingDivergedError, match="inputs reach 1.7e\\+308 in magnitude: scale your data"):
        DeepNeuralNetwork(hidden_layers=(4,), num_iterations=3, n_iter_no_change=None).fit(X / X.max() * 1.7e308, y)


def test_predict_log_proba_is_minus_infinity_where_a_probability_is_zero_without_a_warning():
    X = np.random.RandomState(0).randn(100, 3)
    model = DeepNeuralNetwork(hidden_layers=(4,), num_iterations=5, n_iter_no_change=None, dtype="float32")
    model.fit(X, (X[:, 0] > 0).astype(int))
    far = np.concatenate([X, X * 1e6])
    probabilities = model.predict_proba(far)
    assert (probabilities == 0).any()
    logs = model.predict_log_proba(far)  # NumPy's "divide by zero" warning would be an error here
    assert np.isneginf(logs[probabilities == 0]).all()
    np.testing.assert_array_equal(logs[probabilities > 0], np.log(probabilities[probabilities > 0]))


def test_the_convergence_warning_points_at_the_callers_line():
    X = np.random.RandomState(0).randn(50, 3)
    with pytest.warns(Warning, match="epochs ran out before the stopping rule") as caught:
        DeepNeuralNetwork(num_iterations=2).fit(X, (X[:, 0] > 0).astype(int))
    assert caught[0].filename == __file__
