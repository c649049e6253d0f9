"""PNG figures for the command line (matplotlib, Agg): the cost curve, an image grid and a
decision boundary."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._backend import install_extra
from ..io import write_atomically


def _figure_module() -> Any:
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(f"plots need matplotlib: {install_extra('cli')}") from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: Path) -> Path:
    write_atomically(path, lambda handle: figure.savefig(handle, format="png", dpi=100))
    _figure_module().close(figure)
    return path


def save_cost_curve(path: Path, epochs: Sequence[int], costs: Sequence[float], title: str,
                    unit: str = "iteration") -> Path:
    """The recorded ``costs`` against their ``epochs`` (iterations or epochs: ``unit``), the last
    one included, on a logarithmic cost axis where the costs are positive (so that the slow fall
    after the first few hundred steps shows); points are marked where there are few."""
    plt = _figure_module()
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.plot(list(epochs), list(costs), marker="o" if len(costs) < 40 else None, markersize=3)
    if len(costs) and min(costs) > 0:
        axes.set_yscale("log")
    if len(costs) == 1:  # one point: an axis around it, not around 0
        axes.set_xlim(epochs[0] - 1, epochs[0] + 1)
    axes.set_xlabel(unit)
    axes.set_ylabel("cost")
    axes.set_title(title)
    axes.grid(alpha=0.3, which="both")
    figure.tight_layout()
    return _save(figure, path)


def save_image_grid(
    path: Path, images: np.ndarray, image_shape: Sequence[int], captions: Sequence[str],
    *, title: str, limit: int = 24,
) -> Path:
    """Up to ``limit`` images (rows of ``images``, values in [0, 1]) with their captions."""
    plt = _figure_module()
    count = min(len(images), limit)
    columns = max(1, min(6, count))
    rows = max(1, math.ceil(count / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(2.0 * columns, 2.3 * rows + 0.4), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < count:
            image = np.clip(images[index].reshape(tuple(image_shape)), 0.0, 1.0)
            axis.imshow(image, cmap="gray_r" if image.ndim == 2 else None, interpolation="nearest")
            axis.set_title(captions[index], fontsize=8)
    if count == 0:
        axes.flat[0].text(0.5, 0.5, "none", ha="center", va="center")
    figure.suptitle(title if count == len(images) else f"{title} (first {count})")
    figure.tight_layout()
    return _save(figure, path)


def save_decision_boundary(
    path: Path, predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, labels: np.ndarray, *, title: str,
) -> Path:
    """The classes ``predict`` (host points (2, k) -> class indices (k,)) gives over the plane
    around the points ``X`` (2, m), with the points coloured by ``labels`` (m,), as the course
    draws its decision boundaries."""
    plt = _figure_module()
    pad = 0.5
    (x_low, y_low), (x_high, y_high) = X.min(axis=1) - pad, X.max(axis=1) + pad
    grid_x, grid_y = np.meshgrid(np.linspace(x_low, x_high, 300), np.linspace(y_low, y_high, 300))
    classes = predict(np.stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.contourf(grid_x, grid_y, classes, cmap="Spectral", alpha=0.8)
    axes.scatter(X[0], X[1], c=labels, cmap="Spectral", s=12, edgecolors="k", linewidths=0.3)
    axes.set_xlabel("x1")
    axes.set_ylabel("x2")
    axes.set_title(title)
    figure.tight_layout()
    return _save(figure, path)
