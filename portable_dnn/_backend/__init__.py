"""Array namespaces, devices and dtypes: everything backend-specific lives here.

The math modules never import an array library. They call :func:`get_namespace`
at their public entry with the arrays they were given, and create new arrays
with ``xp.asarray(..., device=device(x), dtype=x.dtype)``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import numbers
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, ParamSpec, TypeVar

import array_api_compat
from array_api_compat import device as array_device

Array = Any
"""Any array of a namespace that follows the Python array API standard."""
P = ParamSpec("P")
R = TypeVar("R")

#: Backend name -> module that provides its array API namespace.
BACKENDS: dict[str, str] = {
    "numpy": "array_api_compat.numpy",
    "cupy": "array_api_compat.cupy",
    "array_api_strict": "array_api_strict",
    "torch": "array_api_compat.torch",
    "dask": "array_api_compat.dask.array",
    "jax": "jax.numpy",
}

#: Library module -> backend name, where they differ (``backend=dask.array`` means Dask).
LIBRARY_MODULES: dict[str, str] = {"dask.array": "dask", "jax.numpy": "jax"}

def install_extra(extra: str) -> str:
    """The command that installs the package's ``extra``, from its checkout (it is on no package index yet)."""
    return f"python3 -m pip install '.[{extra}]' in the portable_dnn checkout"


#: What to install when a backend's library is missing.
_INSTALL_HINTS: dict[str, str] = {
    "cupy": f"{install_extra('cuda12')} (or [cuda13]), on a machine with an NVIDIA GPU",
    "array_api_strict": "pip install array-api-strict",
    "torch": "pip install torch",
    "dask": "pip install 'dask[array]'",
    "jax": "pip install jax",
}


class BackendUnavailableError(ImportError):
    """The array library of a requested backend is not installed or has no device."""


def resolve_namespace(backend: str | ModuleType | None = None) -> ModuleType:
    """Return the array API namespace for a backend name or module (default NumPy).

    Accepts a name from :data:`~portable_dnn._backend.BACKENDS`, an array library module (``numpy``,
    ``cupy``, ...) or a namespace that is already array API compatible.
    """
    if backend is None:
        backend = "numpy"
    if isinstance(backend, ModuleType):
        name = LIBRARY_MODULES.get(backend.__name__, backend.__name__)
        if name in BACKENDS and BACKENDS[name] != backend.__name__:
            backend = name  # a bare library such as ``numpy`` or ``dask.array``: use its compatible namespace
        else:
            return backend
    if not isinstance(backend, str):
        raise TypeError(
            f"backend: expected a backend name or an array namespace module, "
            f"got {type(backend).__name__}"
        )
    if backend not in BACKENDS:
        raise ValueError(f"backend: unknown backend {backend!r}; known backends: {sorted(BACKENDS)}")
    try:
        return importlib.import_module(BACKENDS[backend])
    except ImportError as error:
        hint = _INSTALL_HINTS.get(backend, "install it")
        raise BackendUnavailableError(
            f"backend {backend!r} is not available ({error}); {hint}"
        ) from error


def backend_name(xp: ModuleType) -> str:
    """Short name of a namespace, for messages and metadata (``"numpy"``, ``"cupy"``, ...)."""
    for name, module in BACKENDS.items():
        if xp.__name__ == module:
            return name
    return xp.__name__


def _torch_device(spec: Any) -> Any:
    """A ``torch.device`` with its index filled in: ``"cuda"`` is ``cuda:<current device>`` (a
    bare ``cuda`` device compares unequal to a tensor's ``cuda:0``)."""
    torch = importlib.import_module("torch")
    try:
        device = torch.device("cuda" if spec == "gpu" else spec)
    except (RuntimeError, TypeError):
        raise ValueError(f"device: unknown torch device {spec!r}") from None
    if device.type != "cuda":
        return device
    if not torch.cuda.is_available():
        raise ValueError(f"device: {spec!r} requested but PyTorch sees no CUDA device")
    index = torch.cuda.current_device() if device.index is None else device.index
    if index >= torch.cuda.device_count():
        raise ValueError(f"device: {spec!r} requested but PyTorch sees {torch.cuda.device_count()} CUDA device(s)")
    return torch.device("cuda", index)


