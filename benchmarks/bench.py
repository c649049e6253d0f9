"""Benchmark: one full-batch training iteration (forward, cost, backward, update), side by side.

    python benchmarks/bench.py [--quick] [--json FILE] [--workloads cat-f64,wide-f32,...]

Every implementation runs the same network from the same initial parameters, in one process,
interleaved round by round after a warm-up (each sample: at least 10 iterations, at least
--budget seconds). The table gives the median ms per iteration and the median over rounds of
its ratio to the GEMM floor of the same backend measured in the same round (the floor: the
iteration's matrix products alone, into preallocated outputs). Peak memory is measured per
implementation in a fresh subprocess.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import array_api_compat
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _devices
import textbook

import portable_dnn as dnn


@dataclass(frozen=True)
class Workload:
    name: str
    layers: tuple[int, ...]
    m: int
    dtype: str
    gpu: bool = False

    @property
    def flops(self) -> float:
        """Multiply-adds x 2 of the iteration's matrix products (no gradient for X)."""
        pairs = list(zip(self.layers[1:], self.layers[:-1], strict=False))
        forward = sum(n * p for n, p in pairs)
        backward = forward + sum(n * p for n, p in pairs[1:])
        return 2.0 * self.m * (forward + backward)


WORKLOADS = {
    w.name: w
    for w in [
        Workload("cat-f64", (12288, 20, 7, 5, 1), 209, "float64"),
        Workload("cat-f32", (12288, 20, 7, 5, 1), 209, "float32"),
        Workload("wide-f32", (784, 1024, 1024, 1), 8192, "float32"),
        Workload("wide-f64", (784, 1024, 1024, 1), 8192, "float64"),
        # The GPU check's dry run (PyTorch's CPU device standing in): the same rows, at a smoke test's size.
        Workload("gpu-f32", (512, 512, 512, 1), 2048, "float32", gpu=True) if _devices.STANDIN
        else Workload("gpu-f32", (4096, 4096, 4096, 1), 16384, "float32", gpu=True),
    ]
}
LEARNING_RATE = 0.0075
Runner = Callable[[int], None]


def host_data(w: Workload) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Inputs in [0, 1), random 0/1 labels, and the course's L-layer initial parameters."""
    rng = np.random.RandomState(0)
    X = rng.rand(w.layers[0], w.m).astype(w.dtype)
    Y = (rng.rand(1, w.m) > 0.5).astype(w.dtype)
    parameters = dnn.initialize_parameters_deep(list(w.layers), seed=1, init="lecun", dtype=w.dtype)
    return X, Y, parameters


# -- implementations: each returns run(k), which performs k iterations ------------------------


def gemm_floor(xp: Any, w: Workload, X: Any, Y: Any, P: dict[str, Any]) -> Runner:
    """Only the iteration's matrix products, into preallocated outputs."""
    L = len(w.layers) - 1
    matmul = sys.modules[xp.__name__.rsplit(".", 1)[-1]].matmul  # the library's own, with out=
    place = {"dtype": X.dtype, "device": array_api_compat.device(X)}
    A = [X] + [xp.full((n, w.m), 0.5, **place) for n in w.layers[1:]]
    dZ = [None] + [xp.full((n, w.m), 0.1, **place) for n in w.layers[1:]]
    dW = {l: xp.full(P[f"W{l}"].shape, 0.0, **place) for l in range(1, L + 1)}
    dA = {l: xp.full((w.layers[l], w.m), 0.0, **place) for l in range(1, L)}

    def run(k: int) -> None:
        for _ in range(k):
            for l in range(1, L + 1):
                matmul(P[f"W{l}"], A[l - 1], out=A[l])
            for l in range(L, 0, -1):
                matmul(dZ[l], A[l - 1].T, out=dW[l])
                if l > 1:
                    matmul(P[f"W{l}"].T, dZ[l], out=dA[l - 1])
        synchronize(xp)

    return run


def torch_floor(xp: Any, w: Workload, X: Any, Y: Any, P: dict[str, Any], device: str = "cpu") -> Runner:
    tX, tY, tP = _torch_tensors(w, X, Y, P, device)
    return gemm_floor(array_api_compat.array_namespace(tX), w, tX, tY, tP)


