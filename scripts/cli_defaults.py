"""The command line's defaults on scikit-learn's tables, next to scikit-learn's scaled MLP on the
same split: the table in the command-line guide (``python scripts/cli_defaults.py`` prints it).

Each table is written as a CSV and trained with ``portable-dnn train --data FILE`` and no other
setting; the peer is ``make_pipeline(StandardScaler(), MLP(...))`` on the same training rows (for
the regression, inside ``TransformedTargetRegressor`` with a ``StandardScaler`` on the target), with
``max_iter`` at the command line's epoch limit and ``early_stopping`` as the command line's."""

from __future__ import annotations

import contextlib
import io
import tempfile
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import portable_dnn as dnn
from portable_dnn._splits import held_out_count, held_out_indices
from portable_dnn.cli import main
from portable_dnn.cli.own_data import TABLE_DEFAULTS

TABLES = [("wine", load_wine, "classification"), ("breast cancer", load_breast_cancer, "classification"),
          ("diabetes (unscaled)", lambda: load_diabetes(scaled=False), "regression")]


def peer(task: str):
    settings = TABLE_DEFAULTS[task]
    if task == "classification":
        return make_pipeline(StandardScaler(), MLPClassifier(max_iter=settings["num_iterations"], random_state=1))
    network = MLPRegressor(max_iter=settings["num_iterations"], early_stopping=True, random_state=1)
    return TransformedTargetRegressor(make_pipeline(StandardScaler(), network), transformer=StandardScaler())


def measure(name: str, load, task: str, folder: Path) -> str:
    data = load()
    X, y = data.data, data.target
    path = folder / "table.csv"
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header=",".join([*map(str, data.feature_names), "y"]),
               comments="")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["train", "--data", str(path), "--task", task, "--out", str(folder), "--quiet"])
    assert code == 0, err.getvalue()
    kind = dnn.DeepNeuralNetworkRegressor if task == "regression" else dnn.DeepNeuralNetwork
    model = kind.load(folder / "model.npz")
    score = "R²" if task == "regression" else "accuracy"
    ours = float(out.getvalue().split(f"Test {score}: ")[1].split()[0])
    kept, held = held_out_indices(len(X), held_out_count(len(X), 0.2, "--test-fraction"), 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs = peer(task).fit(X[kept], y[kept]).score(X[held], y[held])
    limit = TABLE_DEFAULTS[task]["num_iterations"]
    stopped = f"the stopping rule, at {model.n_iter_}" if model.n_iter_ < limit else f"the limit, {limit}"
    warned = "none" if not err.getvalue() else "yes"
    peer_warned = "none" if not caught else "yes"
    return (f"| {name} | {task} | {len(kept)} / {len(held)} | {stopped} | {ours:.4f} | {warned} | {theirs:.4f} | "
            f"{peer_warned} |")


def table() -> str:
    lines = ["| table | task | rows (train / test) | epochs ended by | test score | warning | scikit-learn's | "
             "its warning |", "|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        lines += [measure(name, load, task, Path(folder)) for name, load, task in TABLES]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
