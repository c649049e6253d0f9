"""``train``, the course-style entry to the training engine: (mini-batch) gradient descent,
momentum or Adam, with L2, dropout and learning-rate decay, fused and free of host syncs.

Each step computes what the step-by-step functions compute (see :mod:`._engine.step`). Host syncs:
one for the checks of the labels and one for the finite check of ``X`` and the parameters
where training starts, one per recorded cost, and one for the finite check of the final
parameters; none per step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._backend import Array, on_the_arrays_device
from ._engine.inputs import check_finite
from ._engine.plan import Callbacks, Plan
from ._engine.run import run
from ._engine.settings import Settings, check_epochs
from ._engine.stopping import CostCallback, IterationCallback
from ._engine.trainer import TrainingDivergedError
from ._parameters import check_parameters
from .optimizers import OptimizerState

__all__ = ["TrainingDivergedError", "train"]


@on_the_arrays_device  # CuPy: on X's device, whichever is current
def train(
    X: Array,
    Y: Array,
    parameters: Mapping[str, Array],
    *,
    learning_rate: float | None = None,
    num_iterations: int | None = None,
    num_epochs: int | None = None,
    record_every: int = 100,
    hidden_activation: str = "relu",
    optimizer: str = "gd",
    mini_batch_size: int | None = None,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    decay_rate: float = 0.0,
    time_interval: int | None = None,
    seed: int = 0,
    state: OptimizerState | None = None,
    n_iter_no_change: int | None = None,
    tol: float = 1e-4,
    validation_data: tuple[Array, Array] | None = None,
    on_iteration: IterationCallback | None = None,
    on_cost: CostCallback | None = None,
    on_score: CostCallback | None = None,
    on_stop: IterationCallback | None = None,
    copy_X: bool = True,
    loss: str = "cross_entropy",
    sample_weight: Array | None = None,
    shuffle: Any = None,
    epsilon_hat: bool = False,
    nesterov: bool = True,
    learning_rate_schedule: str = "constant",
    power_t: float = 0.5,
    max_fun: int = 15000,
) -> tuple[dict[str, Array], list[float]]:
    """Train a network from ``parameters``: the fused training path.

    Each step computes what :func:`random_mini_batches`, :func:`L_model_forward`,
    :func:`L_model_backward` and ``update_parameters_with_*`` compute, to float rounding, with no
    host sync per step (see the user guide's "Training" page).

    Parameters
    ----------
    X : array (n0, m)
        One column per example.
    Y : array
        On the parameters' namespace and device. For one output unit (sigmoid), 0/1 labels (1, m)
        or (m,); for C >= 2 units (softmax), one-hot (C, m) or class indices (m,) or (1, m); for
        ``loss="squared_error"``, real targets (k, m), or (m,) for one output.
    parameters : dict
        The starting ``W1, b1, ..., WL, bL`` (never modified).
    learning_rate : float
        The step size (required, except for ``"lbfgs"``, which has none).
    num_epochs, num_iterations : int
        Passes over the data (the same count: with full batches an epoch is an iteration; give
        one of the two).
    record_every : int, default 100
        Record the cost of epochs 0, ``record_every``, ... (the course's ``costs``).
    hidden_activation : str, default "relu"
        The hidden layers' activation.
    optimizer : {"gd", "momentum", "adam", "sgd"}, default "gd"
        As the course's ``update_parameters_with_*`` (``beta``; ``beta1``, ``beta2``, ``epsilon``);
        ``"sgd"`` is scikit-learn's SGD (:func:`update_parameters_with_sgd`: momentum ``beta``, whose
        velocity sums the gradients, with ``nesterov``). ``"lbfgs"``: SciPy's L-BFGS-B without bounds,
        as scikit-learn's ``solver="lbfgs"`` (full batch; each iteration an epoch; it stops once
        the gradient's largest entry is at most ``tol``, the cost falls by less than ``factr * eps``
        relative, or more than ``max_fun`` evaluations were made; ``ConvergenceWarning`` where it
        did not converge).
    mini_batch_size : int or None, default None
        ``None``: full batches; else the course's :func:`random_mini_batches` each epoch, with seed
        ``seed + epoch + 1``.
    beta, beta1, beta2, epsilon : float
        Momentum's and Adam's constants.
    lambd : float, default 0.0
        L2 strength.
    keep_prob : float, default 1.0
        Dropout of the hidden layers (masks from a generator seeded with ``seed`` on X's device).
    decay_rate : float, default 0.0
        Learning-rate decay after each epoch by :func:`update_lr`, or every ``time_interval``
        epochs by :func:`schedule_lr_decay`.
    time_interval : int or None, default None
        See ``decay_rate``.
    seed : int, default 0
        Seeds the mini-batches and dropout.
    state : OptimizerState or None
        Continue from it (momentum's and Adam's averages, Adam's step count, the epochs done);
        updated in place.
    n_iter_no_change : int, math.inf or None, default None
        Stop early: without ``validation_data``, when the training cost has not fallen by ``tol``
        below its best for more than this many epochs in a row; with it, when the validation
        accuracy (R² for the squared error) has not risen by ``tol`` above its best for as long,
        returning the parameters of the best (``math.inf``: never stops, but returns those
        parameters all the same). ``None``: never. Costs one host sync per epoch.
    tol : float, default 1e-4
        The improvement that counts (strictly: with 0, an equal score is none); for ``"lbfgs"``, the
        gradient's largest entry at which it has converged (SciPy's ``pgtol``).
    validation_data : tuple, optional
        ``(X_val, Y_val)`` or ``(X_val, Y_val, sample_weight_val)`` (then the score is weighted).
    on_iteration, on_cost, on_score, on_stop : callable, optional
        ``on_iteration(epoch)`` after each epoch; ``on_cost(epoch, cost)`` for the recorded epochs
        and the last one; ``on_score(epoch, score)`` for each validation score;
        ``on_stop(epoch)`` with the epoch after which the stopping rule ended training.
    copy_X : bool, default True
        With mini-batches, an X whose examples are not each contiguous in memory (the course's
        C-ordered (n0, m) columns) is copied once into an example-contiguous layout (X's size
        again), so that each batch is gathered as whole rows; X as the transpose of row-major
        samples (what :class:`DeepNeuralNetwork` passes) needs no copy. ``False``: no copy
        (slower batches). JAX always gathers from a row-major copy.
    loss : {"cross_entropy", "binary_cross_entropy", "squared_error", "poisson"}, default "cross_entropy"
        The cost (:func:`compute_cost`); ``"squared_error"`` trains a regression network with an
        identity output layer, ``"poisson"`` one with an exponential output layer (a log link) on
        half the Poisson deviance (non-negative targets).
    sample_weight : array (m,), optional
        Non-negative weights of the examples, on the host or the data's backend (copied to the
        host once: one host sync). Each step then descends its batch's weighted mean cost
        ``sum_i w_i cost_i / sum_i w_i``, the L2 term over the batch's total weight (scikit-learn's;
        integer weights train as repeated examples would in full batches); the recorded costs are
        weighted likewise.
    shuffle : numpy.random.RandomState, False or None, default None
        Where the mini-batches' order comes from. None: the course's :func:`random_mini_batches`
        with seed ``seed + epoch + 1`` each epoch. A generator: scikit-learn's MLP order, each
        epoch reordering the last one's by ``shuffle.permutation(m)`` (advancing the generator);
        :class:`DeepNeuralNetwork` passes the one its initial weights were drawn from, as
        ``MLPClassifier`` does. False: the examples in their own order every epoch (scikit-learn's
        ``shuffle=False``). Not for a Dask stream, whose blocks are ordered by ``seed``.
    epsilon_hat : bool, default False
        Adam: ``epsilon`` is Kingma and Ba's epsilon-hat, added to the square root of the second
        moment before its bias correction (scikit-learn's and Keras's Adam), instead of the
        course's, added after it.
    nesterov : bool, default True
        ``"sgd"``: Nesterov's momentum (scikit-learn's ``nesterovs_momentum``).
    learning_rate_schedule : {"constant", "invscaling", "adaptive"}, default "constant"
        scikit-learn's schedules, for every optimiser but Adam (whose rate stays ``learning_rate``,
        as scikit-learn's Adam): ``"invscaling"`` sets each epoch's rate to ``learning_rate /
        (t + 1) ** power_t``, t the examples trained on before it; ``"adaptive"`` keeps
        ``learning_rate`` until the stopping rule (``n_iter_no_change``) would end training, then
        divides it by 5 and goes on, ending training once it is at most 1e-6. Not with
        ``decay_rate``.
    power_t : float, default 0.5
        ``"invscaling"``'s exponent.
    max_fun : int, default 15000
        ``"lbfgs"``: the evaluations of the cost after which it stops (checked after each iteration).

    Returns
    -------
    parameters : dict
        The trained parameters (new arrays).
    costs : list of float
        The recorded costs (with ``lambd``, the regularised cost).

    Raises
    ------
    TrainingDivergedError
        A computed cost, or the final parameters, are not finite; it carries the last finite
        parameters and the costs recorded until then.
    TypeError, ValueError
        Bad settings or inputs, each naming the argument.
    """
    xp, L = check_parameters(parameters, X=X)
    if learning_rate is None and optimizer == "lbfgs":
        learning_rate = 1.0  # L-BFGS's steps come from its line search
    settings = Settings(
        learning_rate=learning_rate,  # type: ignore[arg-type]  # None: refused by Settings
        hidden_activation=hidden_activation, optimizer=optimizer,
        mini_batch_size=mini_batch_size, beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon, lambd=lambd,
        keep_prob=keep_prob, decay_rate=decay_rate, time_interval=time_interval, seed=seed, loss=loss,
        epsilon_hat=epsilon_hat, weighted=sample_weight is not None, nesterov=nesterov,
        schedule=learning_rate_schedule, power_t=power_t,
    )
    plan = Plan(check_epochs(num_iterations, num_epochs), record_every, state, shuffle, n_iter_no_change, tol, copy_X,
                Callbacks(on_iteration, on_cost, on_score, on_stop), max_fun=max_fun)
    check_finite(xp, **{f"parameters[{key!r}]": value for key, value in parameters.items()})
    return run(xp, X, Y, parameters, L, settings, plan, validation_data, sample_weight)
