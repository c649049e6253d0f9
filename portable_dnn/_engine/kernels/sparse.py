"""Sparse inputs in the hot loop: the first layer's products with sparse columns X (n0, m) (SciPy's
CSC on NumPy, cupyx's on CuPy), taken as sparse @ dense, nothing densified whole.

``W1 @ X`` is ``(X.T @ W1.T).T`` (a CSR times a dense matrix), and the weight gradient
``dZ1 @ X.T`` is ``(X @ dZ1.T).T``: each product's result is dense and as small as a layer, X
itself never is. A batch is a sparse gather of X's columns. Every other operand goes to the
library's own kernels; :func:`with_sparse_inputs` wraps them, and tests check that both agree
with the dense products.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..._backend.sparse import is_sparse
from .portable import Kernels


def sparse_product(a: Any, b: Any) -> Any:
    """``a @ b`` (dense) where one of the two is sparse: sparse @ dense, as its library takes it."""
    if is_sparse(b):
        return (b.T @ a.T).T
    return a @ b


def with_sparse_inputs(library: ModuleType, dense: Kernels) -> Kernels:
    """``dense`` (NumPy's or CuPy's kernels) taking sparse columns X where they meet it: the
    products of the first layer, the batches' gather and their buffers (none: a gather is new)."""

    def matmul(a: Any, b: Any, out: Any) -> Any:
        if not (is_sparse(a) or is_sparse(b)):
            return dense.matmul(a, b, out)
        product = sparse_product(a, b)
        if out is None:
            return library.ascontiguousarray(product)
        out[...] = product
        return out

    def affine(W: Any, A: Any, b: Any, out: Any) -> Any:
        if not is_sparse(A):
            return dense.affine(W, A, b, out)
        Z = matmul(W, A, out)
        return library.add(Z, b, out=Z)

    def subtract_product(C: Any, a: Any, b: Any, out: Any) -> Any:
        if not (is_sparse(a) or is_sparse(b)):
            return dense.subtract_product(C, a, b, out)
        return library.subtract(C, matmul(a, b, out), out=C)

    def take_columns(X: Any, indices: Any, out: Any) -> Any:
        return X[:, indices] if is_sparse(X) else dense.take_columns(X, indices, out)

    return dense._replace(
        matmul=matmul, affine=affine, subtract_product=subtract_product, take_columns=take_columns,
        empty_columns=lambda X, m: None if is_sparse(X) else dense.empty_columns(X, m),
        batch_source=lambda X: X if is_sparse(X) else dense.batch_source(X))
