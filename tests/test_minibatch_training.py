"""The training path with mini-batches, momentum, Adam, L2, dropout and learning-rate decay equals
the course's step-by-step functions composed by hand, on the backend under test."""

from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import array_namespace, is_dask_array
from array_api_compat import device as array_device

import portable_dnn as dnn
from portable_dnn._engine.kernels import kernels
from portable_dnn.optimizers import OptimizerState


def blobs(m=50, classes=2, seed=0):
    """Three features, ``classes`` Gaussian blobs; labels (m,) of class indices."""
    rng = np.random.RandomState(seed)
    labels = np.arange(m) % classes
    X = rng.randn(3, m) * 0.7 + np.array([[1.0], [-1.0], [0.5]]) * (labels - (classes - 1) / 2)
    return X, labels


def step_by_step(X, Y, parameters, *, optimizer="gd", learning_rate, epochs, mini_batch_size=None, seed=0,
                 lambd=0.0, keep_prob=1.0, beta=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8, decay_rate=0.0,
                 time_interval=None, hidden_activation="relu", shuffle=None, epsilon_hat=False, nesterov=True,
                 learning_rate_schedule="constant", power_t=0.5):
    """The course's model: each epoch its mini-batches (seed + epoch + 1), forward, cost, backward,
    update; the learning rate decayed after each epoch. Costs: each epoch's example-weighted mean.
    (Dask computes the parameters after each step, as the training path does: its graphs would
    otherwise grow with every step.) With a ``shuffle`` generator, each epoch's batches are cut
    from the last epoch's order reordered by ``shuffle.permutation(m)``; with ``epsilon_hat``, Adam's
    epsilon is divided by the second moment's bias correction ``sqrt(1 - beta2**t)``; with
    ``shuffle=False``, the batches in the examples' own order. ``"sgd"`` is scikit-learn's SGD;
    ``"invscaling"`` sets each epoch's rate from the examples trained on before it (not Adam's)."""
    xp = array_namespace(X)
    settle = kernels(xp).settle
    v, s = dnn.initialize_adam(parameters)
    t, costs, rate = 0, [], learning_rate
    m = X.shape[1]
    order = np.arange(m)
    for epoch in range(epochs):
        if shuffle is False:
            batches = [(X[:, i:min(i + mini_batch_size, m)], Y[..., i:min(i + mini_batch_size, m)])
                       for i in range(0, m, mini_batch_size)]
        elif shuffle is not None:
            order = order[shuffle.permutation(m)]
            indices = xp.asarray(order, device=array_device(X))
            Xs, Ys = xp.take(X, indices, axis=1), xp.take(Y, indices, axis=Y.ndim - 1)
            batches = [(Xs[:, i:min(i + mini_batch_size, m)], Ys[..., i:min(i + mini_batch_size, m)])
                       for i in range(0, m, mini_batch_size)]
        else:
            batches = [(X, Y)] if mini_batch_size is None else dnn.random_mini_batches(X, Y, mini_batch_size,
                                                                                       seed + epoch + 1)
        total = 0.0
        for Xb, Yb in batches:
            AL, caches = dnn.L_model_forward(Xb, parameters, hidden_activation=hidden_activation,
                                             keep_prob=keep_prob, seed=seed)
            total = total + dnn.compute_cost_with_regularization(AL, Yb, parameters, lambd) * Xb.shape[1]
            grads = dnn.L_model_backward(AL, Yb, caches, hidden_activation=hidden_activation, lambd=lambd,
                                         keep_prob=keep_prob)
            if optimizer == "gd":
                parameters = dnn.update_parameters_with_gd(parameters, grads, rate)
            elif optimizer == "momentum":
                parameters, v = dnn.update_parameters_with_momentum(parameters, grads, v, beta, rate)
            elif optimizer == "sgd":
                parameters, v = dnn.update_parameters_with_sgd(parameters, grads, v, beta, rate, nesterov)
            else:
                t += 1
                eps = epsilon / np.sqrt(1.0 - beta2**t) if epsilon_hat else epsilon
                parameters, v, s, _, _ = dnn.update_parameters_with_adam(parameters, grads, v, s, t, rate, beta1,
                                                                         beta2, eps)
            parameters, v, s = settle(parameters), settle(v), settle(s)
        costs.append(float(total) / m)
        if decay_rate:
            rate = (dnn.update_lr(learning_rate, epoch, decay_rate) if time_interval is None
                    else dnn.schedule_lr_decay(learning_rate, epoch, decay_rate, time_interval))
        if learning_rate_schedule == "invscaling" and optimizer != "adam":
            rate = learning_rate / ((epoch + 1) * m + 1) ** power_t
    return parameters, costs


