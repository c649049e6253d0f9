"""Checks of the parameter and gradient dictionaries shared by the public functions."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from ._backend import Array, check_float, check_ndim, get_namespace


def num_layers(parameters: object, name: str = "parameters") -> int:
    """L for a dict holding exactly ``W1, b1, ..., WL, bL``; ``ValueError`` naming what is off."""
    if not isinstance(parameters, Mapping):
        raise TypeError(f"{name}: expected a dict of arrays, got {type(parameters).__name__}")
    keys = set(parameters)
    names = [str(key) for key in keys]
    L = max(sum(key.startswith("W") for key in names), sum(key.startswith("b") for key in names))
    expected = {f"{kind}{l}" for l in range(1, L + 1) for kind in ("W", "b")}
    if L < 1 or keys != expected:
        missing = sorted(expected - keys, key=str)
        extra = sorted(keys - expected, key=str)
        raise ValueError(
            f"{name}: expected keys W1, b1, ..., WL, bL for L = {max(L, 1)} layers; "
            f"missing {missing}, unexpected {extra}"
        )
    return L


def check_weight_and_bias(W: Array, b: Array, w_name: str, b_name: str) -> None:
    """``W`` must be 2-D (n, n_prev) with n, n_prev >= 1 and ``b`` of shape (n, 1)."""
    check_ndim(w_name, W)
    if 0 in tuple(W.shape):
        raise ValueError(f"{w_name}: expected at least one unit and one input, got shape {tuple(W.shape)}")
    if tuple(b.shape) != (W.shape[0], 1):
        raise ValueError(
            f"{b_name}: expected shape ({W.shape[0]}, 1) to match {w_name} of shape "
            f"{tuple(W.shape)}, got {tuple(b.shape)}"
        )


def check_rows(A: Array, n_rows: int, a_name: str, why: str) -> None:
    """``A`` must be 2-D with ``n_rows`` rows and at least one column (example)."""
    check_ndim(a_name, A)
    if A.shape[1] == 0:
        raise ValueError(f"{a_name}: expected at least one example (column), got shape {tuple(A.shape)}")
    if A.shape[0] != n_rows:
        raise ValueError(
            f"{a_name}: expected {n_rows} rows ({why}), got shape {tuple(A.shape)}"
        )


def check_layer_shapes(A_prev: Array, W: Array, b: Array, names: tuple[str, str, str]) -> None:
    """``W`` (n, n_prev), ``b`` (n, 1) and ``A_prev`` (n_prev, m) must agree."""
    a_name, w_name, b_name = names
    check_weight_and_bias(W, b, w_name, b_name)
    check_rows(A_prev, W.shape[1], a_name, f"{w_name} has shape {tuple(W.shape)}")


def check_parameters(
    parameters: Mapping[str, Array], *, name: str = "parameters", **inputs: Array
) -> tuple[ModuleType, int]:
    """Check a parameter dict (and input arrays such as ``X``) and return ``(xp, L)``.

    All arrays must share a namespace, device and floating dtype, and the layer
    shapes must chain: ``W1`` (n1, n0), ``b1`` (n1, 1), ``W2`` (n2, n1), ...
    An input named ``X`` must have shape (n0, m).
    """
    L = num_layers(parameters, name)
    named = {f"{name}[{key!r}]": parameters[key] for key in sorted(parameters)}
    xp = get_namespace(**inputs, **named)
    check_float(xp, **inputs, **named)
    for l in range(1, L + 1):
        W = parameters[f"W{l}"]
        w_name = f"{name}['W{l}']"
        check_weight_and_bias(W, parameters[f"b{l}"], w_name, f"{name}['b{l}']")
        if l > 1:
            units = parameters[f"W{l - 1}"].shape[0]
            if W.shape[1] != units:
                raise ValueError(
                    f"{w_name}: expected {units} columns ({name}['W{l - 1}'] has {units} rows), "
                    f"got shape {tuple(W.shape)}"
                )
    if "X" in inputs:
        W1 = parameters["W1"]
        check_rows(inputs["X"], W1.shape[1], "X", f"{name}['W1'] has shape {tuple(W1.shape)}")
    return xp, L
