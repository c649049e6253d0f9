"""Accuracy with both libraries' defaults: 5-fold cross-validation of a ``Pipeline`` with a
``StandardScaler``, at most 1000 epochs; ``MLPClassifier`` over random states 1-5, ``DeepNeuralNetwork``
over seeds 1-5, once per initialisation scheme.

    python benchmarks/defaults.py [--inits glorot,he,lecun,small]

Prints a Markdown table of the mean accuracy on iris, wine, breast cancer and digits.
"""

from __future__ import annotations

import argparse
import statistics
import warnings

from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from portable_dnn import DeepNeuralNetwork

DATASETS = {"iris": load_iris, "wine": load_wine, "breast cancer": load_breast_cancer, "digits": load_digits}
SEEDS = range(1, 6)


def mean_accuracy(make_model, X, y) -> float:
    """The mean over seeds of the 5-fold cross-validated accuracy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn when 1000 epochs run out first
        return statistics.mean(float(cross_val_score(make_pipeline(StandardScaler(), make_model(seed)), X, y,
                                                     cv=5).mean()) for seed in SEEDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inits", default="glorot,he,lecun,small", help="DeepNeuralNetwork's init schemes to compare")
    inits = parser.parse_args().inits.split(",")
    columns = ["MLPClassifier()"] + [f'DeepNeuralNetwork(init="{init}")' for init in inits]
    print("| dataset | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, load in DATASETS.items():
        X, y = load(return_X_y=True)
        cells = [mean_accuracy(lambda seed: MLPClassifier(max_iter=1000, random_state=seed), X, y)]
        for init in inits:
            cells.append(mean_accuracy(
                lambda seed, init=init: DeepNeuralNetwork(num_iterations=1000, init=init, seed=seed), X, y))
        print(f"| {name} | " + " | ".join(f"{cell:.3f}" for cell in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
