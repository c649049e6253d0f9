"""One epoch of mini-batch training, side by side in one process: portable_dnn (gd, momentum, Adam)
on NumPy (with numba's one-pass updates where installed, and without) and PyTorch, scikit-learn's
MLPClassifier, PyTorch eager (autograd + torch.optim.Adam, default and fused), a jitted JAX step, and
each library's GEMM floor; on a machine with a GPU, a third table (a larger network) with CuPy and
PyTorch CUDA.

The GEMM floor: one epoch of the steps' matrix products alone (forward ``W @ A``, backward ``dZ @ A.T``
and ``W.T @ dZ``, no gradient for X) on batches already laid out contiguously, into preallocated
outputs. Rounds are
interleaved (every implementation once per round, after a warm-up epoch); the table gives medians of
seconds per epoch and the ratio to the same library's floor in the same round.

Peak memory: in a fresh process per implementation (Linux), what building it and one epoch add to
the resident memory of the process holding the data, with every library loaded and started (the
peak, less the resident memory before).

Time to accuracy (``--time-to-accuracy``): on make_classification(60000, 50, n_informative=30,
n_classes=10) (75/25 split, standardised, float32), the training time each implementation takes,
epoch by epoch with Adam on batches of 200, to reach the test accuracy of ``MLPClassifier()`` fitted
with its defaults (evaluation not timed).

``python benchmarks/minibatch.py [--workloads mnist,synthetic] [--rounds 5] [--quick] [--json FILE]
[--time-to-accuracy]``; ``--workloads gpu`` for the GPU table alone. JAX's rows run on its CPU device
and PyTorch's CPU rows on the CPU, also where a GPU is present (see ``_devices``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

import _devices
import numpy as np

import portable_dnn as dnn
from portable_dnn._backend import resolve_device, resolve_namespace
from portable_dnn._engine.kernels import one_pass_enabled
from portable_dnn._engine.settings import Settings
from portable_dnn._engine.trainer import Trainer

Epoch = Callable[[], None]


@dataclass(frozen=True)
class Workload:
    name: str
    m: int
    layers: tuple[int, ...]
    batch: int
    learning_rate: float = 0.001


WORKLOADS = {
    "mnist": Workload("mnist: X (60000, 784), [784, 256, 128, 10], batches of 128, float32", 60000,
                      (784, 256, 128, 10), 128),
    "synthetic": Workload("synthetic: X (45000, 50), [50, 100, 10], batches of 200, float32", 45000,
                          (50, 100, 10), 200),
}


#: Joins the tables on a machine with a GPU (CuPy or PyTorch CUDA): a step large enough to occupy one.
GPU_WORKLOAD = Workload("gpu: X (60000, 784), [784, 2048, 2048, 10], batches of 1024, float32", 60000,
                        (784, 2048, 2048, 10), 1024)
if _devices.STANDIN:  # the GPU check's dry run: the same table on the CPU, at a smoke test's size
    GPU_WORKLOAD = Workload("gpu (CPU stand-ins): X (4096, 784), [784, 128, 128, 10], batches of 256, float32",
                            4096, (784, 128, 128, 10), 256)
WORKLOADS["gpu"] = GPU_WORKLOAD
WORKLOADS["gpu"] = GPU_WORKLOAD


def host_data(w: Workload) -> tuple[np.ndarray, np.ndarray]:
    """Features (m, n0) float32 row-major (samples in rows, as users hold them) and labels (m,)."""
    rng = np.random.RandomState(0)
    X = rng.randn(w.m, w.layers[0]).astype(np.float32)
    return X, rng.randint(0, w.layers[-1], size=w.m)


def gemm_floor(library_name: str, device: str | None = None) -> Callable[[Workload, np.ndarray, np.ndarray], Epoch]:
    """The epoch's matrix products alone on ``library_name`` (NumPy, PyTorch, CuPy), into buffers."""

    def build(w: Workload, X: np.ndarray, y: np.ndarray) -> Epoch:
        library = importlib.import_module(library_name)
        place = {} if device is None else {"device": device}

        def empty(shape: tuple[int, ...]) -> object:
            return library.empty(shape, dtype=library.float32, **place)

        batches = [library.asarray(np.ascontiguousarray(X[start:start + w.batch].T), **place)
                   for start in range(0, w.m - w.batch + 1, w.batch)]
        rng = np.random.RandomState(0)
        Ws = [library.asarray((rng.randn(w.layers[l], w.layers[l - 1]) * 0.01).astype(np.float32), **place)
              for l in range(1, len(w.layers))]
        L = len(Ws)
        A = [empty((n, w.batch)) for n in w.layers]
        dW = [empty(tuple(W.shape)) for W in Ws]

        def epoch() -> None:
            for batch in batches:
                A[0] = batch
                for l in range(L):
                    library.matmul(Ws[l], A[l], out=A[l + 1])
                dZ = A[L]
                for l in range(L - 1, -1, -1):
                    library.matmul(dZ, A[l].T, out=dW[l])
                    if l:
                        dZ = library.matmul(Ws[l].T, dZ, out=A[l])
        return epoch
    return build


