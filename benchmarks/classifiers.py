"""DeepNeuralNetwork beside scikit-learn's MLPClassifier, and DeepNeuralNetworkRegressor beside
its MLPRegressor, each pair with their defaults and the same seed (ours: seed=1).

Same data for both: train_test_split(test_size=0.25, random_state=0, stratify=y for the
classifiers), then a StandardScaler fitted on the training part (and, for the regressors, one for
the targets). Prints test accuracy (R² for the regressors), fit time (after an untimed warm-up
fit on 200 samples: imports, compiled kernels) and epochs run, as Markdown tables.
``python benchmarks/classifiers.py [--large]`` (--large adds make_classification(60000, 50,
n_informative=30) with 2 and 10 classes and make_regression(60000, 50): minutes).

A third table sets the solvers side by side: L-BFGS and scikit-learn's SGD, here and there, on iris,
breast cancer, digits and a sparse text task (generated documents through a HashingVectorizer,
2**16 features, not scaled: sparse in, sparse all the way).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
from scipy import sparse
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.feature_extraction.text import HashingVectorizer
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


def text_task(documents: int = 3000, classes: int = 4, seed: int = 0):
    """Generated documents of 40 words each from a 5,000-word vocabulary (a third of each document
    from its class's own 200 words), hashed into 2**16 sparse features: ``(X (CSR), y)``."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, documents)
    texts = []
    for label in y:
        common = rng.zipf(1.3, 27) % 5000
        own = 5000 + label * 200 + rng.integers(0, 200, 13)
        texts.append(" ".join(f"w{word}" for word in np.concatenate([common, own])))
    return HashingVectorizer(n_features=2**16, alternate_sign=False).transform(texts), y


def solver_tasks():
    yield "iris (150 x 4, 3 classes)", load_iris(return_X_y=True)
    yield from tasks(large=False)
    yield "text (3000 x 65536 sparse, 4 classes)", text_task()


def solvers():
    yield 'MLPClassifier(solver="lbfgs")', lambda: MLPClassifier(solver="lbfgs", random_state=1)
    yield 'DeepNeuralNetwork(optimizer="lbfgs")', lambda: DeepNeuralNetwork(optimizer="lbfgs")
    yield 'MLPClassifier(solver="sgd")', lambda: MLPClassifier(solver="sgd", random_state=1)
    yield 'DeepNeuralNetwork(optimizer="sgd")', lambda: DeepNeuralNetwork(optimizer="sgd", learning_rate=0.001)


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
        if not sparse.issparse(X):
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
        print()
        table(solver_tasks(), solvers, stratify=True, scale_y=False)


if __name__ == "__main__":
    main()
