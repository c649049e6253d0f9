"""Each hot-loop kernel of the backend under test (in place, ``out=``, fused) agrees with its
portable array-API form, on copies of the same values."""

from __future__ import annotations

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn._engine.kernels import kernels
from portable_dnn._engine.kernels.portable import (
    adam_portable,
    add_scaled_portable,
    momentum_portable,
    own_copy_portable,
    sgd_portable,
    upload_portable,
)
from portable_dnn.regularization import squared_sum_kernel

pytestmark = pytest.mark.device_specific  # the GPU check runs these first (tests/conftest.py)


@pytest.fixture
def ops(xp, device):
    return kernels(xp, device)


@pytest.fixture
def fresh(make):
    """``make`` of a copy: the in-place kernels must not write into the host values (NumPy's
    ``asarray`` would share them)."""
    return lambda value, dtype="float64": make(np.array(value, copy=True), dtype)


def host(*shapes, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randn(*shape) for shape in shapes]


def test_products_and_activations_agree_with_the_portable_forms(ops, fresh, check):
    make = fresh
    W, A, b, C, dA = host((4, 3), (3, 5), (4, 1), (4, 3), (4, 5))
    check(ops.matmul(make(W), make(A), None), W @ A, atol=1e-12)
    check(ops.matmul(make(W), make(A), make(np.empty((4, 5)))), W @ A, atol=1e-12)
    check(ops.affine(make(W), make(A), make(b), make(np.empty((4, 5)))), W @ A + b, atol=1e-12)
    check(ops.subtract_product(make(C), make(W @ A), make(A.T), make(np.empty((4, 3)))), C - (W @ A) @ A.T,
          atol=1e-12)
    check(ops.relu_(make(dA)), np.maximum(dA, 0), atol=0)
    check(ops.sigmoid_(make(dA)), 1 / (1 + np.exp(-dA)), atol=1e-12)
    keep = dA > 0.3
    check(ops.mask_(make(dA), make(keep, None)), dA * keep, atol=0)
    check(ops.mask_(make(dA), make(np.abs(dA))), dA * np.abs(dA), atol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_optimiser_updates_agree_with_the_portable_forms(dtype, xp, ops, fresh, check):
    make = fresh
    W, g, v, s = host((6, 5), (6, 5), (6, 5), (6, 5), seed=1)
    s = np.abs(s)
    atol = 1e-12 if dtype == "float64" else 1e-6
    scratch = make(np.empty((6, 5)), dtype)
    fast = ops.momentum(make(W, dtype), make(0.2 * g, dtype), make(v, dtype), scratch, 0.8, 0.05)
    portable = momentum_portable(make(W, dtype), make(0.2 * g, dtype), make(v, dtype), None, 0.8, 0.05)
    for got, expected in zip(fast, portable, strict=True):
        check(got, dnn.to_numpy(expected), dtype, atol=atol)
    check(fast[1], 0.8 * v + 0.2 * g, dtype, atol=atol)
    # The kernels take the gradient times 1 - beta (momentum) or 1 - beta1 (Adam), folded in upstream.
    fast = ops.adam(make(W, dtype), make(0.1 * g, dtype), make(v, dtype), make(s, dtype), scratch, 0.9, 0.99, 0.01,
                    1e-7)
    portable = adam_portable(xp, make(W, dtype), make(0.1 * g, dtype), make(v, dtype), make(s, dtype), None, 0.9,
                             0.99, 0.01, 1e-7)
    for got, expected in zip(fast, portable, strict=True):
        check(got, dnn.to_numpy(expected), dtype, atol=atol)
    v1, s1 = 0.9 * v + 0.1 * g, 0.99 * s + 0.01 * g * g
    check(fast[0], W - 0.01 * v1 / (np.sqrt(s1) + 1e-7), dtype, atol=atol * 10)
    check(ops.add_scaled(make(W, dtype), make(g, dtype), 0.3, scratch),
          dnn.to_numpy(add_scaled_portable(make(W, dtype), make(g, dtype), 0.3, None)), dtype, atol=atol)


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sgd_updates_agree_with_the_portable_form_and_scikit_learns(nesterov, dtype, xp, ops, fresh, check):
    """scikit-learn's SGD from the gradient times the learning rate (folded in upstream): the
    velocity ``0.7 v - g`` and the step ``0.7 v' - g`` (Nesterov's) or ``v'``."""
    make = fresh
    W, g, v = host((6, 5), (6, 5), (6, 5), seed=2)
    atol = 1e-12 if dtype == "float64" else 1e-6
    scratch = make(np.empty((6, 5)), dtype)
    fast = ops.sgd(make(W, dtype), make(0.05 * g, dtype), make(v, dtype), scratch, 0.7, nesterov)
    portable = sgd_portable(make(W, dtype), make(0.05 * g, dtype), make(v, dtype), None, 0.7, nesterov)
    for got, expected in zip(fast, portable, strict=True):
        check(got, dnn.to_numpy(expected), dtype, atol=atol)
    velocity = 0.7 * v - 0.05 * g
    check(fast[1], velocity, dtype, atol=atol)
    check(fast[0], W + (0.7 * velocity - 0.05 * g if nesterov else velocity), dtype, atol=atol)


@pytest.mark.parametrize("rows_first", [True, False])
def test_gathered_columns_agree_with_take(rows_first, xp, device, ops, make, check):
    """Columns of X (n, m) as the class holds them (the transpose of row-major samples) and as the
    course does (row-major columns), into a buffer from ``empty_columns`` and without one."""
    (data,) = host((7, 3), seed=2)
    X = xp.asarray(make(data)).T if rows_first else make(data.T)
    order = np.random.RandomState(3).permutation(7)[:4]
    indices = xp.asarray(order, device=device)
    buffer = ops.empty_columns(X, 4)
    for out in (buffer, None):
        check(ops.take_columns(ops.batch_source(X), indices, out), data.T[:, order], atol=0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_squared_sums_agree_with_the_portable_form_in_either_layout(dtype, xp, ops, make, check):
    """``sum(W ** 2)`` of a row-major W, a column-major one (the transpose of row-major values, as an
    estimator's weights) and a strided view: a 0-d array of W's dtype."""
    (data,) = host((6, 5), seed=4)
    rtol = 1e-12 if dtype == "float64" else 1e-6
    for W, values in ((make(data, dtype), data), (xp.asarray(make(data.T, dtype)).T, data),
                      (make(data, dtype)[::2, ...], data[::2])):
        total = ops.squared_sum(W)
        assert total.shape == ()
        check(total, np.sum(values**2), dtype=dtype, atol=0, rtol=rtol)
        check(squared_sum_kernel(xp, W), np.sum(values**2), dtype=dtype, atol=0, rtol=rtol)


def test_the_squared_sum_of_column_major_weights_copies_nothing():
    """On NumPy the L2 term of an estimator's column-major first layer is read in place: a traced
    peak far below W's 8 MB (the portable form copies it twice)."""
    import tracemalloc

    W = np.asfortranarray(np.random.RandomState(0).randn(100, 10000))
    squared_sum = kernels(np, "cpu").squared_sum
    tracemalloc.start()
    try:
        total = squared_sum(W)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == pytest.approx(np.sum(W**2), rel=1e-12)
    assert peak < 1e6, f"traced peak {peak / 1e6:.1f} MB"


def test_copies_and_uploads_agree_with_the_portable_forms(xp, device, ops, make, check):
    """The training's own copies (PyTorch: C-contiguous) and the per-epoch index upload (PyTorch
    CUDA: pinned, asynchronous) give the portable forms' arrays, on the device."""
    (data,) = host((4, 3), seed=5)
    for original in (make(data), xp.asarray(make(data.T)).T):  # C-ordered, and a transposed view
        copy = ops.own_copy(original)
        check(copy, data, atol=0)
        check(own_copy_portable(xp, original), data, atol=0)
        assert copy is not original
    order = np.random.RandomState(0).permutation(9)
    uploaded, portable = ops.upload(order), upload_portable(xp, device, order)
    np.testing.assert_array_equal(dnn.to_numpy(uploaded), order)
    assert uploaded.dtype == portable.dtype and dnn.to_numpy(portable).tolist() == order.tolist()


def test_pytorch_fused_updates_are_used_only_where_they_agree(xp, ops, fresh, check, monkeypatch):
    """PyTorch's fused optimiser kernels (private functions) are probed once per device type:
    used where they give the in-place forms' numbers, replaced by those forms where a version
    changed them."""
    from portable_dnn._backend import backend_name
    from portable_dnn._engine.kernels import torch as _kernels

    if backend_name(xp) != "torch":
        pytest.skip("PyTorch's fused optimiser kernels")
    import torch

    _kernels._fused_agree.cache_clear()
    assert _kernels._fused_agree("cpu") == hasattr(torch, "_fused_adam_")
    monkeypatch.setattr(torch, "_fused_adam_", lambda *args, **kwargs: None, raising=False)  # runs, does nothing
    _kernels._fused_agree.cache_clear()
    try:
        assert not _kernels._fused_agree("cpu")
        W, g, v, s = host((6, 5), (6, 5), (6, 5), (6, 5), seed=1)
        made = [fresh(value, "float32") for value in (W, 0.1 * g, v, np.abs(s))]
        fast = ops.adam(*made[:3], made[3], None, 0.9, 0.99, 0.01, 1e-7)
        v1, s1 = 0.9 * v + 0.1 * g, 0.99 * np.abs(s) + 0.01 * g * g
        check(fast[0], W - 0.01 * v1 / (np.sqrt(s1) + 1e-7), "float32", atol=1e-5)
    finally:
        _kernels._fused_agree.cache_clear()


@pytest.mark.parametrize("cache", ["cached on disk", "nowhere to cache"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numba_one_pass_updates_give_the_out_forms_numbers_to_the_bit(dtype, cache, xp, monkeypatch):
    """NumPy's one-pass updates (numba, the ``fast`` extra) against its ``out=`` forms: the same
    numbers to the bit, in either memory layout, whether numba can cache them on disk or not
    (it raises ``RuntimeError`` where no location is writable); ``PORTABLE_DNN_NUMBA=0``
    switches them off."""
    from portable_dnn._backend import backend_name
    from portable_dnn._engine.kernels import numpy as _kernels

    if backend_name(xp) != "numpy":
        pytest.skip("numba compiles NumPy's updates only")
    if _kernels._one_pass_kernels(np) is None:
        pytest.skip("numba is not installed (the fast extra)")
    if cache == "nowhere to cache":
        numba = pytest.importorskip("numba")
        njit = numba.njit

        def njit_without_a_cache(*args, cache=False, **kwargs):
            if cache:
                raise RuntimeError("cannot cache function 'adam': no locator available for file")
            return njit(*args, **kwargs)

        monkeypatch.setattr(numba, "njit", njit_without_a_cache)
        _kernels._one_pass_kernels.cache_clear()
    try:
        check_one_pass_updates(_kernels, dtype)
    finally:
        if cache == "nowhere to cache":
            _kernels._one_pass_kernels.cache_clear()  # later tests compile with numba's own njit
    assert _kernels.one_pass_enabled(np)
    monkeypatch.setenv("PORTABLE_DNN_NUMBA", "0")
    assert not _kernels.one_pass_enabled(np)


def check_one_pass_updates(_kernels, dtype):
    """The one-pass updates give the ``out=`` forms' numbers to the bit, in either layout."""
    one_pass, out_forms = _kernels._optimizer_kernels_out(np, one_pass=True), _kernels._optimizer_kernels_out(np)
    W, g, v, s = (value.astype(dtype) for value in host((40, 30), (40, 30), (40, 30), (40, 30), seed=4))
    s = np.abs(s)
    for layout in (np.ascontiguousarray, np.asfortranarray):
        arrays = [layout(value) for value in (W, 0.1 * g, v, s)]
        got = one_pass["adam"](*(a.copy(order="K") for a in arrays), np.empty_like(W), 0.9, 0.999, 0.003, 1e-7)
        expected = out_forms["adam"](*(a.copy(order="K") for a in arrays), np.empty_like(W), 0.9, 0.999, 0.003, 1e-7)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)
        got = one_pass["momentum"](*(a.copy(order="K") for a in arrays[:3]), np.empty_like(W), 0.8, 0.05)
        expected = out_forms["momentum"](*(a.copy(order="K") for a in arrays[:3]), np.empty_like(W), 0.8, 0.05)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)


def test_pytorch_fused_updates_need_one_layout_and_momentum(xp, make, monkeypatch):
    """On CUDA, PyTorch's fused kernels refuse operands of different layouts, and fused SGD refuses
    a momentum buffer without momentum (on every device). Stood in here by wrappers that refuse
    what CUDA refuses: training from transposed (non-contiguous) parameters, and momentum with
    ``beta=0``, run, give the in-place forms' numbers, and keep the fused kernels where they
    apply."""
    from portable_dnn._backend import backend_name
    from portable_dnn._engine.kernels import torch as _kernels

    if backend_name(xp) != "torch":
        pytest.skip("PyTorch's fused optimiser kernels")
    import torch

    calls = {"sgd": 0, "adam": 0}

    def as_on_cuda(name, real):
        def fused(params, grads, *lists, **kwargs):
            for i, W in enumerate(params):
                tensors = [W, grads[i], *(group[i] for group in lists[:3] if len(group) > i)]
                if any(t.stride() != W.stride() or not t.is_contiguous() for t in tensors):
                    raise RuntimeError("Tensors must have same dtype, device, and layout")
            if name == "sgd" and kwargs["momentum"] == 0 and lists[0]:
                raise RuntimeError("Expected momentum_buffer_list.empty() to be true")
            calls[name] += 1
            return real(params, grads, *lists, **kwargs)
        return fused

    monkeypatch.setattr(torch, "_fused_sgd_", as_on_cuda("sgd", torch._fused_sgd_))
    monkeypatch.setattr(torch, "_fused_adam_", as_on_cuda("adam", torch._fused_adam_))
    _kernels._fused_agree.cache_clear()
    try:
        rng = np.random.RandomState(2)
        X, labels = make(rng.randn(3, 40), "float32"), make(rng.randint(0, 2, 40), "int64")
        start = {key: value.astype(np.float32) for key, value in
                 dnn.initialize_parameters_deep([3, 5, 1], seed=1, init="he").items()}
        contiguous = {key: make(value, "float32") for key, value in start.items()}
        transposed = {key: xp.asarray(make(value.T.copy(), "float32")).T for key, value in start.items()}
        assert not transposed["W1"].is_contiguous()
        for settings, kernel, fused in (({"optimizer": "adam"}, "adam", True),
                                        ({"optimizer": "momentum", "beta": 0.9}, "sgd", True),
                                        ({"optimizer": "momentum", "beta": 0.0}, "sgd", False)):
            expected, _ = dnn.train(X, labels, contiguous, learning_rate=0.05, num_epochs=3, mini_batch_size=16,
                                    **settings)
            calls[kernel] = 0
            got, _ = dnn.train(X, labels, transposed, learning_rate=0.05, num_epochs=3, mini_batch_size=16,
                               **settings)
            for key in expected:
                np.testing.assert_allclose(dnn.to_numpy(got[key]), dnn.to_numpy(expected[key]), rtol=1e-6)
            assert (calls[kernel] == 3 * 3 * 4) == fused, (settings, calls)  # epochs x batches x parameters
        # Operands of different layouts handed to the kernels directly: the in-place forms serve.
        W, g, v, s = (make(value, "float32") for value in host((4, 3), (4, 3), (4, 3), (4, 3), seed=3))
        W_t = xp.asarray(make(dnn.to_numpy(W).T.copy(), "float32")).T
        ops = kernels(xp, W.device)
        for got, expected in zip(ops.adam(W_t, g, v * 1, xp.abs(s), None, 0.9, 0.99, 0.01, 1e-7),
                                 ops.adam(W * 1, g, v * 1, xp.abs(s), None, 0.9, 0.99, 0.01, 1e-7), strict=True):
            np.testing.assert_allclose(dnn.to_numpy(got), dnn.to_numpy(expected), rtol=1e-6)
        ops.momentum(W_t, g, v * 1, None, 0.9, 0.1)
    finally:
        _kernels._fused_agree.cache_clear()