def close(dtype):
    return {"rtol": 1e-8, "atol": 1e-11} if dtype == "float64" else {"rtol": 2e-4, "atol": 2e-5}


CASES = {
    "gd, batches of 16": {"optimizer": "gd", "learning_rate": 0.3, "mini_batch_size": 16},
    "momentum, batches of 16": {"optimizer": "momentum", "learning_rate": 0.2, "mini_batch_size": 16,
                                "beta": 0.8},
    "adam, batches of 7": {"optimizer": "adam", "learning_rate": 0.02, "mini_batch_size": 7, "beta1": 0.85,
                           "beta2": 0.99, "epsilon": 1e-7},
    "adam, full batch, L2": {"optimizer": "adam", "learning_rate": 0.05, "lambd": 0.4},
    "gd, batches of 10, L2, decay": {"optimizer": "gd", "learning_rate": 0.5, "mini_batch_size": 10,
                                     "lambd": 0.7, "decay_rate": 0.5},
    "momentum, L2, scheduled decay": {"optimizer": "momentum", "learning_rate": 0.4, "mini_batch_size": 20,
                                      "lambd": 0.2, "decay_rate": 1.0, "time_interval": 2},
    "adam, tanh, batches of 64 (one batch)": {"optimizer": "adam", "learning_rate": 0.01, "mini_batch_size": 64,
                                              "hidden_activation": "tanh"},
    # scikit-learn's order (from a generator seeded 7) and epsilon: what the estimators train with.
    "adam, reshuffled, epsilon-hat, batches of 16": {"optimizer": "adam", "learning_rate": 0.02,
                                                     "mini_batch_size": 16, "epsilon": 1e-3, "epsilon_hat": True,
                                                     "shuffle": 7},
    "gd, reshuffled, L2, batches of 12": {"optimizer": "gd", "learning_rate": 0.3, "mini_batch_size": 12,
                                          "lambd": 0.3, "shuffle": 7},
    # scikit-learn's SGD and schedules, in scikit-learn's order or in the examples' own.
    "sgd, Nesterov, reshuffled, L2, batches of 16": {"optimizer": "sgd", "learning_rate": 0.1, "beta": 0.8,
                                                     "mini_batch_size": 16, "lambd": 0.2, "shuffle": 7},
    "sgd, plain momentum, in order, invscaling": {"optimizer": "sgd", "nesterov": False, "learning_rate": 0.3,
                                                  "mini_batch_size": 12, "shuffle": False,
                                                  "learning_rate_schedule": "invscaling", "power_t": 0.4},
    "sgd, identity hidden layers (a linear network)": {"optimizer": "sgd", "learning_rate": 0.05,
                                                       "mini_batch_size": 16, "hidden_activation": "identity"},
    "momentum, invscaling, batches of 16": {"optimizer": "momentum", "learning_rate": 0.3, "mini_batch_size": 16,
                                            "learning_rate_schedule": "invscaling"},
    "adam, in order, invscaling (not Adam's)": {"optimizer": "adam", "learning_rate": 0.02, "mini_batch_size": 16,
                                                "shuffle": False, "learning_rate_schedule": "invscaling"},
}