def library(backend: str, optimizer: str, device: str | None = None, one_pass: bool = True,
            course_layout: bool = False) -> Callable[[Workload, np.ndarray, np.ndarray], Epoch]:
    """portable_dnn's training path on ``backend``: one epoch per call, state kept (no cost recorded);
    without ``one_pass``, NumPy's updates by its ``out=`` forms even where numba is installed; with
    ``course_layout``, X handed over as the course holds it, C-ordered (n0, m) columns, rather than
    as the transpose of row-major samples (what DeepNeuralNetwork passes)."""

    def build(w: Workload, X: np.ndarray, y: np.ndarray) -> Epoch:
        # The switch is read when the trainer chooses its kernels, at set-up.
        with patch.dict(os.environ, {} if one_pass else {"PORTABLE_DNN_NUMBA": "0"}):
            return build_trainer(w, X, y)

    def build_trainer(w: Workload, X: np.ndarray, y: np.ndarray) -> Epoch:
        xp = resolve_namespace(backend)
        place = {"device": resolve_device(xp, device)}
        columns = xp.asarray(np.ascontiguousarray(X.T) if course_layout else X, **place)
        columns = columns if course_layout else columns.T  # samples in rows, as DeepNeuralNetwork passes them
        targets = dnn.one_hot(xp.asarray(y, **place), w.layers[-1], dtype=xp.float32)
        parameters = dnn.initialize_parameters_deep(list(w.layers), init="he", backend=xp, dtype="float32", **place)
        rate = w.learning_rate if optimizer == "adam" else 0.05
        settings = Settings(learning_rate=rate, optimizer=optimizer, mini_batch_size=w.batch)
        trainer = Trainer(xp, columns, targets, parameters, len(w.layers) - 1, settings)
        return lambda: trainer.run_epoch(record=False)
    return build


def sklearn_mlp(w: Workload, X: np.ndarray, y: np.ndarray) -> Epoch:
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=w.layers[1:-1], solver="adam", batch_size=w.batch,
                          learning_rate_init=w.learning_rate, random_state=0)
    classes = np.arange(w.layers[-1])

    def epoch() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(X, y, classes=classes)  # one pass over the data in mini-batches
    return epoch


def torch_eager(fused: bool, device: str = "cpu") -> Callable[[Workload, np.ndarray, np.ndarray], Epoch]:
    def build(w: Workload, X: np.ndarray, y: np.ndarray) -> Epoch:
        import torch

        torch.manual_seed(0)
        layers: list[torch.nn.Module] = []
        for l in range(1, len(w.layers)):
            layers.append(torch.nn.Linear(w.layers[l - 1], w.layers[l]))
            if l < len(w.layers) - 1:
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=w.learning_rate, fused=fused)
        features, labels = torch.asarray(X, device=device), torch.asarray(y, device=device)
        loss = torch.nn.CrossEntropyLoss()

        def epoch() -> None:
            order = torch.randperm(w.m, device=device)
            for start in range(0, w.m, w.batch):
                index = order[start:start + w.batch]
                optimizer.zero_grad(set_to_none=True)
                loss(model(features[index]), labels[index]).backward()
                optimizer.step()
        return epoch
    return build


def jax_jit(w: Workload, X: np.ndarray, y: np.ndarray) -> Epoch:
    """A hand-written jitted step (ReLU, softmax cross-entropy, Adam), on JAX's CPU device."""
    import jax

    with jax.default_device(_devices.jax_cpu()):
        return _jax_jit_epoch(w, X, y)


