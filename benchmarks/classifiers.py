"""DeepNeuralNetwork beside scikit-learn's MLPClassifier, and DeepNeuralNetworkRegressor beside
its MLPRegressor, each pair with their defaults and the same seed (ours: seed=1).

Same data for both: train_test_split(test_size=0.25, random_state=0, stratify=y for the
classifiers), then a StandardScaler fitted on the training part (and, for the regressors, one for
the targets). Prints test accuracy (R² for the regressors), fit time (after an untimed warm-up
fit on 200 samples: imports, compiled kernels) and epochs run, as Markdown tables.
``python benchmarks/classifiers.py [--large]`` (--large adds make_classification(60000, 50,
n_informative=30) with 2 and 10 classes and make_regression(60000, 50): minutes).
"""

from __future__ import annotations

import sys
import time
import warnings

from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, make_classification, make_regression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor


def tasks(large: bool):
    yield "breast cancer (569 x 30, 2 classes)", load_breast_cancer(return_X_y=True)
    yield "digits (1797 x 64, 10 classes)", load_digits(return_X_y=True)
    if large:
        for classes in (2, 10):
            yield (f"make_classification(60000, 50, n_informative=30, n_classes={classes})",
                   make_classification(60000, 50, n_informative=30, n_classes=classes, random_state=0))


def models():
    yield "MLPClassifier(random_state=1)", lambda: MLPClassifier(random_state=1)
    yield "DeepNeuralNetwork()", DeepNeuralNetwork
    yield 'DeepNeuralNetwork(dtype="float32")', lambda: DeepNeuralNetwork(dtype="float32")


def regression_tasks(large: bool):
    yield "diabetes (442 x 10)", load_diabetes(return_X_y=True)
    if large:
        yield "make_regression(60000, 50, noise=10)", make_regression(60000, 50, noise=10.0, random_state=0)


def regressors():
    yield "MLPRegressor(random_state=1)", lambda: MLPRegressor(random_state=1)
    yield "DeepNeuralNetworkRegressor()", DeepNeuralNetworkRegressor


def table(tasks, models, stratify: bool, scale_y: bool) -> None:
    """One row per task: each model's test score, fit time and epochs."""
    names = [name for name, _ in models()]
    print("| task | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for task, (X, y) in tasks:
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                            stratify=y if stratify else None)
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        if scale_y:
            targets = StandardScaler().fit(y_train[:, None])
            y_train, y_test = (targets.transform(part[:, None])[:, 0] for part in (y_train, y_test))
        cells = []
        for _, make in models():
            make().fit(X_train[:200], y_train[:200])  # warm up: not timed
            model = make()
            start = time.perf_counter()
            model.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            cells.append(f"{model.score(X_test, y_test):.4f} ({seconds:.2f} s, {model.n_iter_} epochs)")
        print(f"| {task} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    large = "--large" in sys.argv
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both libraries warn when their epoch limit comes first
        table(tasks(large), models, stratify=True, scale_y=False)
        print()
        table(regression_tasks(large), regressors, stratify=False, scale_y=True)


if __name__ == "__main__":
    main()
