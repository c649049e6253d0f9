"""Build portable_dnn/data/digits_parity.npz from scikit-learn's copy of the UCI digits.

Source: "Optical Recognition of Handwritten Digits" (E. Alpaydin, C. Kaynak, 1998), UCI Machine
Learning Repository, CC BY 4.0; scikit-learn ships its 1,797-image test part as
``sklearn/datasets/data/digits.csv.gz`` (64 pixel columns with values 0..16, then the digit).

    python scripts/make_digits_parity.py   # needs scikit-learn installed
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import sklearn.datasets

SOURCE = Path(sklearn.datasets.__file__).parent / "data" / "digits.csv.gz"
TARGET = Path(__file__).resolve().parents[1] / "portable_dnn" / "data" / "digits_parity.npz"
TEST_FRACTION = 0.25


def main() -> None:
    with gzip.open(SOURCE, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    images = table[:, :64].reshape(-1, 8, 8).astype(np.uint8)
    digits = table[:, 64].astype(np.uint8)
    order = np.random.RandomState(0).permutation(len(digits))
    n_test = round(len(digits) * TEST_FRACTION)
    test, train = order[:n_test], order[n_test:]
    np.savez_compressed(
        TARGET,
        train_images=images[train], train_digits=digits[train],
        test_images=images[test], test_digits=digits[test],
    )
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes): {len(train)} train, {len(test)} test images")


if __name__ == "__main__":
    main()