def _jax_jit_epoch(w: Workload, X: np.ndarray, y: np.ndarray) -> Epoch:
    import jax
    import jax.numpy as jnp

    cpu = _devices.jax_cpu()
    keys = jax.random.split(jax.random.key(0), len(w.layers))
    params = [(jax.random.normal(keys[l], (w.layers[l - 1], w.layers[l])) * jnp.sqrt(2.0 / w.layers[l - 1]),
               jnp.zeros(w.layers[l])) for l in range(1, len(w.layers))]
    state = (params, jax.tree.map(jnp.zeros_like, params), jax.tree.map(jnp.zeros_like, params), 0)
    features, labels = jax.device_put(X, cpu), jax.device_put(y, cpu)

    def loss(params: list, Xb: jax.Array, yb: jax.Array) -> jax.Array:
        A = Xb
        for W, b in params[:-1]:
            A = jax.nn.relu(A @ W + b)
        logits = A @ params[-1][0] + params[-1][1]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], axis=1))

    @jax.jit
    def step(params: list, v: list, s: list, t: int, Xb: jax.Array, yb: jax.Array) -> tuple:
        grads = jax.grad(loss)(params, Xb, yb)
        t = t + 1
        v = jax.tree.map(lambda v, g: 0.9 * v + 0.1 * g, v, grads)
        s = jax.tree.map(lambda s, g: 0.999 * s + 0.001 * g * g, s, grads)
        size = w.learning_rate * jnp.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        params = jax.tree.map(lambda p, v, s: p - size * v / (jnp.sqrt(s) + 1e-8), params, v, s)
        return params, v, s, t

    rng = np.random.RandomState(1)

    def epoch() -> None:
        nonlocal state
        order = jax.device_put(rng.permutation(w.m), cpu)
        for start in range(0, w.m - w.batch + 1, w.batch):
            index = order[start:start + w.batch]
            state = step(*state, features[index], labels[index])
        jax.block_until_ready(state[0])
    return epoch


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def implementations() -> dict[str, tuple[str, Callable[[Workload, np.ndarray, np.ndarray], Epoch]]]:
    """Name -> (the floor it is compared with, builder)."""
    table: dict[str, tuple[str, Callable[[Workload, np.ndarray, np.ndarray], Epoch]]] = {
        "NumPy floor": ("NumPy floor", gemm_floor("numpy")),
        "portable_dnn gd (NumPy)": ("NumPy floor", library("numpy", "gd")),
        "portable_dnn momentum (NumPy)": ("NumPy floor", library("numpy", "momentum")),
        "portable_dnn adam (NumPy)": ("NumPy floor", library("numpy", "adam")),
        "portable_dnn adam (NumPy, course's (n, m) layout)": ("NumPy floor",
                                                              library("numpy", "adam", course_layout=True)),
    }
    if one_pass_enabled(np):  # numba installed: the rows above use its one-pass updates; these do not
        table["portable_dnn momentum (NumPy, no numba)"] = ("NumPy floor", library("numpy", "momentum", one_pass=False))
        table["portable_dnn adam (NumPy, no numba)"] = ("NumPy floor", library("numpy", "adam", one_pass=False))
    if has("sklearn"):
        table["sklearn MLPClassifier adam"] = ("NumPy floor", sklearn_mlp)
    if has("torch"):
        table.update({
            "PyTorch floor": ("PyTorch floor", gemm_floor("torch")),
            "portable_dnn adam (PyTorch)": ("PyTorch floor", library("torch", "adam")),
            "PyTorch eager Adam": ("PyTorch floor", torch_eager(False)),
            "PyTorch eager Adam fused": ("PyTorch floor", torch_eager(True)),
        })
    if has("jax"):
        table["JAX jit Adam"] = ("NumPy floor", jax_jit)
        table["portable_dnn adam (JAX, jitted step)"] = ("NumPy floor", library("jax", "adam", "cpu"))
    return table


