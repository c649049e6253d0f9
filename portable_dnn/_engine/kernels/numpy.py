"""NumPy's (and CuPy's) fast forms: products and updates written into their buffers with ``out=``,
and NumPy's optimiser updates compiled by numba into one pass over each parameter."""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ...activations import sigmoid_kernel
from .portable import Kernels, squared_gradient_weight


@functools.cache
def _one_pass_kernels(library: ModuleType) -> dict[str, Callable[..., None]] | None:
    """NumPy's optimiser updates compiled by numba (the ``fast`` extra), where it is installed:
    one pass, each element of W, g, v (and s) read once and W, v (and s) written once, with the
    ``out=`` forms' operations in their order and no fast-math, so their numbers to the bit.
    Compiled on first use (about half a second per optimiser and dtype) and cached on disk by numba
    (beside this module, or in the user's cache where that is read-only; where neither is writable,
    compiled in each process): later processes load them."""
    try:
        numba = importlib.import_module("numba")
    except Exception:  # not installed, or not for this NumPy: the out= forms serve
        return None
    sqrt = library.sqrt  # NumPy's keeps float32 in float32 (math.sqrt would not)

    def compile_loop(loop: Callable[..., None]) -> Callable[..., None]:
        options = {"nogil": True, "error_model": "numpy"}  # numpy's: x / 0 is inf, not an exception
        try:
            return numba.njit(**options, cache=True)(loop)  # type: ignore[no-any-return]
        except RuntimeError:  # nowhere writable to cache it: compiled in each process
            return numba.njit(**options)(loop)  # type: ignore[no-any-return]

    @compile_loop
    def momentum(W: Any, g: Any, v: Any, constants: Any) -> None:  # pragma: no cover (compiled)
        beta, lr = constants[0], constants[1]
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                velocity = beta * v[i, j] + g[i, j]
                v[i, j] = velocity
                W[i, j] = W[i, j] - velocity * lr

    @compile_loop
    def adam(W: Any, g: Any, v: Any, s: Any, constants: Any) -> None:  # pragma: no cover (compiled)
        beta1, beta2, weight, step_size, eps_hat = constants[0], constants[1], constants[2], constants[3], constants[4]
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                gradient = g[i, j]
                first = beta1 * v[i, j] + gradient
                second = beta2 * s[i, j] + (gradient * gradient) * weight
                v[i, j] = first
                s[i, j] = second
                W[i, j] = W[i, j] - first / (sqrt(second) + eps_hat) * step_size

    return {"momentum": momentum, "adam": adam}


def one_pass_allowed() -> bool:
    """Whether NumPy's updates may use :func:`_one_pass_kernels` (not switched off by
    ``PORTABLE_DNN_NUMBA=0``); numba is imported only when an update first runs (it takes half a
    second to import)."""
    return os.environ.get("PORTABLE_DNN_NUMBA", "1") != "0"


def one_pass_enabled(library: ModuleType) -> bool:
    """Whether NumPy's (``library``'s) updates use :func:`_one_pass_kernels`: allowed, and numba installed."""
    return one_pass_allowed() and _one_pass_kernels(library) is not None