def order(shuffle):
    """``train``'s ``shuffle`` for a case's: None, False, or a new generator from its seed."""
    return shuffle if shuffle is None or shuffle is False else np.random.RandomState(shuffle)


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_training_equals_the_step_by_step_functions(case, classes, dtype, make, check, backend_kwargs):
    host_X, labels = blobs(50, classes)
    X, Y = make(host_X, dtype), make(labels if classes > 2 else labels.reshape(1, -1), "int64")
    units = 1 if classes == 2 else classes
    start = dnn.initialize_parameters_deep([3, 6, 4, units], seed=2, init="he", dtype=dtype, **backend_kwargs)
    settings = dict(CASES[case], seed=5)
    shuffle = settings.pop("shuffle", None)  # a generator for each run, from the same seed
    if shuffle is not None and is_dask_array(X):  # streamed block by block, in the stream's own order
        with pytest.raises(ValueError, match="shuffle: a generator orders examples in memory; a Dask stream"):
            dnn.train(X, Y, start, num_epochs=1, **settings, shuffle=order(shuffle))
        return
    expected, expected_costs = step_by_step(X, Y, start, epochs=4, **settings, shuffle=order(shuffle))
    trained, costs = dnn.train(X, Y, start, num_epochs=4, record_every=1, **settings, shuffle=order(shuffle))
    for key in expected:
        check(trained[key], dnn.to_numpy(expected[key]), dtype=dtype, **close(dtype))
    np.testing.assert_allclose(costs, expected_costs, **close(dtype))
    again = dnn.initialize_parameters_deep([3, 6, 4, units], seed=2, init="he", dtype=dtype, **backend_kwargs)
    for key in start:  # the caller's parameters are untouched
        np.testing.assert_array_equal(dnn.to_numpy(start[key]), dnn.to_numpy(again[key]))


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("hidden_activation", ["relu", "tanh", "sigmoid", "identity"])
def test_one_dropout_step_equals_the_step_by_step_functions(optimizer, classes, hidden_activation, make, check,
                                                            backend_kwargs, float_dtypes):
    """The first step draws the masks L_model_forward draws with the same seed (layer 1 first).
    With tanh and sigmoid the derivative must come from the kept units' own outputs, not the
    scaled ones (ReLU's mask is the same either way)."""
    dtype = float_dtypes[-1]
    host_X, labels = blobs(40, classes, seed=1)
    X, Y = make(host_X, dtype), make(labels, "int64")
    units = 1 if classes == 2 else classes
    start = dnn.initialize_parameters_deep([3, 8, 6, units], seed=1, init="he", dtype=dtype, **backend_kwargs)
    settings = {"optimizer": optimizer, "learning_rate": 0.1, "keep_prob": 0.7, "lambd": 0.3, "seed": 9,
                "hidden_activation": hidden_activation}
    expected, expected_costs = step_by_step(X, Y, start, epochs=1, **settings)
    trained, costs = dnn.train(X, Y, start, num_epochs=1, **settings)
    for key in expected:
        check(trained[key], dnn.to_numpy(expected[key]), dtype=dtype, **close(dtype))
    np.testing.assert_allclose(costs, expected_costs, **close(dtype))


def test_dropout_training_is_reproducible_and_drops(make, backend_kwargs, float_dtypes):
    dtype = float_dtypes[-1]
    host_X, labels = blobs(60, 2, seed=2)
    X, Y = make(host_X, dtype), make(labels, "int64")
    start = dnn.initialize_parameters_deep([3, 8, 1], seed=1, init="he", dtype=dtype, **backend_kwargs)
    settings = {"optimizer": "adam", "learning_rate": 0.01, "mini_batch_size": 16, "num_epochs": 3}
    first, _ = dnn.train(X, Y, start, keep_prob=0.5, seed=4, **settings)
    second, _ = dnn.train(X, Y, start, keep_prob=0.5, seed=4, **settings)
    other, _ = dnn.train(X, Y, start, keep_prob=0.5, seed=6, **settings)
    plain, _ = dnn.train(X, Y, start, seed=4, **settings)
    np.testing.assert_array_equal(dnn.to_numpy(first["W1"]), dnn.to_numpy(second["W1"]))
    assert not np.allclose(dnn.to_numpy(first["W1"]), dnn.to_numpy(other["W1"]))
    assert not np.allclose(dnn.to_numpy(first["W1"]), dnn.to_numpy(plain["W1"]))


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_training_continues_from_its_state(optimizer, make, check, backend_kwargs, float_dtypes):
    """Two calls of two epochs with one OptimizerState equal one call of four (the averages, Adam's
    step count, the shuffling seeds and the decayed learning rate all carry over)."""
    dtype = float_dtypes[-1]
    host_X, labels = blobs(45, 3, seed=3)
    X, Y = make(host_X, dtype), make(labels, "int64")
    start = dnn.initialize_parameters_deep([3, 5, 3], seed=1, init="he", dtype=dtype, **backend_kwargs)
    settings = {"optimizer": optimizer, "learning_rate": 0.05, "mini_batch_size": 8, "decay_rate": 0.3,
                "record_every": 1}
    whole, whole_costs = dnn.train(X, Y, start, num_epochs=4, **settings)
    state = OptimizerState()
    half, first_costs = dnn.train(X, Y, start, num_epochs=2, state=state, **settings)
    assert state.epochs == 2 and (state.t == 2 * 6 if optimizer == "adam" else state.t == 0)
    rest, second_costs = dnn.train(X, Y, half, num_epochs=2, state=state, **settings)
    for key in whole:
        check(rest[key], dnn.to_numpy(whole[key]), dtype=dtype, **close(dtype))
    np.testing.assert_allclose(first_costs + second_costs, whole_costs, **close(dtype))