def gpu_implementations() -> dict[str, tuple[str, Callable[[Workload, np.ndarray, np.ndarray], Epoch]]]:
    """The GPU rows (CuPy, PyTorch CUDA), each epoch ending in a device synchronisation; empty
    without a GPU (PyTorch's CPU rows with the stand-ins)."""

    def synchronised(build: Callable[[Workload, np.ndarray, np.ndarray], Epoch],
                     synchronise: Callable[[], object]) -> Callable[[Workload, np.ndarray, np.ndarray], Epoch]:
        def synchronised_build(w: Workload, X: np.ndarray, y: np.ndarray) -> Epoch:
            epoch = build(w, X, y)
            return lambda: (epoch(), synchronise())[0]
        return synchronised_build

    table: dict[str, tuple[str, Callable[[Workload, np.ndarray, np.ndarray], Epoch]]] = {}
    if _devices.cupy_gpu():
        import cupy

        if cupy.cuda.is_available():
            sync = cupy.cuda.Device().synchronize
            table["CuPy floor"] = ("CuPy floor", synchronised(gemm_floor("cupy"), sync))
            for optimizer in ("gd", "momentum", "adam"):
                table[f"portable_dnn {optimizer} (CuPy)"] = ("CuPy floor",
                                                             synchronised(library("cupy", optimizer), sync))
    device = _devices.torch_gpu()
    if device is not None:
        sync = _devices.synchronizer(device)
        table.update({
            "PyTorch CUDA floor": ("PyTorch CUDA floor", synchronised(gemm_floor("torch", device), sync)),
            "portable_dnn adam (PyTorch CUDA)": ("PyTorch CUDA floor",
                                                 synchronised(library("torch", "adam", device), sync)),
            "PyTorch CUDA eager Adam fused": ("PyTorch CUDA floor", synchronised(torch_eager(True, device), sync)),
        })
    return table


def run(w: Workload, rounds: int) -> list[dict[str, object]]:
    X, y = host_data(w)
    epochs: dict[str, Epoch] = {}
    floors = {}
    table = gpu_implementations() if w is GPU_WORKLOAD else implementations()
    for name, (floor, build) in table.items():
        epochs[name] = build(w, X, y)
        floors[name] = floor
        epochs[name]()  # warm-up: compilation, buffers, thread pools
    seconds: dict[str, list[float]] = {name: [] for name in epochs}
    for _ in range(rounds):
        for name, epoch in epochs.items():
            start = time.perf_counter()
            epoch()
            seconds[name].append(time.perf_counter() - start)
    rows = []
    for name in epochs:
        ratios = [s / f for s, f in zip(seconds[name], seconds[floors[name]], strict=True)]
        rows.append({"implementation": name, "seconds": statistics.median(seconds[name]),
                     "x_floor": statistics.median(ratios), "floor": floors[name]})
    return rows


