"""The command line on your own table: :class:`DeepNeuralNetwork` (``--task classification``) or
:class:`DeepNeuralNetworkRegressor` (``--task regression``) trained with their defaults (each flag
given overrides its setting), the features standardised on the training rows unless ``--no-scale``
(the scaling folded into the first layer, so the saved model takes raw features), a held-out test
split, the scores, the model and its cost curve."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from array_api_compat import array_namespace
from array_api_compat import device as array_device

from ._random import held_out_count, held_out_indices
from .estimator import DeepNeuralNetwork
from .io import to_numpy
from .optimizers import OptimizerState
from .regressor import DeepNeuralNetworkRegressor
from .tables import Table, read_table


def _estimator(args: argparse.Namespace) -> Any:
    """The estimator for ``--task``, with its defaults but for the settings the flags give (it
    trains where the data is put: ``--backend``, ``--device``)."""
    if args.time_interval is not None:
        raise ValueError("--time-interval: the estimators decay the learning rate after every epoch; "
                         "leave it out with your own table")
    given = {"learning_rate": args.learning_rate, "num_iterations": args.iterations, "optimizer": args.optimizer,
             "init": args.init, "seed": args.seed, "alpha": args.lambd or None,
             "keep_prob": None if args.keep_prob == 1.0 else args.keep_prob, "decay_rate": args.decay_rate or None,
             "early_stopping": True if args.early_stopping else None,
             "hidden_layers": tuple(args.layers[1:-1]) if args.layers else None}
    settings = {name: value for name, value in given.items() if value is not None}
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


def train_on_table(args: argparse.Namespace, xp: Any, device: Any) -> None:
    """``portable-dnn train --data TABLE``: see the module."""
    table = read_table(args.data, args.target)
    if table.y is None:
        raise ValueError(f"{args.data}: no target column to train on")
    if args.task == "regression" and table.y.dtype.kind not in "biuf":
        raise ValueError(f"{args.data}: --task regression needs numbers in the target column {table.target!r}")
    train, test = _split(args, table)
    model = _estimator(args)
    mean, scale = train.X.mean(axis=0), train.X.std(axis=0)
    scale[scale == 0.0] = 1.0  # a constant feature stays as it is
    if args.no_scale:
        mean, scale = np.zeros_like(mean), np.ones_like(scale)
    X_train = xp.asarray((train.X - mean) / scale, device=device)
    kind = "regression" if args.task == "regression" else "classification"
    if not args.quiet:
        print(f"Training {type(model).__name__} ({kind}) on {len(train.X)} rows of {args.data}, "
              f"{train.X.shape[1]} features, target {table.target!r}"
              + ("" if args.no_scale else ", features standardised"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X_train, train.y)
    if not args.quiet:  # the course's cost lines: every 50th epoch and the last
        for epoch, cost in enumerate(model.costs_):
            if epoch % 50 == 0 or epoch == len(model.costs_) - 1:
                print(f"Cost after epoch {epoch}: {cost}")
    for warning in caught:  # one line each, as the command line's other messages
        message = str(warning.message)
        if type(warning.message).__name__ == "ConvergenceWarning":  # in the command line's words
            message = (f"{model.n_iter_} epochs ran out before training converged (the cost was still falling); "
                       f"train longer: --iterations {2 * model.n_iter_}")
        print(f"portable-dnn: warning: {message}", file=sys.stderr)
    _standardise(model, mean, scale)
    score_name = "R²" if args.task == "regression" else "accuracy"
    train_score = model.score(xp.asarray(train.X, device=device), train.y)
    print(f"Train {score_name}: {train_score:.4f}")
    if test.y is not None and len(test.X):
        print(f"Test {score_name}: {model.score(xp.asarray(test.X, device=device), test.y):.4f}")
    if args.task != "regression":
        from .cli import warn_if_not_learning

        warn_if_not_learning(list(enumerate(model.costs_)), train_score, len(model.classes_), model.learning_rate)
    from . import plots

    out: Path = args.out
    written = [model.save(out / "model.npz"),
               plots.save_cost_curve(out / "cost_curve.png", range(len(model.costs_)), model.costs_,
                                     f"{model.optimizer}, learning rate {model.learning_rate}", "epoch")]
    print(f"Wrote {', '.join(map(str, written))}")


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
