"""The command line on your own table: :class:`DeepNeuralNetwork` (``--task classification``) or
:class:`DeepNeuralNetworkRegressor` (``--task regression``) trained with their defaults but for
:data:`TABLE_DEFAULTS` (each flag given overrides its setting), the features (and a regression's
target) standardised on the training rows unless ``--no-scale`` (the scaling folded into the first
layer, and the target's into the output layer, so the saved model takes raw features and predicts in
the target's units), a held-out test split, the scores, the model and its cost curve."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from array_api_compat import array_namespace
from array_api_compat import device as array_device

from .._backend.transfers import to_numpy
from .._splits import held_out_count, held_out_indices
from ..estimators.classifier import DeepNeuralNetwork
from ..estimators.regressor import DeepNeuralNetworkRegressor
from ..optimizers import OptimizerState
from .plots import save_cost_curve
from .reports import convergence_message, cost_line, warn, warn_if_not_learning, warn_if_worse_than_the_mean, wrote
from .tables import Table, read_table

#: What a table's run changes of the estimators' defaults (measured in the command-line guide): enough
#: epochs for the stopping rule to end training; a regression stops on held-out rows (its R²) from
#: Glorot's initial weights (scikit-learn's, better than He's there). A classifier stops on its
#: training cost: on small tables a held-out accuracy stops it too soon.
TABLE_DEFAULTS: dict[str, dict[str, Any]] = {
    "classification": {"num_iterations": 1000},
    "regression": {"num_iterations": 1000, "early_stopping": True, "init": "glorot"},
}
#: A numeric target with more than this many values, and fewer than :data:`ROWS_PER_CLASS` rows for
#: each on average, is a number to predict rather than classes.
MANY_CLASSES, ROWS_PER_CLASS = 20, 5


def _estimator(args: argparse.Namespace) -> Any:
    """The estimator for ``--task``, with its defaults but for the settings the flags give (it
    trains where the data is put: ``--backend``, ``--device``)."""
    if args.time_interval is not None:
        raise ValueError("--time-interval: the estimators decay the learning rate after every epoch; "
                         "leave it out with your own table")
    given = {"learning_rate": args.learning_rate, "num_iterations": args.iterations, "optimizer": args.optimizer,
             "init": args.init, "seed": args.seed, "alpha": args.lambd,
             "keep_prob": None if args.keep_prob == 1.0 else args.keep_prob, "decay_rate": args.decay_rate or None,
             "early_stopping": args.early_stopping, "hidden_layers": tuple(args.layers[1:-1]) if args.layers else None}
    settings = {**TABLE_DEFAULTS[args.task], **{name: value for name, value in given.items() if value is not None}}
    if args.mini_batch_size is not None:  # 0: full batches
        settings["batch_size"] = args.mini_batch_size or None
    estimator = DeepNeuralNetworkRegressor if args.task == "regression" else DeepNeuralNetwork
    return estimator(**settings, dtype=args.dtype)


def _split(args: argparse.Namespace, table: Table) -> tuple[Table, Table]:
    """``(train, test)``: ``--test-data``, or ``--test-fraction`` of the rows held out (seeded)."""
    if args.test_data is not None:
        return table, read_table(args.test_data, table.target)
    if not 0.0 < args.test_fraction < 1.0:
        raise ValueError(f"--test-fraction: expected a number between 0 and 1, got {args.test_fraction}")
    m = len(table.X)
    held = held_out_count(m, args.test_fraction, "--test-fraction", held="test")
    kept, out = held_out_indices(m, held, args.seed if args.seed is not None else 1)
    assert table.y is not None
    return (table._replace(X=table.X[kept], y=table.y[kept]), table._replace(X=table.X[out], y=table.y[out]))


def _standardise(model: Any, mean: np.ndarray, scale: np.ndarray) -> None:
    """Fold ``(x - mean) / scale`` into the first layer, so the model takes raw features:
    ``W1 (x - mean) / scale + b1 = (W1 / scale) x + (b1 - (W1 / scale) mean)``. The optimiser's
    averages belong to the scaled parameters, so a new optimiser state takes their place (the epoch
    count kept)."""
    W1, b1 = model.parameters_["W1"], model.parameters_["b1"]
    xp = array_namespace(W1)
    on = {"dtype": W1.dtype, "device": array_device(W1)}
    W1 = W1 / xp.asarray(scale.reshape(1, -1), **on)
    model.parameters_["W1"] = W1
    model.parameters_["b1"] = b1 - W1 @ xp.asarray(mean.reshape(-1, 1), **on)
    model.optimizer_state_ = OptimizerState(epochs=model.optimizer_state_.epochs)


def _check_classes(path: str, table: Table) -> None:
    """``ValueError`` suggesting ``--task regression`` where a classifier's target looks like a number
    to predict: numbers that are not whole, or nearly one class per row."""
    y = table.y
    assert y is not None
    if y.dtype.kind != "f":
        return
    values = np.unique(y)
    if not np.all(values == np.round(values)):
        example = next(v for v in values if v != round(v))
        raise ValueError(f"{path}: the target column {table.target!r} holds numbers that are not whole (such as "
                         f"{example:g}): a number to predict, not classes; use --task regression")
    if len(values) > MANY_CLASSES and len(y) < ROWS_PER_CLASS * len(values):
        raise ValueError(f"{path}: the target column {table.target!r} has {len(values)} different values in "
                         f"{len(y)} rows (about {len(y) / len(values):.1f} rows each): a number to predict rather "
                         "than classes; use --task regression (or give a column of class labels)")


def _standardised(values: np.ndarray, scale: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, standard deviation)`` of ``values``' columns (rows: samples), a constant column's
    deviation 1 (it stays as it is); zeros and ones where ``scale`` is False."""
    if not scale:
        return np.zeros(values.shape[1:]), np.ones(values.shape[1:])
    mean, deviation = values.mean(axis=0), values.std(axis=0)
    return mean, np.where(deviation == 0.0, 1.0, deviation)


