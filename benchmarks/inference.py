"""Inference throughput: a model exported with ``to_onnx`` in ONNX Runtime (float32 and float64)
beside its own ``predict`` on NumPy and scikit-learn's ``MLPClassifier.predict``, for batches of 1
and 10,000 rows, in one process on the CPU.

Both classifiers: hidden layers (100, 100), 64 features, 10 classes, trained briefly on the same
data (the speed of a prediction does not depend on how well it was trained). Each entry is the
median over 7 rounds, the contenders interleaved round by round, of a round's mean time per call
(at least 20 calls and 0.2 s in each), after a warm-up call. ONNX
Runtime runs with its default threads (``intra_op_num_threads=0``: one per core).
``python benchmarks/inference.py [--json FILE]``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

import numpy as np
import onnxruntime as ort
from sklearn.neural_network import MLPClassifier

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetwork

HIDDEN, FEATURES, CLASSES, BATCHES = (100, 100), 64, 10, (1, 10_000)


def interleaved_seconds(calls, rounds=7, minimum_calls=20, minimum_seconds=0.2):
    """Each of ``calls``' median over ``rounds`` of its mean time per call, the calls interleaved."""
    for call in calls:
        call()  # warm-up
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(rounds):
        for call, times in zip(calls, samples, strict=True):
            count, started = 0, time.perf_counter()
            while count < minimum_calls or time.perf_counter() - started < minimum_seconds:
                call()
                count += 1
            times.append((time.perf_counter() - started) / count)
    return [float(np.median(times)) for times in samples]


def contenders(X, y):
    """``(name, predict(rows))`` for each way of predicting, and a check that they agree."""
    settings = {"hidden_layers": HIDDEN, "num_iterations": 5, "n_iter_no_change": None}
    ours = DeepNeuralNetwork(**settings).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged: not the point here
        theirs = MLPClassifier(hidden_layer_sizes=HIDDEN, max_iter=5, random_state=1).fit(X, y)
    sessions = {}
    for dtype in ("float32", "float64"):
        options = ort.SessionOptions()
        options.intra_op_num_threads = 0
        sessions[dtype] = ort.InferenceSession(dnn.to_onnx(ours, dtype=dtype).SerializeToString(), options,
                                               providers=["CPUExecutionProvider"])
    as32 = X.astype(np.float32)
    for dtype, rows in (("float32", as32), ("float64", X)):
        labels = sessions[dtype].run(["label"], {"X": rows})[0]
        agree = float(np.mean(labels == ours.predict(X)))
        assert agree > 0.999, f"ONNX Runtime {dtype} agrees with predict on {agree:.2%} of rows only"
    return [
        ("portable_dnn predict (NumPy, float64)", lambda rows: ours.predict(rows), X),
        ("ONNX Runtime, float32 export", lambda rows: sessions["float32"].run(["label"], {"X": rows}), as32),
        ("ONNX Runtime, float64 export", lambda rows: sessions["float64"].run(["label"], {"X": rows}), X),
        ("scikit-learn MLPClassifier.predict (float64)", lambda rows: theirs.predict(rows), X),
    ]


def main(argv: list[str]) -> None:
    rng = np.random.RandomState(0)
    X = rng.randn(10_000, FEATURES)
    y = rng.randint(0, CLASSES, size=10_000)
    results = []
    methods = contenders(X, y)
    for batch in BATCHES:
        times = interleaved_seconds([lambda predict=predict, part=rows[:batch]: predict(part)
                                     for _, predict, rows in methods])
        results += [{"method": name, "batch": batch, "seconds": seconds, "rows_per_second": batch / seconds}
                    for (name, _, _), seconds in zip(methods, times, strict=True)]
    results.sort(key=lambda r: ([name for name, _, _ in methods].index(r["method"]), r["batch"]))
    onnx32 = {r["batch"]: r["seconds"] for r in results if r["method"] == "ONNX Runtime, float32 export"}
    print(f"Inference, hidden layers {HIDDEN}, {FEATURES} features, {CLASSES} classes; {os.cpu_count()} CPU cores; "
          f"onnxruntime {ort.__version__}, portable_dnn {dnn.__version__}\n")
    print("| method | batch | time per call | rows per second | time / ONNX Runtime float32 |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['method']} | {r['batch']:,} | {r['seconds'] * 1e6:,.1f} µs | {r['rows_per_second']:,.0f} | "
              f"{r['seconds'] / onnx32[r['batch']]:.2f} |")
    if "--json" in argv:
        with open(argv[argv.index("--json") + 1], "w") as file:
            json.dump(results, file, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