def resolve_device(xp: ModuleType, device: Any = None) -> Any:
    """Turn a device spec into a device object of ``xp`` (``None``: the namespace's default;
    CuPy's current CUDA device).

    Strings accepted: ``"cpu"``; ``"cuda"``/``"gpu"`` (the current CUDA device) and
    ``"cuda:N"`` on CuPy and PyTorch; the device names of array-api-strict (``"device1"``,
    ``"no_float64"``, ...). An integer N is CUDA device N (CuPy, PyTorch). PyTorch devices are
    normalised to carry their index (``cuda`` -> ``cuda:0``), so they compare equal to tensors'.
    """
    info = xp.__array_namespace_info__()
    name = backend_name(xp)
    if device is None:
        # CuPy's default is device 0 whichever is current; its arrays go to the current one.
        return resolve_device(xp, "cuda") if name == "cupy" else info.default_device()
    if isinstance(device, numbers.Integral) and not isinstance(device, bool):
        if name not in ("torch", "cupy"):
            raise ValueError(f"device: an integer names a CUDA device (CuPy, PyTorch), got {device} for "
                             f"backend {name!r}; its devices: {list(info.devices())}")
        device = f"cuda:{int(device)}"
    if name == "torch":
        return _torch_device(device)
    if not isinstance(device, str):
        return device
    known = list(info.devices())
    if name == "array_api_strict":
        try:
            return info.default_device() if device == "cpu" else xp.Device(device)
        except ValueError:
            raise ValueError(f"device: unknown array_api_strict device {device!r}; known: {known}") from None
    if name == "cupy" and (device in ("cuda", "gpu") or device.startswith("cuda:")):
        index = device.partition(":")[2]
        current = importlib.import_module("cupy").cuda.runtime.getDevice
        position = int(index) if index else current()
        if position >= len(known):
            raise ValueError(f"device: {device!r} requested but CuPy sees {len(known)} CUDA device(s)")
        return known[position]
    by_name = {str(candidate): candidate for candidate in known}
    for candidate in known:  # JAX devices also answer to their platform ("cpu", "gpu"): the first one's
        if isinstance(getattr(candidate, "platform", None), str):
            by_name.setdefault(candidate.platform, candidate)
    if device in by_name:
        return by_name[device]
    raise ValueError(
        f"device: unknown device {device!r} for backend {name!r}; known devices: {sorted(by_name)}"
    )


def default_float_dtype(xp: ModuleType, device: Any = None) -> Any:
    """float64 where the device supports it, else the namespace's default real float."""
    info = xp.__array_namespace_info__()
    floats = info.dtypes(device=device, kind="real floating")
    if "float64" in floats:
        return floats["float64"]
    return info.default_dtypes(device=device)["real floating"]


def resolve_dtype(xp: ModuleType, dtype: Any, device: Any) -> Any:
    """A real floating dtype of ``xp`` from ``None`` (see :func:`default_float_dtype`), a name or a dtype."""
    if dtype is None:
        return default_float_dtype(xp, device)
    floats = xp.__array_namespace_info__().dtypes(device=device, kind="real floating")
    for name, candidate in floats.items():
        if dtype == name or dtype == candidate:
            return candidate
    hint = ""
    if backend_name(xp) == "jax" and "float64" not in floats:
        # A process-wide setting: switching it from inside a library call would change the
        # caller's other JAX arrays too, so it is left to the caller.
        hint = "; JAX has float64 switched off: set JAX_ENABLE_X64=1 or jax.config.update('jax_enable_x64', True)"
    raise ValueError(
        f"dtype: expected one of {sorted(floats)} on device {device}, got {dtype!r}{hint}"
    )


def _describe(x: Any) -> str:
    if array_api_compat.is_array_api_obj(x):
        return f"{type(x).__module__}.{type(x).__name__} on {array_device(x)}"
    return type(x).__name__


def get_namespace(**arrays: Array) -> ModuleType:
    """The common namespace of the named arrays, checking that they share one device.

    Raises ``TypeError`` for non-arrays or a mix of array libraries and ``ValueError``
    for a mix of devices, naming the arguments involved.
    """
    for name, x in arrays.items():
        if not array_api_compat.is_array_api_obj(x):
            raise TypeError(f"{name}: expected an array, got {type(x).__name__}")
    try:
        xp = array_api_compat.array_namespace(*arrays.values())
    except TypeError:
        described = ", ".join(f"{name}: {_describe(x)}" for name, x in arrays.items())
        raise TypeError(
            f"arrays from different libraries cannot be mixed ({described}); "
            "move them to one backend explicitly first"
        ) from None
    items = list(arrays.items())
    first_name, first = items[0]
    first_device = array_device(first)
    for name, x in items[1:]:
        if array_device(x) != first_device:
            raise ValueError(
                f"{name} is on device {array_device(x)} but {first_name} is on device "
                f"{first_device}; move them to one device explicitly first"
            )
    return xp


def describe_dtype(dtype: Any) -> str:
    """A dtype's short name for messages (``float32``, not ``array_api_strict.float32``)."""
    return str(dtype).rsplit(".", 1)[-1]


def check_float(xp: ModuleType, **arrays: Array) -> Any:
    """Check that the named arrays share one real floating dtype and return it."""
    dtype = None
    first_name = ""
    for name, x in arrays.items():
        if not xp.isdtype(x.dtype, "real floating"):
            raise TypeError(f"{name}: expected a real floating dtype, got {describe_dtype(x.dtype)}")
        if dtype is None:
            dtype, first_name = x.dtype, name
        elif x.dtype != dtype:
            raise TypeError(
                f"{name} has dtype {describe_dtype(x.dtype)} but {first_name} has dtype "
                f"{describe_dtype(dtype)}; "
                "cast explicitly to one floating dtype"
            )
    return dtype


