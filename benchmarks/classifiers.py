"""DeepNeuralNetwork beside scikit-learn's MLPClassifier, both with their defaults.

Same data for both: train_test_split(test_size=0.25, random_state=0, stratify=y), then a
StandardScaler fitted on the training part. Prints test accuracy, fit time and epochs run, as a
Markdown table. ``python benchmarks/classifiers.py [--large]`` (--large adds
make_classification(60000, 50, n_informative=30) with 2 and 10 classes: minutes).
"""

from __future__ import annotations

import sys
import time

from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from portable_dnn import DeepNeuralNetwork


def tasks(large: bool):
    yield "breast cancer (569 x 30, 2 classes)", load_breast_cancer(return_X_y=True)
    yield "digits (1797 x 64, 10 classes)", load_digits(return_X_y=True)
    if large:
        for classes in (2, 10):
            yield (f"make_classification(60000, 50, n_informative=30, n_classes={classes})",
                   make_classification(60000, 50, n_informative=30, n_classes=classes, random_state=0))


def models():
    yield "MLPClassifier()", lambda: MLPClassifier(random_state=0)
    yield "DeepNeuralNetwork()", DeepNeuralNetwork
    yield 'DeepNeuralNetwork(dtype="float32")', lambda: DeepNeuralNetwork(dtype="float32")


def main() -> None:
    names = [name for name, _ in models()]
    print("| task | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for task, (X, y) in tasks("--large" in sys.argv):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        cells = []
        for _, make in models():
            model = make()
            start = time.perf_counter()
            model.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            cells.append(f"{model.score(X_test, y_test):.4f} ({seconds:.1f} s, {model.n_iter_} epochs)")
        print(f"| {task} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