def test_full_batch_gradient_descent_is_unchanged(make, backend_kwargs):
    """Without mini-batches, dropout or L2, one epoch is the course's iteration: num_epochs and
    num_iterations give the same numbers, bit for bit."""
    host_X, labels = blobs(30, 2)
    X, Y = make(host_X), make(labels, "int64")
    start = dnn.initialize_parameters_deep([3, 4, 1], seed=1, **backend_kwargs)
    by_epochs, costs_e = dnn.train(X, Y, start, learning_rate=0.1, num_epochs=201)
    by_iterations, costs_i = dnn.train(X, Y, start, learning_rate=0.1, num_iterations=201)
    assert costs_e == costs_i and len(costs_e) == 3
    for key in by_epochs:
        np.testing.assert_array_equal(dnn.to_numpy(by_epochs[key]), dnn.to_numpy(by_iterations[key]))


@pytest.mark.parametrize(("settings", "error", "message"), [
    ({"optimizer": "nag"}, ValueError,
     r"optimizer: expected one of \['gd', 'momentum', 'adam', 'sgd', 'lbfgs'\], got 'nag'"),
    ({"mini_batch_size": 0}, ValueError, "mini_batch_size: expected an integer >= 1, got 0"),
    ({"mini_batch_size": 2.5}, TypeError, "mini_batch_size"),
    ({"keep_prob": 0.0}, ValueError, r"keep_prob: expected a number in \(0, 1\]"),
    ({"lambd": -0.1}, ValueError, "lambd: expected a non-negative finite number"),
    ({"beta1": 1.0}, ValueError, r"beta1: expected a number in \[0, 1\)"),
    ({"beta": -0.1}, ValueError, "beta: expected"),
    ({"epsilon": 0}, ValueError, "epsilon"),
    ({"decay_rate": -1}, ValueError, "decay_rate"),
    ({"time_interval": 0}, ValueError, "time_interval"),
    ({"seed": -1}, ValueError, "seed"),
    ({"num_iterations": 3}, TypeError, "one of them"),
    ({"num_epochs": None}, TypeError, "one of them"),
    ({"state": {}}, TypeError, "state: expected an OptimizerState"),
    ({"shuffle": 7}, TypeError, "shuffle: expected None, False or a numpy.random.RandomState, got int"),
    ({"epsilon_hat": "yes"}, TypeError, "epsilon_hat: expected True or False, got 'yes'"),
    ({"nesterov": 1}, TypeError, "nesterov: expected True or False, got 1"),
    ({"learning_rate_schedule": "optimal"}, ValueError,
     r"learning_rate_schedule: expected one of \['constant', 'invscaling', 'adaptive'\], got 'optimal'"),
    ({"power_t": -0.5}, ValueError, "power_t: expected a non-negative finite number, got -0.5"),
    ({"decay_rate": 1.0, "learning_rate_schedule": "invscaling"}, ValueError,
     "decay_rate=1.0 and learning_rate_schedule='invscaling': both change the learning rate; choose one"),
])
def test_training_settings_are_checked(settings, error, message, make, backend_kwargs):
    X, labels = blobs(10)
    start = dnn.initialize_parameters_deep([3, 2, 1], **backend_kwargs)
    arguments = {"learning_rate": 0.1, "num_epochs": 2, **settings}
    with pytest.raises(error, match=message):
        dnn.train(make(X), make(labels, "int64"), start, **arguments)


