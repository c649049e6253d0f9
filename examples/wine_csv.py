"""Write scikit-learn's wine recognition data as ``wine.csv``: a header, 13 feature columns and the
cultivar as text (``class_0``, ``class_1``, ``class_2``), for the command line's example.

    python examples/wine_csv.py [PATH]
"""

from __future__ import annotations

import csv
import sys

from sklearn.datasets import load_wine


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "wine.csv"
    wine = load_wine()
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*wine.feature_names, "cultivar"])
        for row, label in zip(wine.data, wine.target, strict=True):
            writer.writerow([*row, wine.target_names[label]])
    print(f"Wrote {path}: {len(wine.data)} rows, {wine.data.shape[1]} features and the cultivar")


if __name__ == "__main__":
    main()