def _unstandardise_outputs(model: Any, mean: np.ndarray, scale: np.ndarray) -> None:
    """Fold ``y = scale * z + mean`` into the output layer, so the model trained on standardised
    targets ``z`` predicts ``y``: ``W_L <- scale W_L``, ``b_L <- scale b_L + mean`` (each output its own)."""
    L = len(model.parameters_) // 2
    W, b = model.parameters_[f"W{L}"], model.parameters_[f"b{L}"]
    xp = array_namespace(W)
    on = {"dtype": W.dtype, "device": array_device(W)}
    column = xp.asarray(scale.reshape(-1, 1), **on)
    model.parameters_[f"W{L}"] = W * column
    model.parameters_[f"b{L}"] = b * column + xp.asarray(mean.reshape(-1, 1), **on)


def train_on_table(args: argparse.Namespace, xp: Any, device: Any) -> None:
    """``portable-dnn train --data TABLE``: see the module."""
    table = read_table(args.data, args.target)
    if table.y is None:
        raise ValueError(f"{args.data}: no target column to train on")
    regression = args.task == "regression"
    if regression and table.y.dtype.kind not in "biuf":
        raise ValueError(f"{args.data}: --task regression needs numbers in the target column {table.target!r}")
    if not regression:
        _check_classes(args.data, table)
    train, test = _split(args, table)
    model = _estimator(args)
    mean, scale = _standardised(train.X, not args.no_scale)
    y_train = train.y
    if regression:
        assert y_train is not None  # read_table's target, checked above
        y_mean, y_scale = _standardised(y_train, not args.no_scale)
        y_train = (y_train - y_mean) / y_scale
    X_train = xp.asarray((train.X - mean) / scale, device=device)
    if not args.quiet:
        scaled = "" if args.no_scale else ", features and target standardised" if regression else \
            ", features standardised"
        print(f"Training {type(model).__name__} ({args.task}) on {len(train.X)} rows of {args.data}, "
              f"{train.X.shape[1]} features, target {table.target!r}{scaled}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X_train, y_train)
    if not args.quiet:  # the course's cost lines: every 50th epoch and the last
        for epoch, cost in enumerate(model.costs_):
            if epoch % 50 == 0 or epoch == len(model.costs_) - 1:
                print(cost_line("epoch", epoch, cost))
    ran_out = False
    for warning in caught:  # one line each, as the command line's other messages
        ran_out = ran_out or type(warning.message).__name__ == "ConvergenceWarning"
        warn(convergence_message(model.n_iter_) if type(warning.message).__name__ == "ConvergenceWarning"
             else str(warning.message))
    _standardise(model, mean, scale)
    if regression:
        _unstandardise_outputs(model, y_mean, y_scale)
    score_name = "R²" if regression else "accuracy"
    train_score = model.score(xp.asarray(train.X, device=device), train.y)
    print(f"Train {score_name}: {train_score:.4f}")
    if test.y is not None and len(test.X):
        print(f"Test {score_name}: {model.score(xp.asarray(test.X, device=device), test.y):.4f}")
    if regression:
        warn_if_worse_than_the_mean(train_score, scaled=not args.no_scale, ran_out=ran_out, epochs=model.n_iter_,
                                    learning_rate=model.learning_rate)
    else:
        warn_if_not_learning(list(enumerate(model.costs_)), train_score, len(model.classes_), model.learning_rate)
    out: Path = args.out
    written = [model.save(out / "model.npz"),
               save_cost_curve(out / "cost_curve.png", range(len(model.costs_)), model.costs_,
                                     f"{model.optimizer}, learning rate {model.learning_rate}", "epoch")]
    wrote(written)


def predict_table(args: argparse.Namespace, metadata: dict[str, Any]) -> None:
    """``portable-dnn predict MODEL TABLE`` for a model trained on a table: each row's prediction
    (a class with its probability, or a number), and the score where the table has the target."""
    estimator = DeepNeuralNetworkRegressor if metadata["kind"] == "DeepNeuralNetworkRegressor" else DeepNeuralNetwork
    model: Any = estimator.load(args.model)
    table = read_table(args.data, args.target, features=model.n_features_in_)
    if table.X.shape[1] != model.n_features_in_:
        raise ValueError(f"{args.data}: rows have {table.X.shape[1]} features, the model expects "
                         f"{model.n_features_in_}")
    if estimator is DeepNeuralNetwork and not model.multilabel_:  # one forward pass: the labels from the probabilities
        probabilities = to_numpy(model.predict_proba(table.X))
        labels = model.classes_[probabilities.argmax(axis=1)]
        lines = (f"{i}: {label} (p={p:.4f})" for i, (label, p) in enumerate(zip(labels, probabilities.max(axis=1),
                                                                                  strict=True)))
    else:
        lines = (f"{i}: {value}" for i, value in enumerate(to_numpy(model.predict(table.X)).tolist()))
    for line in lines:
        sys.stdout.write(line + "\n")
    if table.y is not None:
        name = "R²" if estimator is DeepNeuralNetworkRegressor else "Accuracy"
        print(f"{name}: {model.score(table.X, table.y):.4f}")
