"""Mini-batch training streamed from Dask arrays: blocks of examples fetched to the training device,
the next one while the current one trains, each trained by the in-memory fast step.

``X`` (n0, m) is chunked along the examples only (``Y`` likewise, its example chunks lined up with
``X``'s). Each epoch visits the blocks in a seeded random order (``RandomState(seed + epoch +
1).permutation(blocks)``) and shuffles the examples within each block into the course's mini-batches
(the block in position p of the epoch with seed ``seed + epoch + 1 + p * BLOCK_SEED_STRIDE``): with
one block this is the course's shuffling exactly; with several, a batch never mixes examples of two
blocks. The client holds the current block, the one being fetched and the model; the data is never
gathered whole.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import math
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

import array_api_compat
from array_api_compat import is_dask_array

from .._backend import Array, resolve_device
from .._backend.transfers import move_to
from .._outputs import targets
from .._random import permutation
from .._validation import positive_total
from ..optimizers import OptimizerState
from .inputs import check_finite, check_targets, weighted
from .trainer import Trainer

#: Seeds of the blocks' shuffles within an epoch are this far apart (a prime).
BLOCK_SEED_STRIDE = 7919


def check_stream(X: Any, Y: Any, weights: Any = None) -> None:
    """``ValueError`` unless ``X`` (n0, m) is chunked along the examples only, with known chunk
    sizes, and ``Y`` ((m,), (1, m) or (C, m)) and the sample ``weights`` (m,) (where given) have
    the same chunks along the examples and one along Y's other axis."""
    arrays = {"X": X, "Y": Y} if weights is None else {"X": X, "Y": Y, "sample_weight": weights}
    for name, array in arrays.items():
        if not is_dask_array(array):
            raise TypeError(f"{name}: expected a Dask array like X, got {type(array).__name__}")
    for name, array in arrays.items():
        if any(math.isnan(size) for sizes in array.chunks for size in sizes):
            raise ValueError(f"{name}: a Dask array with unknown chunk sizes; call {name}.compute_chunk_sizes() first")
    if len(X.chunks[0]) != 1:
        raise ValueError(f"X: expected a Dask array chunked along the examples only (axis 1 of (n0, m)), got "
                         f"{len(X.chunks[0])} chunks along the features {X.chunks[0]}; rechunk with "
                         "X.rechunk({0: -1})")
    if tuple(Y.chunks[-1]) != tuple(X.chunks[1]) or (Y.ndim == 2 and len(Y.chunks[0]) != 1):
        raise ValueError(f"Y: its chunks {Y.chunks} do not line up with X's chunks along the examples "
                         f"{X.chunks[1]}; rechunk with Y.rechunk({{{Y.ndim - 1}: X.chunks[1]}})")
    if weights is not None and tuple(weights.chunks[0]) != tuple(X.chunks[1]):
        raise ValueError(f"sample_weight: its chunks {weights.chunks} do not line up with X's chunks along the "
                         f"examples {X.chunks[1]}; rechunk with sample_weight.rechunk(X.chunks[1])")


def chunk_placement(X: Any) -> tuple[ModuleType, Any]:
    """``(xp, device)`` of ``X``'s chunks (NumPy, or CuPy's current device): where blocks train."""
    xp = array_api_compat.array_namespace(X._meta)
    return xp, resolve_device(xp)


def _active_client() -> Any:
    """The active ``dask.distributed`` client, or None."""
    try:
        distributed = importlib.import_module("dask.distributed")
        return distributed.get_client()
    except (ImportError, ValueError):
        return None


