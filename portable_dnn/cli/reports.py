"""The command line's report lines: the course's cost lines and the files written (standard output),
and its warnings about a run's result, one line each on standard error: training that did not
learn (a classifier), a regression that predicts worse than the mean, and a ``ConvergenceWarning``
in the command line's words."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def cost_line(unit: str, epoch: int, cost: float) -> str:
    """The course's line for a recorded cost: ``Cost after epoch 100: 0.52...``."""
    return f"Cost after {unit} {epoch}: {cost}"


def wrote(paths: Sequence[Path]) -> None:
    """``Wrote`` and the files a run wrote."""
    print(f"Wrote {', '.join(map(str, paths))}")


def warn(message: str) -> None:
    """``portable-dnn: warning: message`` on standard error."""
    print(f"portable-dnn: warning: {message}", file=sys.stderr)


def warn_if_not_learning(recorded: list[tuple[int, float]], accuracy: float, classes: int,
                         learning_rate: float) -> None:
    """A warning when training ended with a cost above its first one, or with the training
    accuracy no better than chance (the likely cause: the learning rate)."""
    rose = len(recorded) > 1 and recorded[-1][1] > recorded[0][1]
    if rose or accuracy <= 1.0 / classes + 0.01:
        what = "the cost rose" if rose else f"the training accuracy {accuracy:.3f} is no better than chance"
        warn(f"the network did not learn ({what}); the likely cause is the learning rate: try --learning-rate "
             f"{learning_rate / 10:g}")


def warn_if_worse_than_the_mean(r2: float, *, scaled: bool, ran_out: bool, epochs: int, learning_rate: float) -> None:
    """A warning when a regression's training R² is below 0 (it predicts worse than the target's
    mean), naming the likely cause: unscaled data, too few epochs, or the learning rate."""
    if r2 >= 0.0:
        return
    if not scaled:
        cause = "the data's scale: leave out --no-scale, so that the features and the target are standardised"
    elif ran_out:
        cause = f"too few epochs: --iterations {2 * epochs}"
    else:
        cause = f"the learning rate: try --learning-rate {learning_rate / 10:g}"
    warn(f"the model predicts worse than the mean of the target (training R² {r2:.4f}); the likely cause is {cause}")


def convergence_message(epochs: int) -> str:
    """A ``ConvergenceWarning`` in the command line's words."""
    return (f"{epochs} epochs ran out before training converged (the cost was still falling); train longer: "
            f"--iterations {2 * epochs}")
