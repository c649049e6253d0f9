"""A network's summary as Keras' ``Model.summary()`` prints one: a row per layer (its parameters by
the course's names and shapes, its output shape, activation and parameter count), then the totals,
the loss, the dtype and the device. The estimators' ``summary()`` and ``portable-dnn info MODEL``
print it."""

from __future__ import annotations

from collections.abc import Sequence

#: The columns: (title, width, right-aligned).
COLUMNS = (("Layer", 18, False), ("Parameters", 28, False), ("Output shape", 14, False), ("Activation", 11, False),
           ("Param #", 10, True))
WIDTH = sum(width for _, width, _ in COLUMNS) + len(COLUMNS)


def _row(cells: Sequence[str]) -> str:
    return " " + " ".join(cell.rjust(width) if right else cell.ljust(width)
                          for cell, (_, width, right) in zip(cells, COLUMNS, strict=True)).rstrip()


def summary_text(title: str, layer_dims: Sequence[int], activations: Sequence[str], *, loss: str, dtype: str,
                 device: str, notes: Sequence[str] = ()) -> str:
    """The summary of a network of ``layer_dims`` [n_x, n_1, ..., n_L] whose layers apply
    ``activations`` (one per layer), named ``title``; ``notes``: lines after the totals."""
    if len(activations) != len(layer_dims) - 1:
        raise ValueError(f"activations: expected one per layer ({len(layer_dims) - 1}), got {len(activations)}")
    L = len(layer_dims) - 1
    lines = [f'Model: "{title}"', "_" * WIDTH, _row([title for title, _, _ in COLUMNS]), "=" * WIDTH,
             _row(["input", "", f"(None, {layer_dims[0]})", "", "0"])]
    total = 0
    for l in range(1, L + 1):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        count = n * n_prev + n
        total += count
        name = f"dense_{l}" + (" (output)" if l == L else "")
        lines.append(_row([name, f"W{l} ({n}, {n_prev}), b{l} ({n}, 1)", f"(None, {n})", activations[l - 1],
                           f"{count:,}"]))
    lines += ["=" * WIDTH, f"Total params: {total:,}", f"Loss: {loss}", f"Dtype: {dtype}", f"Device: {device}",
              *notes, "_" * WIDTH]
    return "\n".join(lines)
