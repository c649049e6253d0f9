"""What scikit-learn's callbacks cost a fit: the median fit time without callbacks, with a callback
that does nothing (no ``fitted_estimator`` asked for), and with ``ScoringMonitor(scoring="accuracy")``
(a copy of the model and a prediction each epoch), on a small full-batch task (per-epoch overhead
shows most) and a digits-sized mini-batch task. ``--code DIR`` imports ``portable_dnn`` from another
checkout (without callbacks only: to compare a fit with the code before), for example one made by
``git worktree add DIR REV``. ``python benchmarks/callback_overhead.py [--code DIR]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

if "--code" in sys.argv:
    sys.path.insert(0, sys.argv[sys.argv.index("--code") + 1])

import portable_dnn
from portable_dnn import DeepNeuralNetwork

REPEATS = 15
TASKS = {
    "200 x 4, hidden (8,), full batches, 500 epochs": ((200, 4), {"hidden_layers": (8,), "batch_size": None,
                                                                 "num_iterations": 500}),
    "1797 x 64, hidden (100,), batches of 200, 50 epochs": ((1797, 64), {"hidden_layers": (100,),
                                                                        "num_iterations": 50}),
}


class DoNothing:
    """A callback that asks for nothing and does nothing."""

    def setup(self, estimator, context): ...
    def teardown(self, estimator, context): ...
    def on_fit_task_begin(self, estimator, context): ...
    def on_fit_task_end(self, estimator, context): ...


def median_fit_seconds(X, y, settings, callbacks):
    def fit():
        model = DeepNeuralNetwork(**settings, n_iter_no_change=None)
        if callbacks is not None:
            model.set_callbacks(*callbacks())
        model.fit(X, y)

    fit()  # warm-up: imports, compiled kernels
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fit()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def main() -> None:
    variants = {"no callbacks": None}
    if "--code" not in sys.argv:
        from sklearn.callback import ScoringMonitor

        variants["a callback doing nothing"] = lambda: [DoNothing()]
        variants["ScoringMonitor(accuracy)"] = lambda: [ScoringMonitor(scoring="accuracy")]
    print(f"portable_dnn from {portable_dnn.__file__}; median of {REPEATS} fits\n")
    print("| task | " + " | ".join(variants) + " |")
    print("|---|" + "---:|" * len(variants))
    rng = np.random.RandomState(0)
    for name, (shape, settings) in TASKS.items():
        X = rng.randn(*shape)
        y = (X[:, 0] > 0).astype(int)
        cells = []
        for callbacks in variants.values():
            seconds = median_fit_seconds(X, y, settings, callbacks)
            cells.append(f"{seconds * 1e3:.1f} ms ({seconds * 1e6 / settings['num_iterations']:.0f} µs/epoch)")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
