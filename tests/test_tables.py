"""The command line's table path, pinned: how a table is read (headers, missing values, empty
files), which targets a classifier takes, the scaling of features and target folded into the saved
model, the defaults' results on scikit-learn's tables, the warnings, and every flag reaching the
estimator."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from test_own_data import blobs, run, write_csv

import portable_dnn as dnn
from portable_dnn.cli import own_data
from portable_dnn.cli.tables import read_table

pytest.importorskip("matplotlib", reason="the command line's extra is not installed")


def write_rows(path, header, rows):
    path.write_text("\n".join([header, *(",".join(map(str, row)) for row in rows)]) + "\n")
    return path


def spy_on_fit(monkeypatch):
    """What the command line's estimator was fitted on (``X``, ``y``) and a copy of it as fitted,
    before the scaling is folded into its layers (``model``)."""
    seen = {}
    make = own_data._estimator

    def estimator(args):
        model = make(args)
        fit = model.fit

        def recording_fit(X, y, **options):
            seen.update(X=np.asarray(X).copy(), y=np.asarray(y).copy())
            fit(X, y, **options)
            seen["model"] = copy.deepcopy(model)
            return model

        model.fit = recording_fit
        return model

    monkeypatch.setattr(own_data, "_estimator", estimator)
    return seen


def score(out, name):
    return float(out.split(f"{name}: ")[1].split()[0])


# Reading a table

def test_a_headerless_csv_with_string_labels_keeps_every_row(tmp_path):
    X, y = blobs()
    table = read_table(write_csv(tmp_path / "animals.csv", X, y, header=False))
    assert table.X.shape == (240, 4) and table.y.tolist() == y.tolist() and table.features == ["0", "1", "2", "3"]
    np.testing.assert_allclose(table.X, X)


def test_a_header_of_numbers_is_a_header(tmp_path):
    table = read_table(write_rows(tmp_path / "t.csv", "id,2019,label", [[1, 5.5, "a"], [2, 6.5, "b"]]), "label")
    assert table.features == ["id", "2019"] and table.X.tolist() == [[1, 5.5], [2, 6.5]]
    assert table.y.tolist() == ["a", "b"]


def test_a_csv_with_only_a_header_has_no_rows(tmp_path, capsys):
    (tmp_path / "empty.csv").write_text("a,b,label\n")
    with pytest.raises(ValueError, match=r"empty\.csv: no rows \(only the header"):
        read_table(tmp_path / "empty.csv")
    code, _, err = run(capsys, "train", "--data", tmp_path / "empty.csv", "--out", tmp_path, "--quiet")
    assert code == 1 and "no rows (only the header" in err


@pytest.mark.parametrize("missing", ["", "NA", "NaN", "nan", "N/A", "null"])
def test_missing_cells_in_a_csv_are_named_with_their_lines(missing, tmp_path, capsys):
    rows = [[1.0, 2.0, "a"], [3.0, 4.0, "b"], [5.0, missing, "a"], [7.0, 8.0, "b"], [9.0, missing, "a"]]
    path = write_rows(tmp_path / "t.csv", "x,radius,label", rows)
    with pytest.raises(ValueError) as raised:
        read_table(path, "label")
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and "column 'radius'" in message and "2 missing values" in message
    assert "on lines 4, 6" in message and "drop those rows or fill them in first" in message
    code, _, err = run(capsys, "train", "--data", path, "--target", "label", "--out", tmp_path, "--quiet")
    assert code == 1 and "column 'radius'" in err and "Traceback" not in err


def test_a_missing_target_is_named_too(tmp_path):
    path = write_rows(tmp_path / "t.csv", "x,label", [[1.0, "a"], [2.0, ""], [3.0, "b"]])
    with pytest.raises(ValueError, match=r"the target column 'label' has 1 missing value \(empty, NA or NaN\) "
                                         r"on line 3; drop"):
        read_table(path, "label")


def test_missing_values_in_npy_npz_and_h5_are_named_with_their_rows(tmp_path):
    X = np.arange(24.0).reshape(6, 4)
    X[[1, 4], 2] = np.nan
    np.save(tmp_path / "t.npy", X)
    with pytest.raises(ValueError, match=r"t\.npy: feature column '2' has 2 missing values \(NaN\) in rows 1, 4 "
                                         r"\(counting from 0\); drop those rows or fill them in first"):
        read_table(tmp_path / "t.npy")
    np.savez(tmp_path / "x.npz", X=X, y=np.arange(6.0))
    with pytest.raises(ValueError, match=r"x\.npz: column 2 of X has 2 missing values"):
        read_table(tmp_path / "x.npz")
    y = np.arange(6.0)
    y[3] = np.nan
    np.savez(tmp_path / "y.npz", X=np.ones((6, 2)), y=y)
    with pytest.raises(ValueError, match=r"y\.npz: the target y has 1 missing value \(NaN\) in row 3"):
        read_table(tmp_path / "y.npz")
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "t.h5", "w") as handle:
        handle["X"], handle["y"] = X, np.arange(6.0)
    with pytest.raises(ValueError, match=r"t\.h5: column 2 of X has 2 missing values \(NaN\) in rows 1, 4"):
        read_table(tmp_path / "t.h5")


def test_a_target_index_past_the_last_column_is_named(tmp_path):
    np.save(tmp_path / "t.npy", np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"no column '3' \(columns: 0, 1, 2\)"):
        read_table(tmp_path / "t.npy", "3")


# Which targets a classifier takes

@pytest.mark.parametrize(("y", "message"), [
    (np.linspace(25.0, 346.0, 120), "holds numbers that are not whole (such as 27.6975)"),
    (np.arange(120.0) * 3, "has 120 different values in 120 rows (about 1.0 rows each)"),
])
def test_a_continuous_target_is_refused_for_classification_with_a_hint(y, message, tmp_path, capsys):
    X = np.random.RandomState(0).randn(120, 2)
    path = write_rows(tmp_path / "t.csv", "a,b,target", np.column_stack([X, y]))
    code, out, err = run(capsys, "train", "--data", path, "--target", "target", "--out", tmp_path, "--quiet")
    assert code == 1 and message in err and "use --task regression" in err and "accuracy" not in out
    code, out, _ = run(capsys, "train", "--data", path, "--target", "target", "--task", "regression",
                       "--iterations", "5", "--out", tmp_path, "--quiet")
    assert code == 0 and "Test R²" in out


def test_whole_number_classes_with_enough_rows_each_are_classes(tmp_path, capsys):
    X, labels = blobs(m=120)
    y = np.unique(labels, return_inverse=True)[1].astype(float) * 10  # 0.0, 10.0, 20.0
    path = write_rows(tmp_path / "t.csv", "a,b,c,d,target", np.column_stack([X, y]))
    code, out, _ = run(capsys, "train", "--data", path, "--target", "target", "--out", tmp_path, "--quiet")
    assert code == 0 and score(out, "Test accuracy") > 0.9
    assert dnn.DeepNeuralNetwork.load(tmp_path / "model.npz").classes_.tolist() == [0.0, 10.0, 20.0]


# The scaling, folded into the saved model

def test_features_are_standardised_on_the_training_rows_only(tmp_path, capsys, monkeypatch):
    X, y = blobs()
    X[:, 1] += 1000.0
    X[:, 2] = 7.0  # a constant column: left as it is, no division by 0
    seen = spy_on_fit(monkeypatch)
    code, _, err = run(capsys, "train", "--data", write_csv(tmp_path / "t.csv", X, y), "--target", "animal",
                       "--test-fraction", "0.3", "--iterations", "3", "--out", tmp_path, "--quiet")
    assert code == 0, err
    assert seen["X"].shape == (168, 4)  # 240 rows, 72 held out for the test
    np.testing.assert_allclose(seen["X"].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(seen["X"].std(axis=0), [1.0, 1.0, 0.0, 1.0], atol=1e-12)


def test_the_saved_model_takes_raw_rows_as_the_fitted_one_took_standardised_rows(tmp_path, capsys, monkeypatch):
    X, y = blobs()
    X[:, 0] += 1000.0  # an offset only the first layer's bias can take
    train = write_csv(tmp_path / "train.csv", X[:200], y[:200])
    test = write_csv(tmp_path / "test.csv", X[200:], y[200:])
    seen = spy_on_fit(monkeypatch)
    code, out, _ = run(capsys, "train", "--data", train, "--target", "animal", "--test-data", test,
                       "--out", tmp_path, "--quiet")
    assert code == 0
    mean, deviation = X[:200].mean(axis=0), X[:200].std(axis=0)
    np.testing.assert_allclose(seen["X"], (X[:200] - mean) / deviation, atol=1e-12)
    saved = dnn.DeepNeuralNetwork.load(tmp_path / "model.npz")
    np.testing.assert_allclose(saved.predict_proba(X), seen["model"].predict_proba((X - mean) / deviation), atol=1e-9)
    assert score(out, "Test accuracy") == round(saved.score(X[200:], y[200:]), 4) > 0.9


def test_a_regression_target_is_standardised_and_the_model_predicts_in_its_units(tmp_path, capsys, monkeypatch):
    rng = np.random.RandomState(2)
    X = rng.randn(200, 3) * [1.0, 50.0, 0.1] + [0.0, 500.0, 3.0]
    y = 1000.0 + 40.0 * (X[:, 0] + (X[:, 1] - 500.0) / 50.0)
    np.save(tmp_path / "train.npy", np.column_stack([X[:160], y[:160]]))
    np.save(tmp_path / "test.npy", np.column_stack([X[160:], y[160:]]))
    seen = spy_on_fit(monkeypatch)
    code, out, err = run(capsys, "train", "--data", tmp_path / "train.npy", "--test-data", tmp_path / "test.npy",
                         "--task", "regression", "--out", tmp_path, "--quiet")
    assert code == 0 and err == ""
    y_mean, y_deviation = y[:160].mean(), y[:160].std()
    np.testing.assert_allclose(seen["y"], (y[:160] - y_mean) / y_deviation, atol=1e-12)
    mean, deviation = X[:160].mean(axis=0), X[:160].std(axis=0)
    saved = dnn.DeepNeuralNetworkRegressor.load(tmp_path / "model.npz")
    # The saved model's prediction is the fitted one's, in the target's units: y = deviation * z + mean.
    unfolded = seen["model"].predict((X - mean) / deviation) * y_deviation + y_mean
    np.testing.assert_allclose(saved.predict(X), unfolded, rtol=1e-10)
    assert score(out, "Test R²") == round(saved.score(X[160:], y[160:]), 4) > 0.99


# The defaults on scikit-learn's tables

def write_frame(path, frame):
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("loader", "target", "at_least"), [("load_wine", "cultivar", 0.97),
                                                            ("load_breast_cancer", "label", 0.97)])
def test_a_default_classification_ends_by_its_stopping_rule_without_a_warning(loader, target, at_least, tmp_path,
                                                                               capsys):
    datasets = pytest.importorskip("sklearn.datasets")
    frame = getattr(datasets, loader)(as_frame=True).frame.rename(columns={"target": target})
    code, out, err = run(capsys, "train", "--data", write_frame(tmp_path / "t.csv", frame), "--target", target,
                         "--out", tmp_path, "--quiet")
    assert code == 0 and err == ""
    assert score(out, "Test accuracy") >= at_least
    assert dnn.DeepNeuralNetwork.load(tmp_path / "model.npz").n_iter_ < own_data.TABLE_DEFAULTS[
        "classification"]["num_iterations"]


def test_a_default_regression_on_diabetes_scores_as_scikit_learns_scaled_pipeline(tmp_path, capsys):
    sklearn = pytest.importorskip("sklearn")
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True, scaled=False)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    header = ",".join([*(f"x{j}" for j in range(10)), "target"])
    train = write_rows(tmp_path / "train.csv", header, np.column_stack([X_train, y_train]).tolist())
    test = write_rows(tmp_path / "test.csv", header, np.column_stack([X_test, y_test]).tolist())
    code, out, err = run(capsys, "train", "--data", train, "--test-data", test, "--target", "target",
                         "--task", "regression", "--out", tmp_path, "--quiet")
    assert code == 0 and err == ""
    peer = TransformedTargetRegressor(make_pipeline(StandardScaler(), MLPRegressor(early_stopping=True, max_iter=2000,
                                                                                   random_state=1)),
                                      transformer=StandardScaler())
    with sklearn.config_context(assume_finite=True):
        peer_r2 = peer.fit(X_train, y_train).score(X_test, y_test)
    assert score(out, "Test R²") >= round(peer_r2, 4) > 0.25  # the same steps: 0.2843 both


@pytest.mark.parametrize(("flags", "cause"), [
    (["--no-scale"], "the data's scale: leave out --no-scale"),
    (["--iterations", "1"], "too few epochs: --iterations 2"),
    (["--learning-rate", "1e-9"], "the learning rate: try --learning-rate 1e-10"),
])
def test_a_regression_worse_than_the_mean_warns_with_its_likely_cause(flags, cause, tmp_path, capsys):
    rng = np.random.RandomState(3)
    X = rng.randn(150, 2)  # a target with nothing to learn: an untrained network predicts worse than its mean
    np.save(tmp_path / "t.npy", np.column_stack([X, 500.0 + 30.0 * rng.randn(150)]))
    code, out, err = run(capsys, "train", "--data", tmp_path / "t.npy", "--task", "regression", *flags,
                         "--out", tmp_path, "--quiet")
    assert code == 0 and score(out, "Train R²") < 0
    assert "the model predicts worse than the mean of the target (training R² -" in err and cause in err


# Every flag reaches the estimator

def test_every_table_flag_reaches_the_estimator(tmp_path, capsys):
    X, y = blobs(m=90)
    train, test = write_csv(tmp_path / "train.csv", X[:60], y[:60]), write_csv(tmp_path / "test.csv", X[60:], y[60:])
    code, out, err = run(capsys, "train", "--data", train, "--target", "animal", "--test-data", test,
                         "--lambd", "0.25", "--optimizer", "momentum", "--keep-prob", "0.75", "--init", "he",
                         "--layers", "4,6,5,3", "--seed", "7", "--decay-rate", "0.5", "--early-stopping",
                         "--dtype", "float32", "--learning-rate", "0.02", "--iterations", "4",
                         "--mini-batch-size", "16", "--out", tmp_path, "--quiet")
    assert code == 0, err
    model = dnn.DeepNeuralNetwork.load(tmp_path / "model.npz")
    params = model.get_params()
    assert {name: params[name] for name in ("alpha", "optimizer", "keep_prob", "init", "hidden_layers", "seed",
                                            "decay_rate", "early_stopping", "learning_rate", "num_iterations",
                                            "batch_size")} == {
        "alpha": 0.25, "optimizer": "momentum", "keep_prob": 0.75, "init": "he", "hidden_layers": (6, 5),
        "seed": 7, "decay_rate": 0.5, "early_stopping": True, "learning_rate": 0.02, "num_iterations": 4,
        "batch_size": 16}
    assert model.parameters_["W1"].dtype == np.float32 and model.n_iter_ <= 4
    assert "Test accuracy" in out and len(model.predict(X[60:])) == 30  # scored on the 30 rows of --test-data


@pytest.mark.parametrize(("flags", "expected"), [
    ([], {"batch_size": 200, "alpha": 0.0001, "early_stopping": "auto", "num_iterations": 1000}),
    (["--mini-batch-size", "0", "--lambd", "0", "--no-early-stopping"],
     {"batch_size": None, "alpha": 0.0, "early_stopping": False, "num_iterations": 1000}),
])
def test_table_defaults_and_their_off_switches(flags, expected, tmp_path, capsys, monkeypatch):
    seen = spy_on_fit(monkeypatch)
    X, y = blobs(m=60)
    code, _, err = run(capsys, "train", "--data", write_csv(tmp_path / "t.csv", X, y), "--target", "animal",
                       *flags, "--out", tmp_path, "--quiet")
    assert code == 0, err
    params = seen["model"].get_params()
    assert {name: params[name] for name in expected} == expected


def test_classification_from_an_npz(tmp_path, capsys):
    X, labels = blobs(m=120)
    np.savez(tmp_path / "t.npz", X=X, y=np.unique(labels, return_inverse=True)[1])
    code, out, err = run(capsys, "train", "--data", tmp_path / "t.npz", "--out", tmp_path, "--quiet")
    assert code == 0 and err == "" and score(out, "Test accuracy") > 0.9
    code, out, _ = run(capsys, "predict", tmp_path / "model.npz", tmp_path / "t.npz")
    assert code == 0 and out.splitlines()[0].split()[1] == str(np.unique(labels, return_inverse=True)[1][0])
    assert score(out, "Accuracy") > 0.9
