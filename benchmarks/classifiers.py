"""DeepNeuralNetwork beside scikit-learn's MLPClassifier on scikit-learn's bundled datasets.

Same split for both: StandardScaler, then train_test_split(test_size=0.25, random_state=0,
stratify=y). Prints test accuracy and fit time. ``python benchmarks/classifiers.py [--large]``
(--large adds make_classification(60000, 50, n_informative=30, n_classes=10), minutes).
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
        yield ("make_classification(60000, 50, n_informative=30, n_classes=10)",
               make_classification(60000, 50, n_informative=30, n_classes=10, random_state=0))


def main() -> None:
    print("| task | MLPClassifier | DeepNeuralNetwork(hidden_layers=(100,), learning_rate=0.1) |")
    print("|---|---|---|")
    for name, (X, y) in tasks("--large" in sys.argv):
        X = StandardScaler().fit_transform(X)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        cells = []
        for model in (MLPClassifier(hidden_layer_sizes=(100,), random_state=0, max_iter=200),
                      DeepNeuralNetwork(hidden_layers=(100,), learning_rate=0.1)):
            start = time.perf_counter()
            model.fit(X_train, y_train)
            cells.append(f"{model.score(X_test, y_test):.3f} ({time.perf_counter() - start:.1f} s)")
        print(f"| {name} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