class BlockFetcher:
    """The column blocks of ``X``, ``Y`` (and the sample weights, where given) as host
    (chunk-type) arrays, in a given order, each
    computed while the one before it trains: through the active ``dask.distributed`` client where
    there is one (the workers read and prepare the blocks, and send them straight to this
    process), else on Dask's local scheduler in a background thread. ``next_order`` (the next
    epoch's order) has the last block of an epoch overlap the next epoch's first fetch."""

    def __init__(self, X: Any, Y: Any, weights: Any = None) -> None:
        arrays = [X, Y] if weights is None else [X, Y, weights]
        self.blocks = [[a.blocks[i] if a.ndim == 1 else a.blocks[0, i] for a in arrays] for i in range(X.numblocks[1])]
        self.client = _active_client()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._ahead: tuple[int, Callable[[], tuple[Any, ...]]] | None = None  # (block, wait for it)

    def __len__(self) -> int:
        return len(self.blocks)

    def _start(self, i: int) -> Callable[[], tuple[Any, ...]]:
        """Start computing block ``i``; returns the function that waits for it."""
        parts = self.blocks[i]  # X, Y (and the weights)
        if self.client is not None:
            futures = self.client.compute(parts)
            return lambda: tuple(self.client.gather(futures, direct=True))  # from the workers, not via the scheduler
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="portable_dnn-fetch")
        dask = importlib.import_module("dask")
        future = self._executor.submit(dask.compute, *parts)
        return lambda: tuple(future.result())

    def __call__(self, order: Any, next_order: Any = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """``(i, block i)`` for i in ``order``, one fetched ahead (the last one with
        ``next_order``'s first)."""
        order = [int(i) for i in order]
        upcoming = [*order[1:], *([int(next_order[0])] if next_order is not None else [])]
        if self._ahead is not None and self._ahead[0] == order[0]:
            pending = self._ahead[1]
        else:
            pending = self._start(order[0])
        self._ahead = None
        for k, i in enumerate(order):
            block = pending()
            if k < len(upcoming):
                pending = self._start(upcoming[k])
                if k == len(order) - 1:
                    self._ahead = (upcoming[k], pending)
            yield i, block

    def close(self) -> None:
        self._ahead = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)


class StreamTrainer:
    """A :class:`~portable_dnn._engine.trainer.Trainer` for Dask ``X`` (n0, m) and targets ``Y``, checked
    by :func:`check_stream`: :meth:`run_epoch` trains one epoch block by block (see the module),
    each block moved to the training placement (that of ``X``'s chunks) with its targets for
    ``units`` output units; the first time a block is seen, its values and targets are checked.
    ``parameters`` live there too (the caller's are copied)."""

    def __init__(self, X: Any, Y: Any, parameters: Mapping[str, Array], L: int, settings: Any,
                 state: OptimizerState | None, units: int, copy_X: bool = True, weights: Any = None) -> None:
        check_stream(X, Y, weights)
        self.xp, self.device = chunk_placement(X)
        self.fetch, self.L, self.units, self.examples = BlockFetcher(X, Y, weights), L, units, X.shape[1]
        #: What an epoch's summed cost is divided by: the examples, or their total weight.
        self.total_weight = X.shape[1] if weights is None else positive_total(float(weights.sum().compute()))
        self.settings, self.copy_X = settings, copy_X
        self.state = OptimizerState() if state is None else state
        self._trainer: Any = None
        self._checked: set[int] = set()
        self.parameters = dict(parameters)

    def _load(self, i: int, block: tuple[Any, ...]) -> Any:
        """The trainer, loaded with block ``i`` on the training placement."""
        xp, loss = self.xp, self.settings.loss
        X, Y = (move_to(part, xp, self.device) for part in block[:2])
        if i in self._checked:
            Y = targets(xp, Y, self.units, X, loss=loss)
        else:
            check_finite(xp, X=X)
            Y = check_targets(xp, Y, X, self.units, loss=loss)
        host_weights = None
        if len(block) == 3:  # the block's weights: a row below its targets, and their host copy
            Y, host_weights = weighted(xp, Y, block[2], check=i not in self._checked, whole=False)
        self._checked.add(i)
        if self._trainer is None:
            self._trainer = Trainer(xp, X, Y, self.parameters, self.L, self.settings, self.state, copy_X=self.copy_X,
                                    host_weights=host_weights)
        else:
            self._trainer.load(X, Y, host_weights)
        return self._trainer

    def run_epoch(self, record: bool) -> Array | None:
        """One epoch over the blocks; with ``record``, its cost (as :meth:`Trainer.run_epoch`)."""
        epoch_seed = self.settings.seed + self.state.epochs + 1
        blocks = len(self.fetch)
        total = None
        for position, (i, block) in enumerate(self.fetch(permutation(blocks, epoch_seed),
                                                         permutation(blocks, epoch_seed + 1))):
            trainer = self._load(i, block)
            cost = trainer.run_pass(record, (epoch_seed + position * BLOCK_SEED_STRIDE) % 2**32)
            self.parameters = trainer.parameters
            if cost is not None:
                total = cost if total is None else total + cost
        self.settings.end_epoch(self.state, self.examples)
        return None if total is None else total / self.total_weight

    def close(self) -> None:
        self.fetch.close()
