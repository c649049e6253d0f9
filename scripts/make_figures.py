"""The pictures of the README and the user guide, from the runs their captions name:

- ``cost_curve.png`` and ``misclassified.png``: ``portable-dnn train`` (the default run: 10 digit
  classes, 3000 iterations);
- ``moons_{gd,momentum,adam}_{boundary,cost}.png``: ``portable-dnn train --data moons --optimizer
  gd|momentum|adam`` (the course's settings).

    python scripts/make_figures.py docs/images
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from portable_dnn.cli import main as portable_dnn


def run(arguments: list[str], out: Path, pictures: dict[str, str]) -> None:
    """``portable-dnn train ARGUMENTS`` into a scratch folder; its ``pictures`` copied to ``out`` under
    their new names."""
    with tempfile.TemporaryDirectory() as scratch:
        if portable_dnn(["train", *arguments, "--out", scratch, "--quiet"]) != 0:
            sys.exit(f"portable-dnn train {' '.join(arguments)} failed")
        for written, name in pictures.items():
            shutil.copyfile(Path(scratch) / written, out / name)
            print(out / name)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")
    out.mkdir(parents=True, exist_ok=True)
    run([], out, {"cost_curve.png": "cost_curve.png", "misclassified.png": "misclassified.png"})
    for optimizer in ("gd", "momentum", "adam"):
        names = {"decision_boundary.png": f"moons_{optimizer}_boundary.png",
                 "cost_curve.png": f"moons_{optimizer}_cost.png"}
        run(["--data", "moons", "--optimizer", optimizer], out, names)


if __name__ == "__main__":
    main()