def _optimizer_kernels_out(library: ModuleType, one_pass: bool = False) -> dict[str, Callable[..., Any]]:
    """The optimiser updates with ``out=`` (NumPy, CuPy): in place of W, v, s, no allocation;
    ``scratch`` (W's shape) holds the temporaries. With ``one_pass`` (NumPy), 2-D arrays are
    updated by :func:`_one_pass_kernels` instead, in one pass (its constants in an array of W's
    dtype, as NumPy casts Python scalars: one argument to pass instead of five)."""

    def one_pass_for(W: Any) -> dict[str, Callable[..., None]] | None:
        return _one_pass_kernels(library) if one_pass and W.ndim == 2 else None

    def in_memory_order(*arrays: Any) -> tuple[Any, ...]:
        """The arrays as the one-pass loops (row by row) walk them fastest: transposed where W (the
        first) is column-major (an estimator's weights, drawn as scikit-learn's); element-wise, the
        same numbers."""
        column_major = arrays[0].flags.f_contiguous and not arrays[0].flags.c_contiguous
        return tuple(array.T for array in arrays) if column_major else arrays

    def momentum(W: Any, g: Any, v: Any, scratch: Any, beta: float, lr: float) -> tuple[Any, Any]:
        if (compiled := one_pass_for(W)) is not None:
            compiled["momentum"](*in_memory_order(W, g, v), library.array((beta, lr), dtype=W.dtype))
            return W, v
        library.multiply(v, beta, out=v)
        library.add(v, g, out=v)
        library.subtract(W, library.multiply(v, lr, out=scratch), out=W)
        return W, v

    def adam(W: Any, g: Any, v: Any, s: Any, scratch: Any, beta1: float, beta2: float, step_size: float,
             eps_hat: float) -> tuple[Any, Any, Any]:
        if (compiled := one_pass_for(W)) is not None:
            constants = (beta1, beta2, squared_gradient_weight(beta1, beta2), step_size, eps_hat)
            compiled["adam"](*in_memory_order(W, g, v, s), library.array(constants, dtype=W.dtype))
            return W, v, s
        library.multiply(v, beta1, out=v)
        library.add(v, g, out=v)
        library.multiply(s, beta2, out=s)
        library.square(g, out=scratch)
        library.add(s, library.multiply(scratch, squared_gradient_weight(beta1, beta2), out=scratch), out=s)
        library.add(library.sqrt(s, out=scratch), eps_hat, out=scratch)
        library.divide(v, scratch, out=scratch)
        library.subtract(W, library.multiply(scratch, step_size, out=scratch), out=W)
        return W, v, s

    def sgd(W: Any, g: Any, v: Any, scratch: Any, beta: float, nesterov: bool) -> tuple[Any, Any]:
        library.multiply(v, beta, out=v)
        library.subtract(v, g, out=v)
        if not nesterov:
            return library.add(W, v, out=W), v
        library.subtract(library.multiply(v, beta, out=scratch), g, out=scratch)
        return library.add(W, scratch, out=W), v

    def add_scaled(a: Any, b: Any, c: float, scratch: Any) -> Any:
        return library.add(a, library.multiply(b, c, out=scratch), out=a)

    # The indices are a permutation's: NumPy's "clip" skips the bounds check and the buffering it
    # needs (CuPy's take has no mode and never checks).
    unchecked = {"mode": "clip"} if library.__name__ == "numpy" else {}

    def take_columns(X: Any, indices: Any, out: Any) -> Any:
        # Columns of a transposed row-major array are its rows: gathering them is a row copy
        # (a strided gather along axis 1 is 100x slower).
        if X.flags.f_contiguous and (out is None or out.flags.f_contiguous):
            return library.take(X.T, indices, axis=0, out=None if out is None else out.T, **unchecked).T
        return library.take(X, indices, axis=1, out=out, **unchecked)

    def empty_columns(X: Any, m: int) -> Any:
        layout = "F" if X.flags.f_contiguous and not X.flags.c_contiguous else "C"
        return library.empty((X.shape[0], m), dtype=X.dtype, order=layout)

    def examples_contiguous(X: Any) -> Any:  # each column contiguous: a batch is a row copy of X.T
        return X if X.flags.f_contiguous else library.asfortranarray(X)

    return {"momentum": momentum, "adam": adam, "sgd": sgd, "add_scaled": add_scaled, "take_columns": take_columns,
            "empty_columns": empty_columns, "batch_source": examples_contiguous}



def _squared_sum(library: ModuleType, W: Any) -> Any:
    """``sum(W ** 2)`` (0-d) as a dot product of W with itself, over its transpose where W is
    column-major (an estimator's weights): the dot product reshapes its operands in C order, which
    would copy a column-major W twice (80 MB and 58 ms a step for a 100 x 100,000 float32 layer)."""
    if W.flags.f_contiguous and not W.flags.c_contiguous:
        W = W.T
    return library.tensordot(W, W, axes=2)


def out_kernels(library: ModuleType, xp: ModuleType, common: dict[str, Callable[..., Any]],
                **library_forms: Any) -> Kernels:
    """The :class:`Kernels` of NumPy or CuPy (``library``, behind the namespace ``xp``): every
    product and update written into its buffer with ``out=``; ``library_forms`` (CuPy's fused
    updates) in place of the ``out=`` forms."""
    name = library.__name__

    def matmul(a: Any, b: Any, out: Any) -> Any:
        return library.matmul(a, b) if out is None else library.matmul(a, b, out=out)

    def affine(W: Any, A: Any, b: Any, out: Any) -> Any:
        Z = matmul(W, A, out)
        return library.add(Z, b, out=Z)

    def subtract_product(C: Any, a: Any, b: Any, out: Any) -> Any:
        return library.subtract(C, matmul(a, b, out), out=C)

    return Kernels(
        matmul,
        affine,
        subtract_product,
        relu_=lambda Z: library.maximum(Z, 0, out=Z),
        mask_=lambda dA, keep: library.multiply(dA, keep, out=dA),
        reuses_buffers=True,
        sigmoid_=functools.partial(sigmoid_kernel, xp),
        sliced_matmul=name != "cupy",
        **{**common, "squared_sum": functools.partial(_squared_sum, library),
           **_optimizer_kernels_out(library, one_pass=name == "numpy" and one_pass_allowed()),
           **library_forms},
    )