def library(xp: Any, w: Workload, X: Any, Y: Any, P: dict[str, Any]) -> Runner:
    state = {"parameters": dict(P)}

    def run(k: int) -> None:
        state["parameters"], _ = dnn.train(X, Y, state["parameters"], learning_rate=LEARNING_RATE,
                                           num_iterations=k, record_every=10**9)
        synchronize(xp)

    return run


def notebook_textbook(xp: Any, w: Workload, X: Any, Y: Any, P: dict[str, Any]) -> Runner:
    state = {"parameters": dict(P)}

    def run(k: int) -> None:
        state["parameters"], _ = textbook.train(X, Y, state["parameters"], LEARNING_RATE, k)

    return run


def sklearn_mlp(xp: Any, w: Workload, X: Any, Y: Any, P: dict[str, Any]) -> Runner:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    rows, labels = np.ascontiguousarray(X.T), Y[0].astype(np.int64)
    model = MLPClassifier(
        hidden_layer_sizes=w.layers[1:-1], activation="relu", solver="sgd", alpha=0.0,
        batch_size=w.m, learning_rate_init=LEARNING_RATE, momentum=0.0, nesterovs_momentum=False,
        shuffle=False, early_stopping=False, tol=0.0, n_iter_no_change=10**9,
        warm_start=True, max_iter=1, random_state=0,
    )

    def run(k: int) -> None:
        model.set_params(max_iter=k)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(rows, labels)

    return run


def _torch_tensors(
    w: Workload, X: Any, Y: Any, P: dict[str, Any], device: str
) -> tuple[Any, Any, dict[str, Any]]:
    import torch

    def move(a: Any) -> Any:
        return torch.as_tensor(np.asarray(dnn.to_numpy(a)), device=device).clone()

    return move(X), move(Y), {key: move(value) for key, value in P.items()}


def torch_manual(xp: Any, w: Workload, X: Any, Y: Any, P: dict[str, Any], device: str = "cpu") -> Runner:
    import torch

    tX, tY, tP = _torch_tensors(w, X, Y, P, device)
    L = len(w.layers) - 1

    @torch.no_grad()
    def run(k: int) -> None:
        for _ in range(k):
            A = [tX]
            for l in range(1, L + 1):
                Z = torch.addmm(tP[f"b{l}"], tP[f"W{l}"], A[-1])
                A.append(torch.relu_(Z) if l < L else torch.sigmoid_(Z))
            dZ = A[L] - tY
            for l in range(L, 0, -1):
                W = tP[f"W{l}"]
                dW = dZ @ A[l - 1].T / w.m
                db = dZ.sum(dim=1, keepdim=True) / w.m
                if l > 1:
                    dZ = (W.T @ dZ).mul_(A[l - 1] > 0)
                W.sub_(dW, alpha=LEARNING_RATE)
                tP[f"b{l}"].sub_(db, alpha=LEARNING_RATE)
        if device != "cpu":
            torch.cuda.synchronize()

    return run


def torch_autograd(xp: Any, w: Workload, X: Any, Y: Any, P: dict[str, Any], device: str = "cpu") -> Runner:
    import torch

    tX, tY, tP = _torch_tensors(w, X, Y, P, device)
    for value in tP.values():
        value.requires_grad_(True)
    L = len(w.layers) - 1

    def run(k: int) -> None:
        for _ in range(k):
            A = tX
            for l in range(1, L + 1):
                Z = torch.addmm(tP[f"b{l}"], tP[f"W{l}"], A)
                A = torch.relu(Z) if l < L else Z
            loss = torch.nn.functional.binary_cross_entropy_with_logits(A, tY)
            loss.backward()
            with torch.no_grad():
                for value in tP.values():
                    value.sub_(value.grad, alpha=LEARNING_RATE)
                    value.grad = None
        if device != "cpu":
            torch.cuda.synchronize()

    return run


def synchronize(xp: Any) -> None:
    if "cupy" in xp.__name__:
        import cupy

        cupy.cuda.Device().synchronize()
    elif "torch" in xp.__name__:
        import torch

        if torch.cuda.is_initialized():
            torch.cuda.synchronize()


