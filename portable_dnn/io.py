"""Host transfers and files: the only place, with ``_random``, that uses NumPy directly."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import numpy as np

from ._backend import Array, resolve_device, resolve_dtype, resolve_namespace
from ._backend.transfers import move_to, to_numpy
from ._outputs import layer_activations
from ._parameters import check_parameters, num_layers
from ._version import __version__

FORMAT = "portable_dnn.parameters"
#: Metadata keys that save_parameters writes itself.
RESERVED_METADATA = frozenset({"format", "version", "layer_dims", "activations", "dtype"})


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o666 & ~_current_umask())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


#: The prefix of the arrays of a training state (optimiser averages) in a parameter file.
STATE_PREFIX = "state."


def save_parameters(
    path: str | os.PathLike[str], parameters: Mapping[str, Array], *, hidden_activation: str = "relu",
    state: Mapping[str, Array] | None = None, **metadata: Any,
) -> Path:
    """Save ``parameters`` (any backend) to an ``.npz`` of host copies with JSON metadata.

    The metadata records the layer sizes, activations (``hidden_activation`` for the hidden
    layers, the output layer's by its size), dtype, format and library version,
    plus any JSON-serialisable keywords given (``init``, ``classes``, ...; not the reserved
    keys above), and the arrays of ``state`` (such as optimiser averages, by name; read back
    by :func:`load_state`). The file is written atomically: a crash leaves any previous file
    intact. Non-finite parameters are refused. Returns the path written.
    """
    reserved = sorted(RESERVED_METADATA & set(metadata))
    if reserved:
        raise ValueError(f"metadata: {reserved} are written by save_parameters itself; "
                         f"choose other names (reserved: {sorted(RESERVED_METADATA)})")
    _, L = check_parameters(parameters)
    host = {key: to_numpy(parameters[key]) for key in parameters}
    for key, value in host.items():
        if not np.isfinite(value).all():
            raise ValueError(f"parameters[{key!r}]: contains NaN or infinity; refusing to save")
    info = {
        "format": FORMAT,
        "version": __version__,
        "layer_dims": [int(host["W1"].shape[1])] + [int(host[f"W{l}"].shape[0]) for l in range(1, L + 1)],
        "activations": layer_activations(L, int(host[f"W{L}"].shape[0]), hidden_activation,
                                         metadata.get("loss", "cross_entropy")),
        "dtype": str(host["W1"].dtype),
        **metadata,
    }
    text = json.dumps(info)
    target = Path(path)
    extra = {STATE_PREFIX + str(name): to_numpy(value) for name, value in (state or {}).items()}
    arrays: dict[str, Any] = {**host, **extra, "__metadata__": np.asarray(text)}
    write_atomically(target, lambda handle: np.savez(handle, **arrays))
    return target


def _open_npz(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    try:
        with open(path, "rb") as handle:
            data = np.load(handle, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("an .npy array, not an .npz archive")
            with data:
                arrays = {key: data[key] for key in data.files}
    except ValueError as error:
        # NumPy reads a file that is neither .npy nor .npz as a pickle and advises unpickling it: not
        # what such a file is, nor advice to follow.
        reason = "neither an .npz archive nor an .npy array" if "pickled" in str(error) else str(error)
        raise ValueError(f"{path}: not a portable_dnn parameter file ({reason})") from error
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: unreadable or corrupted parameter file ({error})") from error
    try:
        metadata = json.loads(str(arrays.pop("__metadata__")))
    except (KeyError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: missing or corrupted '__metadata__' ({error})") from error
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ValueError(f"{path}: not a portable_dnn parameter file (format {metadata.get('format')!r})"
                         if isinstance(metadata, dict) else f"{path}: metadata is not a JSON object")
    return arrays, metadata


def load_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON metadata saved with a parameter file."""
    return _open_npz(Path(path))[1]


def _load_placement(metadata: dict[str, Any], backend: str | ModuleType | None, device: Any,
                    dtype: Any) -> tuple[ModuleType, Any, Any]:
    """``(xp, device, dtype)`` to load onto: ``dtype`` defaults to the saved one where the device
    has it, else the device's default float."""
    xp = resolve_namespace(backend)
    device = resolve_device(xp, device)
    if dtype is None:
        available = xp.__array_namespace_info__().dtypes(device=device, kind="real floating")
        dtype = metadata.get("dtype") if metadata.get("dtype") in available else None
    return xp, device, resolve_dtype(xp, dtype, device)


def load_parameters(
    path: str | os.PathLike[str],
    *,
    backend: str | ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> dict[str, Array]:
    """Load parameters saved by :func:`save_parameters` onto ``backend``/``device``.

    ``dtype`` defaults to the saved dtype where the device supports it (else the device's
    default float). Files are read with ``allow_pickle=False``; a file that is not a
    complete, consistent parameter file raises ``ValueError`` naming it.
    """
    source = Path(path)
    arrays, metadata = _open_npz(source)
    arrays = {key: value for key, value in arrays.items() if not key.startswith(STATE_PREFIX)}
    xp, device, dtype = _load_placement(metadata, backend, device, dtype)
    try:
        L = num_layers(arrays, "arrays")
        for key, value in arrays.items():
            if value.dtype.kind != "f" or value.ndim != 2:
                raise ValueError(f"{key!r} must be a 2-D float array, got {value.dtype} {value.shape}")
            if not np.isfinite(value).all():
                raise ValueError(f"{key!r} contains NaN or infinity")
        expected = metadata.get("layer_dims")
        found = [int(arrays["W1"].shape[1])] + [int(arrays[f"W{l}"].shape[0]) for l in range(1, L + 1)]
        if expected != found:
            raise ValueError(f"metadata layer_dims {expected} do not match the arrays' {found}")
    except ValueError as error:
        raise ValueError(f"{source}: inconsistent parameter file: {error}") from None
    parameters = {key: move_to(arrays[key], xp, device, dtype) for key in sorted(arrays, key=_layer_order)}
    check_parameters(parameters, name=str(source))
    return parameters


def _layer_order(key: str) -> tuple[int, bool]:
    """W1, b1, W2, b2, ...: the notebook's key order."""
    return int(key[1:]), key.startswith("b")


def load_state(
    path: str | os.PathLike[str], *, backend: str | ModuleType | None = None, device: Any = None, dtype: Any = None
) -> dict[str, Array]:
    """The ``state`` arrays saved with :func:`save_parameters` (an empty dict if none), by name,
    on ``backend``/``device`` in ``dtype`` (default: as saved where the device has it)."""
    arrays, metadata = _open_npz(Path(path))
    xp, device, dtype = _load_placement(metadata, backend, device, dtype)
    return {key[len(STATE_PREFIX):]: move_to(value, xp, device, dtype)
            for key, value in arrays.items() if key.startswith(STATE_PREFIX)}