def check_ndim(name: str, x: Array, ndim: int = 2) -> None:
    """Raise ``ValueError`` unless ``x`` has ``ndim`` dimensions."""
    if x.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {tuple(x.shape)}")


def as_float_labels(xp: ModuleType, Y: Array, like: Array, name: str = "Y") -> Array:
    """Labels (bool, integer or float) as an array of ``like``'s dtype and shape (1, m).

    ``Y`` may have shape (1, m) or (m,) where m is ``like.shape[1]``.
    """
    m = like.shape[1]
    if tuple(Y.shape) not in ((1, m), (m,)):
        raise ValueError(f"{name}: expected shape (1, {m}) or ({m},), got {tuple(Y.shape)}")
    if xp.isdtype(Y.dtype, "complex floating"):
        raise TypeError(f"{name}: expected real labels, got dtype {describe_dtype(Y.dtype)}")
    if Y.dtype != like.dtype:
        Y = xp.astype(Y, like.dtype)
    return xp.reshape(Y, (1, m))


def dtype_name(xp: ModuleType, dtype: Any) -> str:
    """The standard name of a real floating dtype of ``xp`` (``"float32"``, ``"float64"``)."""
    for name, candidate in xp.__array_namespace_info__().dtypes(kind="real floating").items():
        if dtype == candidate:
            return str(name)
    raise TypeError(f"dtype: expected a real floating dtype, got {dtype!r}")


def resolve_placement(device: Any, like: Any = None) -> tuple[ModuleType, Any]:
    """``(xp, device)`` for where to compute, from a user's ``device=`` setting.

    ``None``: where ``like`` (an array) lives, or NumPy on the CPU. A backend name
    (``"numpy"``, ``"cupy"``, ...): that backend's default device. ``"cpu"``: NumPy.
    ``"cuda"``, ``"gpu"``, ``"cuda:N"`` and an integer N (CUDA device N): ``like``'s library
    where that is PyTorch (or CuPy), else CuPy. Another string: a device of ``like``'s
    namespace (``"device1"`` of array-api-strict). A device object: its library's namespace.
    """
    like_xp = array_api_compat.array_namespace(like) if array_api_compat.is_array_api_obj(like) else None
    if device is None:
        if like_xp is None:
            xp = resolve_namespace("numpy")
            return xp, resolve_device(xp)
        return like_xp, array_device(like)
    if isinstance(device, numbers.Integral) and not isinstance(device, bool):  # CUDA device N
        on_gpu = like_xp if like_xp is not None and backend_name(like_xp) in ("torch", "cupy") else None
        xp = on_gpu or resolve_namespace("cupy")
        return xp, resolve_device(xp, device)
    if isinstance(device, str):
        if device in BACKENDS:
            xp = resolve_namespace(device)
            return xp, resolve_device(xp)
        if device == "cpu":
            xp = resolve_namespace("numpy")
            return xp, resolve_device(xp, "cpu")
        if device in ("cuda", "gpu") or device.startswith("cuda:"):  # like's library where it has CUDA
            xp = like_xp if like_xp is not None and backend_name(like_xp) == "torch" else resolve_namespace("cupy")
            return xp, resolve_device(xp, device)
        xp = like_xp or resolve_namespace("numpy")
        return xp, resolve_device(xp, device)
    library = type(device).__module__.split(".")[0]
    if library in BACKENDS:
        return resolve_namespace(library), device
    if like_xp is not None:
        return like_xp, device
    raise ValueError(f"device: cannot tell which array library {device!r} belongs to")


def is_lazy(xp: ModuleType) -> bool:
    """Whether the namespace builds task graphs instead of computing (Dask)."""
    return backend_name(xp) == "dask"


def device_scope(device: Any) -> contextlib.AbstractContextManager[Any]:
    """The context to compute on ``device`` in: CuPy runs kernels and allocates on the current
    CUDA device, so a CuPy device (``cupy.cuda.Device``, itself a context manager) is made
    current; other libraries place work by their arrays, so nothing is needed there."""
    if type(device).__module__.startswith("cupy"):
        return device  # type: ignore[no-any-return]
    return contextlib.nullcontext()


def _first_device(values: Any) -> Any:
    """The device of the first array among ``values`` (arrays, dicts and tuples of them), or None."""
    for value in values:
        if array_api_compat.is_array_api_obj(value):
            return array_device(value)
        nested = value.values() if isinstance(value, Mapping) else value if isinstance(value, (tuple, list)) else ()
        device = _first_device(nested)
        if device is not None:
            return device
    return None


def on_the_arrays_device(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` in the :func:`device_scope` of its first array argument (CuPy: that
    array's device made current); a check or two per call, nothing else elsewhere."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with device_scope(_first_device(args)):
            return function(*args, **kwargs)

    return wrapper


def on_cpu(device: Any) -> bool:
    """Whether ``device`` is a CPU (``None``, ``"cpu"`` or a device whose type is ``cpu``)."""
    return device is None or str(getattr(device, "type", device)) == "cpu"
