"""One epoch of Adam on a large sparse X, without densifying it: a 100,000 x 100,000 CSR at 0.01 %
density (about 1,000,000 stored values; 40 GB dense in float32), 4 classes, 100 hidden units, batches of 200
(500 steps), float32, ``DeepNeuralNetwork`` beside scikit-learn's ``MLPClassifier`` with the same
settings. Each runs in a fresh process: the table gives its fit time, the resident memory before the
fit (the libraries and the data) and the peak resident memory of the whole process (Linux). numba's
compiler, where the one-pass updates load it, takes about 100 MB of its own once per process.

``python benchmarks/sparse_memory.py [--rows N] [--features N] [--density D]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings


def resident_mb() -> float:
    """The process's resident memory now (Linux: /proc/self/statm), in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def one_fit(library: str, rows: int, features: int, density: float) -> dict:
    """Fit one epoch in this process; its time and memory."""
    import numpy as np
    from scipy import sparse
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from portable_dnn import DeepNeuralNetwork

    rng = np.random.default_rng(0)
    per_row = max(1, round(features * density))  # the same count in every row, at random columns
    X = sparse.csr_matrix((rng.random(rows * per_row, dtype=np.float32),
                           (np.repeat(np.arange(rows), per_row), rng.integers(0, features, rows * per_row))),
                          shape=(rows, features))
    y = rng.integers(0, 4, rows)
    if library == "portable_dnn":
        model = DeepNeuralNetwork(hidden_layers=(100,), num_iterations=1, seed=0, dtype="float32",
                                  early_stopping=False)
    else:
        model = MLPClassifier(hidden_layer_sizes=(100,), max_iter=1, random_state=0)
    before = resident_mb()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB on Linux
    return {"library": library, "seconds": seconds, "before_mb": before, "peak_mb": peak,
            "stored_values": X.nnz}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--density", type=float, default=1e-4)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_fit(args.one, args.rows, args.features, args.density)))
        return
    print(f"{args.rows:,} x {args.features:,} CSR at {args.density:.2%} density, one epoch of Adam, "
          "hidden (100,), batches of 200, float32; a fresh process each\n")
    print("| implementation | fit seconds | resident before fit (MB) | peak resident (MB) |")
    print("|---|---:|---:|---:|")
    rows = {"portable_dnn (numba's one-pass updates)": ("portable_dnn", "1"),
            "portable_dnn (no numba)": ("portable_dnn", "0"),
            "scikit-learn MLPClassifier": ("scikit-learn", "0")}
    for name, (library, numba) in rows.items():
        command = [sys.executable, __file__, "--one", library, "--rows", str(args.rows),
                   "--features", str(args.features), "--density", str(args.density)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True,
                                           env={**os.environ, "PORTABLE_DNN_NUMBA": numba}).stdout)
        print(f"| {name} | {result['seconds']:.2f} | {result['before_mb']:.0f} | {result['peak_mb']:.0f} |")
    print(f"\n{result['stored_values']:,} stored values (random columns, duplicates summed)")


if __name__ == "__main__":
    main()