IMPLEMENTATIONS: dict[str, tuple[str, Callable[..., Runner]]] = {
    # name: (backend, factory)
    # the GEMM floor of each backend comes first among that backend's implementations
    "GEMM floor (NumPy)": ("numpy", gemm_floor),
    "portable_dnn (NumPy)": ("numpy", library),
    "textbook NumPy": ("numpy", notebook_textbook),
    "sklearn MLP": ("numpy", sklearn_mlp),
    "GEMM floor (PyTorch CPU)": ("torch", torch_floor),
    "portable_dnn (PyTorch CPU)": ("torch", library),
    "PyTorch CPU manual": ("torch", torch_manual),
    "PyTorch CPU autograd": ("torch", torch_autograd),
}
GPU_IMPLEMENTATIONS: dict[str, tuple[str, Callable[..., Runner]]] = {
    "GEMM floor (CuPy)": ("cupy", gemm_floor),
    "portable_dnn (CuPy)": ("cupy", library),
    "GEMM floor (PyTorch CUDA)": ("torch-cuda", lambda *a: torch_floor(*a, device=_devices.torch_gpu())),
    "portable_dnn (PyTorch CUDA)": ("torch-cuda", library),
    "PyTorch CUDA manual": ("torch-cuda", lambda *a: torch_manual(*a, device=_devices.torch_gpu())),
    "PyTorch CUDA autograd": ("torch-cuda", lambda *a: torch_autograd(*a, device=_devices.torch_gpu())),
}

ALL_IMPLEMENTATIONS = {**IMPLEMENTATIONS, **GPU_IMPLEMENTATIONS}


def backend_of(name: str) -> str:
    return ALL_IMPLEMENTATIONS[name][0]


def available(backend: str) -> bool:
    try:
        if backend == "torch-cuda":
            return _devices.torch_gpu() is not None
        if backend == "torch":
            import torch  # noqa: F401
        if backend == "sklearn":
            import sklearn  # noqa: F401
        if backend == "cupy":
            return _devices.cupy_gpu()
        return True
    except Exception:
        return False


def build(name: str, w: Workload) -> Runner:
    backend, factory = ALL_IMPLEMENTATIONS[name]
    X, Y, P = host_data(w)
    if backend in ("cupy", "torch", "torch-cuda"):
        xp = dnn.resolve_namespace(backend.removesuffix("-cuda"))
        device = dnn.resolve_device(xp, _devices.torch_gpu() if backend == "torch-cuda" else None)
        # the library's own allocation, as the peers'
        X, Y = xp.asarray(X, copy=True, device=device), xp.asarray(Y, copy=True, device=device)
        P = {key: xp.asarray(value, copy=True, device=device) for key, value in P.items()}
    else:
        xp = dnn.resolve_namespace("numpy")
    return factory(xp, w, X, Y, P)


def implementations_for(w: Workload) -> list[str]:
    table = GPU_IMPLEMENTATIONS if w.gpu else IMPLEMENTATIONS
    names = []
    for name, (backend, _) in table.items():
        needs = "sklearn" if name.startswith("sklearn") else backend
        if available(needs):
            names.append(name)
    return names


def time_workload(w: Workload, rounds: int | None, budget_s: float) -> dict[str, list[float]]:
    """Median-ready samples (seconds per iteration) for every implementation, interleaved.

    ``rounds=None``: 15 rounds where an iteration takes under 50 ms (cheap, and the medians
    of short samples need more of them on a shared machine), else 5.
    """
    runners = {name: build(name, w) for name in implementations_for(w)}
    iterations, first = {}, {}
    for name, run in runners.items():  # warm-up, and size k so one sample takes ~budget_s
        run(1)
        start = time.perf_counter()
        run(1)
        first[name] = time.perf_counter() - start
        # at least 10 iterations per sample: a training run amortises its set-up over many
        iterations[name] = max(10, min(200, int(budget_s / max(first[name], 1e-6))))
    if rounds is None:
        rounds = 15 if min(first.values()) < 0.05 else 5
    samples: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            gc.collect()
            start = time.perf_counter()
            run(iterations[name])
            samples[name].append((time.perf_counter() - start) / iterations[name])
    return samples


