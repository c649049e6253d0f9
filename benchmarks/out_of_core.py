"""Data beyond memory with Dask: streaming fit against the same fit in memory, an on-disk dataset
larger than the training process holds, and prediction throughput on 1 and 2 workers.

    python benchmarks/out_of_core.py [--examples 2000000] [--disk-examples 20000000] [--epochs 2]
                                     [--quick] [--scheduler tcp://host:8786] [--json FILE]

1. Streaming: ``DeepNeuralNetwork(hidden_layers=(100,), batch_size=200)`` (Adam), ``--epochs`` epochs on
   examples x 50 float32 features and 10 classes (a fixed linear rule), fitted from NumPy arrays in
   memory and from the same data as a Dask array persisted on a 2-worker ``LocalCluster`` (chunks of
   100,000 examples, streamed block by block: each fetched while the one before it trains); seconds per
   epoch and the test accuracy of each.
2. Out of core: ``--disk-examples`` x 50 float32 in a memory-mapped ``.npy`` file (4 GB by default),
   read block by block by the workers while the model streams through it; the training process's peak
   resident memory (Linux ``VmHWM``) against the file's size.
3. Prediction: ``predict`` on the Dask array of part 1, computed on a cluster of 1 and of 2 workers:
   examples per second.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

import portable_dnn as dnn

N_FEATURES, N_CLASSES, CHUNK = 50, 10, 100_000
RULE = np.random.RandomState(0).randn(N_FEATURES, N_CLASSES).astype(np.float32)


def features(start: int, stop: int) -> np.ndarray:
    """Examples ``start`` to ``stop`` (rows, float32), the same wherever they are made."""
    return np.random.RandomState(start).randn(stop - start, N_FEATURES).astype(np.float32)


def labels_of(X: np.ndarray) -> np.ndarray:
    return np.argmax(X @ RULE, axis=1)


def _block(offset: int, m: int, which: str, block_id: tuple[int, ...] = (0,)) -> np.ndarray:
    start = offset + block_id[0] * CHUNK
    X = features(start, min(start + CHUNK, offset + m))
    return X if which == "X" else labels_of(X)


def dask_data(m: int, offset: int = 0) -> tuple[da.Array, da.Array]:
    """The examples as Dask arrays of rows, each chunk made by the worker that computes it."""
    chunks = tuple(min(CHUNK, m - start) for start in range(0, m, CHUNK))
    X = da.map_blocks(_block, offset, m, "X", chunks=(chunks, (N_FEATURES,)), dtype=np.float32)
    y = da.map_blocks(_block, offset, m, "y", chunks=(chunks,), dtype=np.int64)
    return X, y


def host_data(m: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X = np.concatenate([features(start, min(start + CHUNK, offset + m)) for start in range(offset, offset + m, CHUNK)])
    return X, labels_of(X)


def model(epochs: int) -> dnn.DeepNeuralNetwork:
    return dnn.DeepNeuralNetwork(hidden_layers=(100,), batch_size=200, num_iterations=epochs, early_stopping=False,
                                 n_iter_no_change=None)


def peak_resident_mib() -> float | None:
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    line = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def reset_peak() -> None:
    clear = Path("/proc/self/clear_refs")
    if clear.exists():
        clear.write_text("5")


def streaming_against_memory(client: Client, m: int, epochs: int) -> dict[str, float]:
    test_X, test_y = host_data(200_000, offset=10**9)
    X, y = host_data(m)
    start = time.perf_counter()
    in_memory = model(epochs).fit(X, y)
    memory_s = (time.perf_counter() - start) / epochs
    del X, y
    lazy_X, lazy_y = dask_data(m)
    lazy_X, lazy_y = client.persist([lazy_X, lazy_y])  # made once on the workers, as the data in memory
    dask.distributed.wait([lazy_X, lazy_y])
    start = time.perf_counter()
    streamed = model(epochs).fit(lazy_X, lazy_y)
    streaming_s = (time.perf_counter() - start) / epochs
    return {"examples": m, "epochs": epochs, "memory_s_per_epoch": memory_s, "streaming_s_per_epoch": streaming_s,
            "ratio": streaming_s / memory_s, "memory_accuracy": in_memory.score(test_X, test_y),
            "streaming_accuracy": streamed.score(test_X, test_y), "blocks": len(lazy_X.chunks[0])}


def _read_rows(path: str, m: int, block_id: tuple[int, ...] = (0,)) -> np.ndarray:
    start = block_id[0] * CHUNK
    return np.array(np.load(path, mmap_mode="r")[start:min(start + CHUNK, m)])


def _read_labels(path: str, m: int, block_id: tuple[int, ...] = (0,)) -> np.ndarray:
    return labels_of(_read_rows(path, m, block_id))


def out_of_core(client: Client, m: int, folder: Path) -> dict[str, float]:
    path = folder / "X.npy"
    start = time.perf_counter()
    rows = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(m, N_FEATURES))
    for begin in range(0, m, CHUNK):
        rows[begin:begin + CHUNK] = features(begin, min(begin + CHUNK, m))
    rows.flush()
    del rows
    written_s = time.perf_counter() - start
    chunks = tuple(min(CHUNK, m - begin) for begin in range(0, m, CHUNK))
    X = da.map_blocks(_read_rows, str(path), m, chunks=(chunks, (N_FEATURES,)), dtype=np.float32)
    y = da.map_blocks(_read_labels, str(path), m, chunks=(chunks,), dtype=np.int64)
    test_X, test_y = host_data(200_000, offset=10**9)
    reset_peak()
    before = peak_resident_mib()
    start = time.perf_counter()
    fitted = model(1).fit(X, y)
    epoch_s = time.perf_counter() - start
    peak = peak_resident_mib()
    return {"examples": m, "file_gb": path.stat().st_size / 1e9, "write_s": written_s, "epoch_s": epoch_s,
            "peak_mib": peak, "resident_before_mib": before, "accuracy": fitted.score(test_X, test_y)}


def prediction_throughput(m: int, workers: int, fitted: dnn.DeepNeuralNetwork) -> float:
    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0", silence_logs=40) as cluster, \
            Client(cluster):
        X, _ = dask_data(m)
        X = X.persist()
        dask.distributed.wait(X)
        fitted.predict(X[:CHUNK]).compute()  # warm: the model reaches the workers
        start = time.perf_counter()
        fitted.predict(X).compute()
        return m / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2_000_000)
    parser.add_argument("--disk-examples", type=int, default=20_000_000, help="4 GB of float32 by default")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="200,000 examples and 1,000,000 on disk")
    parser.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler (part 1)")
    parser.add_argument("--json", type=Path, default=Path("benchmark-out-of-core.json"))
    args = parser.parse_args()
    if args.quick:
        args.examples, args.disk_examples, args.epochs = 200_000, 1_000_000, 1
    results: dict[str, object] = {}
    cluster = None if args.scheduler else LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                                                       silence_logs=40)
    with Client(args.scheduler or cluster) as client:
        row = streaming_against_memory(client, args.examples, args.epochs)
        results["streaming"] = row
        print(f"| {row['examples']:,} x {N_FEATURES} float32, {row['blocks']} blocks | in memory "
              f"{row['memory_s_per_epoch']:.2f} s/epoch (accuracy {row['memory_accuracy']:.4f}) | streamed from "
              f"2 workers {row['streaming_s_per_epoch']:.2f} s/epoch (accuracy {row['streaming_accuracy']:.4f}) | "
              f"{row['ratio']:.2f}x |", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            row = out_of_core(client, args.disk_examples, Path(folder))
        results["out_of_core"] = row
        print(f"| {row['examples']:,} x {N_FEATURES} float32 on disk ({row['file_gb']:.1f} GB) | one epoch "
              f"{row['epoch_s']:.1f} s | training process's peak resident memory {row['peak_mib']:.0f} MiB | "
              f"accuracy {row['accuracy']:.4f} |", flush=True)
    if cluster is not None:
        cluster.close()
    fitted = model(1).fit(*host_data(100_000))
    results["prediction"] = {workers: prediction_throughput(args.examples, workers, fitted) for workers in (1, 2)}
    for workers, rate in results["prediction"].items():  # type: ignore[union-attr]
        print(f"| predict, {workers} worker(s) | {rate:,.0f} examples/s |", flush=True)
    args.json.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