def test_stopping_on_validation_accuracy_returns_the_best_epochs_parameters(make, backend_kwargs, float_dtypes):
    """With a tol no epoch can meet, training stops after the first epoch and n_iter_no_change + 1
    more; the parameters returned are those after the epoch of the best validation accuracy (the
    first of equals), which a run of just that many epochs reproduces."""
    dtype = float_dtypes[-1]
    host_X, labels = blobs(80, 3, seed=5)
    X, Y = make(host_X[:, :60], dtype), make(labels[:60], "int64")
    validation = (make(host_X[:, 60:], dtype), make(labels[60:], "int64"))
    start = dnn.initialize_parameters_deep([3, 6, 3], seed=3, init="he", dtype=dtype, **backend_kwargs)
    settings = {"optimizer": "momentum", "learning_rate": 2.0, "mini_batch_size": 10, "seed": 1}
    scores = []
    best, _ = dnn.train(X, Y, start, num_epochs=50, n_iter_no_change=4, tol=1.0, validation_data=validation,
                        on_score=lambda epoch, score: scores.append(score), **settings)
    assert len(scores) == 6
    epoch = scores.index(max(scores))
    assert epoch < 5, scores  # the data makes the best epoch an earlier one
    expected, _ = dnn.train(X, Y, start, num_epochs=epoch + 1, **settings)
    for key in expected:
        np.testing.assert_array_equal(dnn.to_numpy(best[key]), dnn.to_numpy(expected[key]))


def test_early_stopping_ties_keep_the_first_best_and_do_not_reset_the_count(make, backend_kwargs, float_dtypes,
                                                                           monkeypatch):
    """Scripted validation scores with tol=0: the epoch that first reaches the best is the one
    kept, and later epochs that only equal it count towards n_iter_no_change (2 here), so
    training stops at the fifth epoch, before the better sixth."""
    from portable_dnn._engine.stopping import EarlyStopping

    script = iter([0.5, 0.7, 0.7, 0.7, 0.6, 0.9, 0.9, 0.9])
    monkeypatch.setattr(EarlyStopping, "accuracy", lambda self, parameters: next(script))
    dtype = float_dtypes[-1]
    host_X, labels = blobs(40, 2, seed=3)
    X, Y = make(host_X, dtype), make(labels, "int64")
    validation = (make(host_X[:, :10], dtype), make(labels[:10], "int64"))
    start = dnn.initialize_parameters_deep([3, 4, 1], seed=3, init="he", dtype=dtype, **backend_kwargs)
    settings = {"optimizer": "adam", "learning_rate": 0.05, "mini_batch_size": 8, "seed": 1}
    scores = []
    best, _ = dnn.train(X, Y, start, num_epochs=8, n_iter_no_change=2, tol=0.0, validation_data=validation,
                        on_score=lambda epoch, score: scores.append(score), **settings)
    assert scores == [0.5, 0.7, 0.7, 0.7, 0.6]
    expected, _ = dnn.train(X, Y, start, num_epochs=2, **settings)
    for key in expected:
        np.testing.assert_array_equal(dnn.to_numpy(best[key]), dnn.to_numpy(expected[key]))


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_compiled_and_eager_steps_agree(optimizer, xp, make, backend_kwargs, float_dtypes):
    """Where the library compiles the step (``jax.jit``), the compiled step gives the eager one's
    numbers; elsewhere compiling is the identity."""
    from portable_dnn._engine.kernels import kernels
    from portable_dnn._engine.settings import Settings
    from portable_dnn._engine.trainer import Trainer

    dtype = float_dtypes[-1]
    host_X, labels = blobs(50, 3, seed=6)
    X, Y = make(host_X, dtype), dnn.one_hot(make(labels, "int64"), 3, dtype=getattr(xp, dtype))
    start = dnn.initialize_parameters_deep([3, 6, 3], seed=2, init="he", dtype=dtype, **backend_kwargs)
    settings = Settings(learning_rate=0.05, optimizer=optimizer, mini_batch_size=16, lambd=0.1)
    compiled, eager = Trainer(xp, X, Y, start, 2, settings), Trainer(xp, X, Y, start, 2, settings, compile=False)
    for record in (True, False):
        costs = [trainer.run_epoch(record) for trainer in (compiled, eager)]
        if record:
            np.testing.assert_allclose(float(costs[0]), float(costs[1]), **close(dtype))
    for key in start:
        np.testing.assert_allclose(dnn.to_numpy(compiled.parameters[key]), dnn.to_numpy(eager.parameters[key]),
                                   **close(dtype))
    ops = kernels(xp)
    assert (ops.compile(len) is len) == ("jax" not in xp.__name__)