# -- memory: one fresh process per implementation ----------------------------------------------


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_probe(name: str, w: Workload) -> dict[str, float]:
    """Peak extra memory (MiB) of 3 iterations beyond the data and parameters: host RSS, and on
    a GPU workload device memory (which is then the ``peak_extra_mib`` compared with the need).

    A first iteration runs before: it loads the code pages, thread pools and BLAS workspaces
    that any use of the library would, and which are not what the method holds.
    """
    run = build(name, w)
    run(1)
    gc.collect()
    device_before = _device_memory(name, w, reset=True)
    before = _rss_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    run(3)
    host = (_rss_kib("VmHWM") - before) / 1024
    if not w.gpu:
        return {"peak_extra_mib": host}
    return {"peak_extra_mib": (_device_memory(name, w) - device_before) / 2**20, "host_peak_extra_mib": host}


class _CupyPeak:
    """CuPy's peak *used* bytes (live arrays, not the pool's cache), like PyTorch's
    ``max_memory_allocated``: an allocator that reads the pool's used bytes after each
    allocation (the only moments a peak can be reached)."""

    def __init__(self) -> None:
        import cupy

        self.pool = cupy.get_default_memory_pool()
        self.peak = int(self.pool.used_bytes())
        cupy.cuda.set_allocator(self.malloc)

    def malloc(self, size: int) -> Any:
        pointer = self.pool.malloc(size)
        self.peak = max(self.peak, int(self.pool.used_bytes()))
        return pointer


_cupy_peak: list[_CupyPeak] = []


def _device_memory(name: str, w: Workload, reset: bool = False) -> int:
    """Peak bytes in use on the GPU since the reset (at the reset: in use now): CuPy's through
    :class:`_CupyPeak`, PyTorch's peak allocation."""
    if not w.gpu:
        return 0
    if backend_of(name) == "cupy":
        if reset:
            _cupy_peak[:] = [_CupyPeak()]
        return _cupy_peak[0].peak
    import torch

    if reset:
        torch.cuda.reset_peak_memory_stats()
        return int(torch.cuda.memory_allocated())
    return int(torch.cuda.max_memory_allocated())


def minimum_memory_mib(w: Workload) -> float:
    """New parameters, gradients and one set of cached activations: what any implementation
    must hold beyond its inputs (the caller's parameters are not overwritten)."""
    itemsize = np.dtype(w.dtype).itemsize
    parameters = sum(n * (p + 1) for n, p in zip(w.layers[1:], w.layers[:-1], strict=False))
    activations = sum(w.layers[1:]) * w.m
    return (2 * parameters + activations) * itemsize / 2**20


