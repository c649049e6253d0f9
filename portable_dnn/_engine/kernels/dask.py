"""Dask's form: each step's results computed (persisted), so that task graphs do not grow."""

from __future__ import annotations

import importlib
from typing import Any


def _persist(arrays: dict[str, Any]) -> dict[str, Any]:
    """Dask: compute the arrays (on the cluster when a client is active) and keep the results."""
    persisted = importlib.import_module("dask").persist(*arrays.values())
    return dict(zip(arrays, persisted, strict=True))
