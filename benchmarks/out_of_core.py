"""Out-of-core training with Dask: a dataset larger than each worker's memory limit, streamed from disk.

    python benchmarks/out_of_core.py [--examples 400000] [--memory-limit 1GB] [--iterations 3]
                                     [--scheduler tcp://host:8786]

Writes X (784, m) float32 and labels to .npy files (1.25 GB for the default m), then trains
[784, 64, 1] on a LocalCluster of 2 workers (or the given scheduler). X is read chunk by chunk
(memory-mapped, 10,000 examples a chunk) inside the workers; only the small parameters are
kept whole and persisted after each iteration.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

import portable_dnn as dnn

N_FEATURES = 784


def write_dataset(folder: Path, m: int, chunk: int) -> tuple[Path, Path]:
    """Random features and labels from a fixed linear rule, written chunk by chunk (never whole in memory)."""
    x_path, y_path = folder / "X.npy", folder / "Y.npy"
    X = np.lib.format.open_memmap(x_path, mode="w+", dtype=np.float32, shape=(N_FEATURES, m))
    Y = np.lib.format.open_memmap(y_path, mode="w+", dtype=np.float32, shape=(1, m))
    rule = np.random.RandomState(0).randn(N_FEATURES).astype(np.float32)
    for start in range(0, m, chunk):
        stop = min(start + chunk, m)
        block = np.random.RandomState(start).rand(N_FEATURES, stop - start).astype(np.float32)
        X[:, start:stop] = block
        Y[0, start:stop] = (rule @ (block - 0.5) > 0).astype(np.float32)
    X.flush()
    Y.flush()
    del X, Y
    return x_path, y_path


def _load_columns(path: str, chunk: int, block_id: tuple[int, int] | None = None) -> np.ndarray:
    start = block_id[1] * chunk
    data = np.load(path, mmap_mode="r")
    return np.array(data[:, start:start + chunk])


def from_npy(path: Path, chunk: int) -> da.Array:
    """A Dask array over an .npy file, each chunk of columns read from disk by the worker that needs it."""
    rows, m = np.load(path, mmap_mode="r").shape
    chunks = ((rows,), tuple(min(chunk, m - start) for start in range(0, m, chunk)))
    return da.map_blocks(_load_columns, str(path), chunk, chunks=chunks, dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=400_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        x_path, y_path = write_dataset(Path(folder), args.examples, args.chunk)
        size_gb = (x_path.stat().st_size + y_path.stat().st_size) / 1e9
        cluster = None if args.scheduler else LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit=args.memory_limit, dashboard_address=":0")
        with Client(args.scheduler or cluster) as client:
            X, Y = from_npy(x_path, args.chunk), from_npy(y_path, args.chunk)
            parameters = dnn.initialize_parameters_deep([N_FEATURES, 64, 1], seed=1, init="he", backend="dask",
                                                        dtype="float32")
            start = time.perf_counter()
            _, costs = dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=args.iterations)
            elapsed = time.perf_counter() - start
            print(f"data {size_gb:.2f} GB on disk, {len(X.chunks[1])} chunks; workers: "
                  f"{len(client.scheduler_info()['workers'])} x memory limit {args.memory_limit}")
            print(f"{args.iterations} iterations in {elapsed:.1f} s ({elapsed / args.iterations:.1f} s each, "
                  f"including the input checks); first cost {costs[0]:.4f}")
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