def measure_memory(name: str, w: Workload) -> dict[str, float] | None:
    command = [sys.executable, __file__, "--memory-probe", name, "--workloads", w.name]
    # A fixed mmap threshold makes glibc return every freed block of 128 KiB or more to the
    # system at once, so RSS follows live allocations instead of the allocator's caching.
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        print(f"  (memory probe of {name} failed: {result.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- per-call overhead of the public functions -------------------------------------------------


def call_overhead() -> dict[str, float]:
    """Microseconds per call on tiny arrays, and the bare NumPy expression for comparison."""
    rng = np.random.RandomState(0)
    A, W, b = rng.randn(3, 2), rng.randn(4, 3), rng.randn(4, 1)
    X, parameters = rng.randn(3, 2), dnn.initialize_parameters_deep([3, 4, 1])
    AL, Y = np.array([[0.2, 0.7]]), np.array([[0, 1]])
    cases: dict[str, Callable[[], object]] = {
        "bare NumPy W @ A + b": lambda: W @ A + b,
        "linear_forward": lambda: dnn.linear_forward(A, W, b),
        "linear_activation_forward": lambda: dnn.linear_activation_forward(A, W, b, "relu"),
        "L_model_forward (2 layers)": lambda: dnn.L_model_forward(X, parameters),
        "compute_cost": lambda: dnn.compute_cost(AL, Y),
    }
    result = {}
    for label, call in cases.items():
        n = 2000
        best = min(_time_calls(call, n) for _ in range(5))
        result[label] = best / n * 1e6
    return result


def _time_calls(call: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return time.perf_counter() - start


# -- report -----------------------------------------------------------------------------------


def report(w: Workload, samples: dict[str, list[float]], memory: dict[str, Any]) -> list[dict[str, Any]]:
    """Print the workload's table; each implementation against the GEMM floor of its backend."""
    floors = {backend_of(name): name for name in samples if name.startswith("GEMM floor")}
    headline_floor = statistics.median(samples[next(iter(floors.values()))])  # the first backend's
    minimum = minimum_memory_mib(w)
    rows = []
    print(f"\n{w.name}: layers {list(w.layers)}, m={w.m}, {w.dtype} "
          f"({w.flops / 1e9:.2f} GFLOP per iteration; floor {w.flops / headline_floor / 1e9:.1f} GFLOP/s)")
    print(f"  {'implementation':<27} {'ms/iter':>9} {'min':>9} {'x floor':>8} {'peak MiB':>9} {'x need':>7}")
    for name, values in samples.items():
        floor = floors[backend_of(name)]
        # Each round's sample against its floor's sample of the same round: robust to drift.
        ratio = statistics.median(v / f for v, f in zip(values, samples[floor], strict=True))
        median = statistics.median(values)
        mem = memory.get(name) or {}
        peak, floor_peak = mem.get("peak_extra_mib"), (memory.get(floor) or {}).get("peak_extra_mib")
        # Memory beyond what the backend's own matrix products take (BLAS workspace, threads).
        need = None if peak is None or floor_peak is None or name == floor else (peak - floor_peak) / minimum
        row = {"workload": w.name, "implementation": name, "backend": backend_of(name), "floor": floor,
               "ms_median": median * 1e3, "ms_min": min(values) * 1e3, "ratio_to_floor": ratio,
               "samples": len(values), "memory": mem, "minimum_memory_mib": minimum, "ratio_to_need": need}
        rows.append(row)
        peak_text = f"{peak:9.1f}" if peak is not None else f"{'-':>9}"
        need_text = f"{need:7.2f}" if need is not None else f"{'-':>7}"
        extra = "".join(f"  {k}={v:.0f}" for k, v in mem.items() if k.startswith("host"))
        print(f"  {name:<27} {median * 1e3:9.2f} {min(values) * 1e3:9.2f} {ratio:8.3f} "
              f"{peak_text} {need_text}{extra}")
    print(f"  (x floor: against the GEMM floor of the same backend; x need: peak extra memory beyond "
          f"that floor's, / {minimum:.1f} MiB of new parameters, gradients and cached activations)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=None, help="comma-separated, default: all that can run here")
    parser.add_argument("--rounds", type=int, default=None, help="default: 15 for small workloads, 5 for large")
    parser.add_argument("--budget", type=float, default=0.5, help="seconds per timed sample")
    parser.add_argument("--quick", action="store_true", help="2 rounds of ~0.2 s: a smoke test")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--json", type=Path, default=Path("benchmark-results.json"))
    parser.add_argument("--memory-probe", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    names = args.workloads.split(",") if args.workloads else list(WORKLOADS)
    workloads = [WORKLOADS[name] for name in names]
    if args.memory_probe:
        print(json.dumps(memory_probe(args.memory_probe, workloads[0])))
        return
    if args.quick:
        args.rounds, args.budget = 2, 0.2
    gpu = available("cupy") or available("torch-cuda")
    print(f"portable_dnn {dnn.__version__}; NumPy {np.__version__}; Python {platform.python_version()}; "
          f"{os.cpu_count()} CPUs; GPU: {'yes' if gpu else 'no'}")
    results: dict[str, Any] = {"rows": [], "overhead_us": {}}
    for w in workloads:
        if w.gpu and not gpu:
            print(f"\n{w.name}: skipped (no GPU backend available)")
            continue
        samples = time_workload(w, args.rounds, args.budget)
        memory = {} if args.no_memory else {name: measure_memory(name, w) for name in samples}
        results["rows"] += report(w, samples, memory)
    print("\nper-call overhead on tiny arrays (µs):")
    results["overhead_us"] = call_overhead()
    for label, micros in results["overhead_us"].items():
        print(f"  {label:<28} {micros:8.1f}")
    args.json.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