def test_later_runs_reuse_the_compiled_step(xp, make, backend_kwargs, float_dtypes):
    """A second run with the same settings (``partial_fit``'s next epoch), or other numbers (a
    search over learning rates), takes the first run's step, so JAX compiles it once (per batch
    size); in-place backends step through their own buffers instead."""
    from portable_dnn._engine.settings import Settings
    from portable_dnn._engine.trainer import Trainer

    dtype = float_dtypes[-1]
    host_X, labels = blobs(20, 3, seed=6)
    X, Y = make(host_X, dtype), dnn.one_hot(make(labels, "int64"), 3, dtype=getattr(xp, dtype))
    start = dnn.initialize_parameters_deep([3, 4, 3], seed=2, dtype=dtype, **backend_kwargs)
    settings = Settings(learning_rate=0.05, optimizer="adam", mini_batch_size=8)
    first, second = Trainer(xp, X, Y, start, 2, settings), Trainer(xp, X, Y, start, 2, settings)
    if first.in_place:
        assert first._workspace(8).X is not second._workspace(8).X
    else:
        assert second._compiled is first._compiled
        rate = Trainer(xp, X, Y, start, 2, Settings(learning_rate=0.5, optimizer="adam", mini_batch_size=4, seed=3,
                                                    epsilon=1e-6, decay_rate=0.1))
        assert rate._compiled is first._compiled  # numbers entering the program, or acting outside it
        other = Trainer(xp, X, Y, start, 2, Settings(learning_rate=0.05, optimizer="momentum", mini_batch_size=8))
        assert other._compiled is not first._compiled


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_steady_state_steps_allocate_no_arrays(optimizer, xp):
    """Once its buffers exist, an epoch of mini-batch steps (L2 and its recorded cost included)
    allocates less than one hidden activation in all: batches, activations, gradients and the
    optimiser's temporaries reuse buffers (NumPy's own ufunc buffer, 8192 values, aside)."""
    import tracemalloc

    from portable_dnn._backend import backend_name
    from portable_dnn._engine.settings import Settings
    from portable_dnn._engine.trainer import Trainer

    if backend_name(xp) != "numpy":
        pytest.skip("tracemalloc sees NumPy's allocations only")
    X, Y = np.random.RandomState(7).randn(300, 512), dnn.one_hot(np.arange(512) % 3, 3)
    start = dnn.initialize_parameters_deep([300, 128, 3], seed=2, init="he")
    trainer = Trainer(np, X, Y, start, 2, Settings(learning_rate=0.01, optimizer=optimizer, mini_batch_size=128,
                                                   lambd=0.1))
    trainer.run_epoch(record=True)
    tracemalloc.start()
    try:
        trainer.run_epoch(record=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 128 * 128 * 8, peak  # one (128, 128) float64 hidden activation


@pytest.mark.parametrize("copy_X", [True, False])
def test_every_layout_of_X_trains_alike(copy_X, xp, make, backend_kwargs, float_dtypes):
    """The course's C-ordered (n0, m) columns, and the transpose of row-major samples, give the same
    training; with copy_X the mini-batches are gathered from an example-contiguous copy (one made
    where X is C-ordered, none where it is already example-contiguous), without it from X itself."""
    from portable_dnn._engine.kernels import kernels
    from portable_dnn._engine.settings import Settings
    from portable_dnn._engine.trainer import Trainer

    dtype = float_dtypes[-1]
    host_X, labels = blobs(45, 3, seed=8)
    columns = make(np.ascontiguousarray(host_X), dtype)
    rows_transposed = xp.asarray(make(np.ascontiguousarray(host_X.T), dtype)).T
    Y = make(labels, "int64")
    start = dnn.initialize_parameters_deep([3, 5, 3], seed=4, init="he", dtype=dtype, **backend_kwargs)
    settings = {"optimizer": "adam", "learning_rate": 0.02, "mini_batch_size": 8, "num_epochs": 3}
    expected, _ = dnn.train(rows_transposed, Y, start, **settings)
    got, _ = dnn.train(columns, Y, start, copy_X=copy_X, **settings)
    for key in expected:
        np.testing.assert_allclose(dnn.to_numpy(got[key]), dnn.to_numpy(expected[key]), **close(dtype))
    ops = kernels(xp)
    if ops.reuses_buffers:  # libraries with layouts: the copy is made only where needed, only if asked
        targets = dnn.one_hot(Y, 3, dtype=columns.dtype)
        trainer = Trainer(xp, columns, targets, start, 2, Settings(learning_rate=0.1, mini_batch_size=8),
                          copy_X=copy_X)
        assert (trainer.X is columns) != copy_X
        assert ops.batch_source(rows_transposed) is rows_transposed
        np.testing.assert_array_equal(dnn.to_numpy(trainer.X), host_X)