def resident_mib(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def added_peak_mib(workload: str, name: str) -> float:
    """In this (fresh) process: the peak resident memory that building ``name`` and one epoch add."""
    w = WORKLOADS[workload]
    X, y = host_data(w)
    build = implementations()[name][1]
    for library in ("torch", "jax.numpy", "sklearn.neural_network"):  # loaded and started: not counted
        if has(library.split(".")[0]):
            module = importlib.import_module(library)
            if hasattr(module, "zeros"):
                module.zeros(1) + 1
    before = resident_mib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # restart the peak from the current resident size
    build(w, X, y)()
    return resident_mib("VmHWM") - before


def peak_memory(workload: str, name: str) -> float | None:
    """:func:`added_peak_mib` in a fresh interpreter (None where /proc cannot report it)."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    child = subprocess.run([sys.executable, __file__, "--peak-memory-of", name, "--workloads", workload],
                           capture_output=True, text=True, check=False)
    return float(child.stdout.split()[-1]) if child.returncode == 0 and child.stdout.strip() else None


def time_to_accuracy(max_epochs: int = 200) -> list[dict[str, object]]:
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(60000, 50, n_informative=30, n_classes=10, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = (scaler.transform(part).astype(np.float32) for part in (X_train, X_test))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        reference = MLPClassifier(random_state=0).fit(X_train, y_train)
        reference_seconds = time.perf_counter() - start
    target = reference.score(X_test, y_test)
    classes = np.arange(10)
    runners: dict[str, tuple[Callable[[], None], Callable[[], float]]] = {}
    mlp = MLPClassifier(random_state=0)
    runners["sklearn MLPClassifier (partial_fit)"] = (lambda: mlp.partial_fit(X_train, y_train, classes=classes),
                                                      lambda: mlp.score(X_test, y_test))
    ours = dnn.DeepNeuralNetwork(n_iter_no_change=None, early_stopping=False)
    runners["DeepNeuralNetwork() (partial_fit)"] = (lambda: ours.partial_fit(X_train, y_train, classes=classes),
                                                    lambda: ours.score(X_test, y_test))
    if has("torch"):
        import torch

        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(50, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)
        features, labels = torch.asarray(X_train), torch.asarray(y_train)
        test_features = torch.asarray(X_test)

        def torch_epoch() -> None:
            order = torch.randperm(len(labels))
            for begin in range(0, len(labels), 200):
                index = order[begin:begin + 200]
                optimizer.zero_grad(set_to_none=True)
                torch.nn.functional.cross_entropy(net(features[index]), labels[index]).backward()
                optimizer.step()

        def torch_score() -> float:
            with torch.no_grad():
                return float((net(test_features).argmax(dim=1).numpy() == y_test).mean())

        runners["PyTorch eager, fused Adam"] = (torch_epoch, torch_score)
    rows: list[dict[str, object]] = [{"implementation": "MLPClassifier() fit (the target)",
                                      "seconds": reference_seconds, "epochs": reference.n_iter_, "accuracy": target,
                                      "reached": True}]
    for name, (epoch, score) in runners.items():
        seconds, accuracy, epochs = 0.0, 0.0, 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            while epochs < max_epochs and accuracy < target:
                start = time.perf_counter()
                epoch()
                seconds += time.perf_counter() - start
                epochs += 1
                accuracy = score()
        rows.append({"implementation": name, "seconds": seconds, "epochs": epochs, "accuracy": accuracy,
                     "reached": accuracy >= target})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="mnist,synthetic", help="of " + ", ".join(WORKLOADS) +
                        " (gpu joins the default on a machine with a GPU)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 rounds and no peak memory: a smoke test")
    parser.add_argument("--json", type=Path, default=Path("benchmark-minibatch.json"))
    parser.add_argument("--time-to-accuracy", action="store_true", help="only the time-to-accuracy table")
    parser.add_argument("--peak-memory-of", metavar="IMPLEMENTATION", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_memory_of:
        print(f"{added_peak_mib(args.workloads, args.peak_memory_of):.1f}")
        return
    if args.quick:
        args.rounds = 2
    results: dict[str, object] = {}
    if args.time_to_accuracy:
        rows = time_to_accuracy()
        results["time_to_accuracy"] = rows
        print("| implementation | seconds to reach MLPClassifier's test accuracy | epochs | accuracy |")
        print("|---|---|---|---|")
        for row in rows:
            seconds = f"{row['seconds']:.1f}" + ("" if row["reached"] else " (not reached)")
            print(f"| {row['implementation']} | {seconds} | {row['epochs']} | {row['accuracy']:.4f} |", flush=True)
        args.json.write_text(json.dumps(results, indent=1))
        return
    keys = args.workloads.split(",")
    if args.workloads == parser.get_default("workloads"):
        if gpu_implementations():
            keys.append("gpu")
        else:
            print("No GPU (CuPy or PyTorch CUDA): the GPU table is left out.")
    for key in keys:
        w = GPU_WORKLOAD if key == "gpu" else WORKLOADS[key]
        if w is GPU_WORKLOAD and not gpu_implementations():
            print(f"\n{w.name}: left out (no GPU: CuPy or PyTorch CUDA)")
            continue
        rows = run(w, args.rounds)
        for row in rows:  # host memory only: not for the GPU rows
            row["peak_mib"] = None if w is GPU_WORKLOAD or args.quick else peak_memory(key, str(row["implementation"]))
        results[key] = rows
        print(f"\n{w.name}: seconds per epoch (median of {args.rounds}), x its library's floor, peak memory "
              "added (MiB)\n")
        print("| implementation | s / epoch | x floor | peak MiB |")
        print("|---|---|---|---|")
        for row in rows:
            peak = "n/a" if row["peak_mib"] is None else f"{row['peak_mib']:.0f}"
            print(f"| {row['implementation']} | {row['seconds']:.3f} | {row['x_floor']:.2f}x | {peak} |", flush=True)
    args.json.write_text(json.dumps(results, indent=1))
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
