"""The course's "Improving deep neural networks" functions, step by step, on the backend under
test: the course's printed values, formulas worked on the host, finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import reference
from array_api_compat import array_namespace
from array_api_compat import device as device_of

import portable_dnn as dnn
from portable_dnn._backend import backend_name

#: Backends whose dropout masks come from the host's legacy stream (the course's np.random.rand).
HOST_STREAM = ("numpy", "array_api_strict", "dask")


def course_three_layer(sizes=((2, 3), (3, 2), (1, 3)), draw_X=True):
    """The course's test-case parameters: ``np.random.seed(1)``, X (3, 5) where ``draw_X``, then
    W1, b1, W2, ... drawn in order."""
    rng = np.random.RandomState(1)
    first = rng.randn(3, 5) if draw_X else None
    parameters = {}
    for l, (rows, cols) in enumerate(sizes, start=1):
        parameters[f"W{l}"] = rng.randn(rows, cols)
        parameters[f"b{l}"] = rng.randn(rows, 1)
    return first, parameters, rng


def placed(make, host, dtype="float64"):
    return {key: make(value, dtype) for key, value in host.items()}


def test_compute_cost_with_regularization_is_the_courses(make, check):
    _, parameters, _ = course_three_layer(draw_X=False)
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    Y = np.array([[1, 1, 0, 1, 0]])
    cost = dnn.compute_cost_with_regularization(make(a3), make(Y), placed(make, parameters), lambd=0.1)
    check(cost, 1.78648594516, atol=1e-10)  # the course prints 1.78648594516
    by_hand = reference.cost(a3, Y) + 0.1 / 10 * sum(np.sum(parameters[f"W{l}"] ** 2) for l in (1, 2, 3))
    check(cost, by_hand, atol=1e-12)
    check(dnn.compute_cost_with_regularization(make(a3), make(Y), placed(make, parameters), 0.0),
          reference.cost(a3, Y), atol=1e-12)


def test_dropout_forward_is_the_courses(xp, make, check):
    X, parameters, _ = course_three_layer()
    A3, caches = dnn.L_model_forward(make(X), placed(make, parameters), keep_prob=0.7, seed=1)
    assert [len(cache) for cache in caches] == [3, 3, 2]  # masks on the hidden layers only
    masks = [caches[0][2], caches[1][2]]
    for l, D in enumerate(masks, start=1):
        check(D, np.isin(dnn.to_numpy(D), (0.0, 1.0)).astype(float) * dnn.to_numpy(D), atol=0)
        Z = dnn.to_numpy(caches[l - 1][1])
        check(caches[l][0][0], np.maximum(Z, 0) * dnn.to_numpy(D) / 0.7, atol=1e-12)  # the next layer's A_prev
    if backend_name(xp) in HOST_STREAM:
        # The course prints A3 = [[0.36974721 0.00305176 0.04565099 0.49683389 0.36974721]]
        check(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]], atol=5e-9)
        expected, _ = reference.forward_with(X, parameters, [dnn.to_numpy(D) for D in masks], 0.7)
        check(A3, expected, atol=1e-12)
    else:  # another library's generator: the masks differ, the arithmetic does not
        expected, _ = reference.forward_with(X, parameters, [dnn.to_numpy(D) for D in masks], 0.7)
        check(A3, expected, atol=1e-12)
    again, _ = dnn.L_model_forward(make(X), placed(make, parameters), keep_prob=0.7, seed=1)
    check(again, dnn.to_numpy(A3), atol=0)  # same seed, same masks


def test_keep_prob_one_changes_nothing(make):
    X, parameters, _ = course_three_layer()
    plain, plain_caches = dnn.L_model_forward(make(X), placed(make, parameters))
    kept, kept_caches = dnn.L_model_forward(make(X), placed(make, parameters), keep_prob=1.0, seed=3)
    assert [len(cache) for cache in kept_caches] == [2, 2, 2]
    np.testing.assert_array_equal(dnn.to_numpy(kept), dnn.to_numpy(plain))
    Y = make(np.array([[1, 0, 1, 1, 0]]))
    a = dnn.L_model_backward(plain, Y, plain_caches)
    b = dnn.L_model_backward(kept, Y, kept_caches, keep_prob=1.0, lambd=0.0)
    for key in a:
        np.testing.assert_array_equal(dnn.to_numpy(b[key]), dnn.to_numpy(a[key]))


def test_dropout_keeps_about_keep_prob_of_the_units(xp, make):
    X = make(np.ones((3, 4000)))
    parameters = placed(make, {"W1": np.eye(3) * 0 + 1.0, "b1": np.ones((3, 1)), "W2": np.ones((1, 3)),
                               "b2": np.zeros((1, 1))})
    _, caches = dnn.L_model_forward(X, parameters, keep_prob=0.8, seed=7)
    kept = float(np.mean(dnn.to_numpy(caches[0][2])))
    assert abs(kept - 0.8) < 0.02
    _, other = dnn.L_model_forward(X, parameters, keep_prob=0.8, seed=8)
    assert not np.array_equal(dnn.to_numpy(other[0][2]), dnn.to_numpy(caches[0][2]))


@pytest.mark.parametrize(("layer_dims", "lambd", "keep_prob"), [
    ([3, 4, 3, 1], 0.7, 1.0), ([3, 4, 3, 1], 0.0, 0.6), ([3, 5, 4, 1], 0.4, 0.7), ([3, 4, 3, 3], 0.3, 0.75),
])
def test_backward_with_l2_and_dropout_matches_finite_differences(layer_dims, lambd, keep_prob, make, check,
                                                                 float_dtypes):
    if "float64" not in float_dtypes:
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")
    rng = np.random.RandomState(sum(layer_dims))
    host = {}
    for l in range(1, len(layer_dims)):
        host[f"W{l}"] = rng.randn(layer_dims[l], layer_dims[l - 1])
        host[f"b{l}"] = rng.randn(layer_dims[l], 1) * 0.1
    m = 6
    X = make(rng.randn(layer_dims[0], m))
    C = layer_dims[-1]
    labels = rng.randint(0, max(C, 2), size=m)
    Y = make(labels if C > 1 else labels.reshape(1, m), "int64" if C > 1 else "float64")

    smooth = {"hidden_activation": "tanh"}  # no kinks for the differences to cross
    AL, caches = dnn.L_model_forward(X, placed(make, host), keep_prob=keep_prob, seed=11, **smooth)
    grads = dnn.L_model_backward(AL, Y, caches, lambd=lambd, keep_prob=keep_prob, **smooth)
    # Hand-worked: the same gradients from the host reference with the cached masks.
    masks = [dnn.to_numpy(cache[2]) for cache in caches[:-1]] if keep_prob < 1 else None
    T = np.eye(C)[:, labels] if C > 1 else labels.reshape(1, m).astype(float)
    output = "softmax" if C > 1 else "sigmoid"
    hostAL, layers = reference.forward_with(dnn.to_numpy(X), host, masks, keep_prob, output, hidden="tanh")
    expected = reference.backward_with(layers, hostAL, T, masks, keep_prob, lambd, hidden="tanh")
    for key in expected:
        check(grads[key], expected[key], atol=1e-10)
    # Centred differences (gradient_check_n, the same seed: the same masks) agree, and flag a broken gradient.
    parameters = placed(make, host)
    settings = {"lambd": lambd, "keep_prob": keep_prob, "seed": 11, **smooth}
    assert dnn.gradient_check_n(parameters, grads, X, Y, **settings) < 1e-7
    broken = dict(grads, dW1=grads["dW1"] * 1.001)
    assert dnn.gradient_check_n(parameters, broken, X, Y, **settings) > 1e-5
    forgot_l2 = dnn.gradient_check_n(parameters, dnn.L_model_backward(AL, Y, caches, keep_prob=keep_prob, **smooth),
                                     X, Y, **settings)
    assert forgot_l2 > 1e-5 or lambd == 0


def test_gradient_check_prints_the_courses_verdict(make, capsys, float_dtypes):
    if "float64" not in float_dtypes:
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")
    X, parameters, rng = course_three_layer(((5, 3), (3, 5), (1, 3)))
    Y = make(np.array([[1, 1, 0]]))
    X = make(rng.randn(3, 3))
    AL, caches = dnn.L_model_forward(X, placed(make, parameters))
    grads = dnn.L_model_backward(AL, Y, caches)
    difference = dnn.gradient_check_n(placed(make, parameters), grads, X, Y, 1e-7, True)
    assert difference < 1e-7
    assert f"Your backward propagation works perfectly fine! difference = {difference}" in capsys.readouterr().out
    grads["db1"] = grads["db1"] + 0.01
    difference = dnn.gradient_check_n(placed(make, parameters), grads, X, Y, print_msg=True)
    assert f"There is a mistake in the backward propagation! difference = {difference}" in capsys.readouterr().out


def test_vectors_round_trip_in_the_courses_order(make, check):
    _, parameters, _ = course_three_layer()
    theta, keys = dnn.dictionary_to_vector(placed(make, parameters))
    expected = np.concatenate([parameters[k].reshape(-1) for k in ("W1", "b1", "W2", "b2", "W3", "b3")])
    check(theta, expected.reshape(-1, 1), atol=0)
    assert keys == ["W1"] * 6 + ["b1"] * 2 + ["W2"] * 6 + ["b2"] * 3 + ["W3"] * 3 + ["b3"]
    back = dnn.vector_to_dictionary(theta, [3, 2, 3, 1])
    for key, value in parameters.items():
        check(back[key], value, atol=0)
    grads = {"d" + key: value for key, value in placed(make, parameters).items()}
    grads["dA1"] = make(np.ones((2, 5)))
    check(dnn.gradients_to_vector(grads), expected.reshape(-1, 1), atol=0)
    with pytest.raises(ValueError, match=r"theta: expected shape \(21, 1\)"):
        dnn.vector_to_dictionary(theta[:-1, :], [3, 2, 3, 1])


def test_gradient_check_refuses_float32_steps(make):
    _, parameters, rng = course_three_layer()
    X, Y = make(rng.randn(3, 4), "float32"), make(np.array([1, 0, 1, 0]), "float32")
    grads = {"d" + k: v for k, v in placed(make, parameters, "float32").items()}
    with pytest.raises(ValueError, match="epsilon: 1e-07 is below the resolution"):
        dnn.gradient_check_n(placed(make, parameters, "float32"), grads, X, Y)
    with pytest.raises(ValueError, match="seed: dropout"):
        dnn.gradient_check_n(placed(make, parameters, "float32"), grads, X, Y, 1e-2, keep_prob=0.5)


# -- optimisers ------------------------------------------------------------------------------


def course_update_case():
    """The course's momentum/Adam test case: W1 (2, 3), b1, W2 (3, 3), b2, then dW1, db1, dW2, db2."""
    rng = np.random.RandomState(1)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 3), "b2": (3, 1)}
    parameters = {key: rng.randn(*shape) for key, shape in shapes.items()}
    grads = {"d" + key: rng.randn(*shape) for key, shape in shapes.items()}
    return parameters, grads


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_momentum_is_the_courses(dtype, make, check):
    host, host_grads = course_update_case()
    parameters, grads = placed(make, host, dtype), placed(make, host_grads, dtype)
    v = dnn.initialize_velocity(parameters)
    for key in host:
        check(v["d" + key], np.zeros(host[key].shape), dtype, atol=0)
    new, new_v = dnn.update_parameters_with_momentum(parameters, grads, v, beta=0.9, learning_rate=0.01)
    atol = 1e-8 if dtype == "float64" else 1e-6
    check(new["W1"], [[1.62544598, -0.61290114, -0.52907334], [-1.07347112, 0.86450677, -2.30085497]], dtype,
          atol=atol)  # as the course prints them
    check(new_v["dW1"], [[-0.11006192, 0.11447237, 0.09015907], [0.05024943, 0.09008559, -0.06837279]], dtype,
          atol=atol)
    check(parameters["W1"], host["W1"], dtype, atol=1e-6)  # the inputs are untouched
    check(v["dW1"], np.zeros((2, 3)), dtype, atol=0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_adam_is_the_courses(dtype, make, check):
    host, host_grads = course_update_case()
    parameters, grads = placed(make, host, dtype), placed(make, host_grads, dtype)
    v, s = dnn.initialize_adam(parameters)
    new, v1, s1, v_hat, s_hat = dnn.update_parameters_with_adam(parameters, grads, v, s, t=2)
    atol = 1e-8 if dtype == "float64" else 1e-6
    check(new["W1"], [[1.63178673, -0.61919778, -0.53561312], [-1.08040999, 0.85796626, -2.29409733]], dtype,
          atol=atol)  # as the course prints them (t = 2, learning_rate 0.01)
    check(v1["dW1"], 0.1 * host_grads["dW1"], dtype, atol=atol)
    check(s1["db2"], 0.001 * host_grads["db2"] ** 2, dtype, atol=atol)
    check(v_hat["dW2"], 0.1 * host_grads["dW2"] / (1 - 0.9**2), dtype, atol=atol)
    check(s_hat["db1"], 0.001 * host_grads["db1"] ** 2 / (1 - 0.999**2), dtype, atol=atol)
    check(s["dW1"], np.zeros((2, 3)), dtype, atol=0)  # the inputs are untouched


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_optimisers_follow_a_plain_loop_over_many_steps(optimizer, make, check):
    host, _ = course_update_case()
    rng = np.random.RandomState(4)
    steps = [{"d" + key: rng.randn(*value.shape) for key, value in host.items()} for _ in range(5)]
    expected, expected_v, expected_s = reference.optimizer_loop(host, steps, optimizer, 0.05, beta=0.8,
                                                                beta1=0.85, beta2=0.99, epsilon=1e-6)
    parameters = placed(make, host)
    v, s = dnn.initialize_adam(parameters)
    for t, grads in enumerate(steps, start=1):
        grads = placed(make, grads)
        if optimizer == "gd":
            parameters = dnn.update_parameters_with_gd(parameters, grads, 0.05)
        elif optimizer == "momentum":
            parameters, v = dnn.update_parameters_with_momentum(parameters, grads, v, 0.8, 0.05)
        else:
            parameters, v, s, _, _ = dnn.update_parameters_with_adam(parameters, grads, v, s, t, 0.05, 0.85, 0.99,
                                                                     1e-6)
    for key in host:
        check(parameters[key], expected[key], atol=1e-10)
        if optimizer != "gd":
            check(v["d" + key], expected_v["d" + key], atol=1e-12)
        if optimizer == "adam":
            check(s["d" + key], expected_s["d" + key], atol=1e-12)


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sgd_is_scikit_learns(nesterov, dtype, make, check):
    """``update_parameters_with_sgd`` takes scikit-learn's SGDOptimizer's steps (its velocity sums
    the gradients; Nesterov's step looks ahead along it), worked by hand and against the optimiser
    itself where scikit-learn is installed."""
    host, _ = course_update_case()
    rng = np.random.RandomState(5)
    steps = [{"d" + key: rng.randn(*value.shape) for key, value in host.items()} for _ in range(3)]
    parameters = placed(make, host, dtype)
    v = dnn.initialize_velocity(parameters)
    W, velocity = host["W1"].copy(), np.zeros((2, 3))
    for grads in steps:
        parameters, v = dnn.update_parameters_with_sgd(parameters, placed(make, grads, dtype), v, beta=0.7,
                                                       learning_rate=0.05, nesterov=nesterov)
        velocity = 0.7 * velocity - 0.05 * grads["dW1"]
        W = W + (0.7 * velocity - 0.05 * grads["dW1"] if nesterov else velocity)
    atol = 1e-12 if dtype == "float64" else 1e-6
    check(parameters["W1"], W, dtype, atol=atol)
    check(v["dW1"], velocity, dtype, atol=atol)
    optimizers = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    theirs = [value.copy() for value in host.values()]
    sgd = optimizers.SGDOptimizer(theirs, learning_rate_init=0.05, momentum=0.7, nesterov=nesterov)
    for grads in steps:
        sgd.update_params(theirs, [grads["d" + key] for key in host])
    for key, value in zip(host, theirs, strict=True):
        check(parameters[key], value, dtype, atol=atol)
    with pytest.raises(TypeError, match="nesterov: expected True or False, got 'yes'"):
        dnn.update_parameters_with_sgd(parameters, placed(make, steps[0], dtype), v, nesterov="yes")


def test_learning_rate_decay_by_hand():
    assert dnn.update_lr(0.5, 2, 1) == pytest.approx(0.5 / 3)  # the course's 0.16666666666666666
    assert dnn.update_lr(0.1, 0, 5.0) == 0.1
    assert dnn.schedule_lr_decay(0.5, 100, 1) == 0.5  # floor(100 / 1000) = 0
    assert dnn.schedule_lr_decay(0.5, 1000, 0.3) == pytest.approx(0.5 / 1.3)
    assert dnn.schedule_lr_decay(0.5, 2999, 0.3, time_interval=1000) == pytest.approx(0.5 / 1.6)
    with pytest.raises(ValueError, match="decay_rate"):
        dnn.update_lr(0.5, 2, -1)
    with pytest.raises(ValueError, match="time_interval"):
        dnn.schedule_lr_decay(0.5, 2, 1, time_interval=0)
    with pytest.raises(TypeError, match="epoch_num"):
        dnn.update_lr(0.5, 2.5, 1)


def test_optimiser_inputs_are_checked(make, float_dtypes):
    host, host_grads = course_update_case()
    parameters, grads = placed(make, host), placed(make, host_grads)
    v, s = dnn.initialize_adam(parameters)
    with pytest.raises(ValueError, match=r"beta: expected a number in \[0, 1\), got 1.0"):
        dnn.update_parameters_with_momentum(parameters, grads, v, 1.0, 0.01)
    with pytest.raises(ValueError, match="t: expected an integer >= 1"):
        dnn.update_parameters_with_adam(parameters, grads, v, s, 0)
    with pytest.raises(ValueError, match=r"s: missing 'db2'"):
        dnn.update_parameters_with_adam(parameters, grads, v, {k: s[k] for k in ("dW1", "db1", "dW2")}, 1)
    with pytest.raises(ValueError, match=r"v\['dW2'\]: expected shape \(3, 3\)"):
        dnn.update_parameters_with_momentum(parameters, grads, dict(v, dW2=v["dW1"]), 0.9, 0.01)
    if "float64" in float_dtypes:
        with pytest.raises(TypeError, match=r"v\['dW1'\] has dtype float32"):
            dnn.update_parameters_with_momentum(parameters, grads, dict(v, dW1=make(np.zeros((2, 3)), "float32")),
                                                0.9, 0.01)
    with pytest.raises(ValueError, match="epsilon"):
        dnn.update_parameters_with_adam(parameters, grads, v, s, 1, epsilon=0.0)
    with pytest.raises(ValueError, match="keep_prob"):
        dnn.L_model_forward(make(np.ones((2, 3))), placed(make, {"W1": np.ones((1, 2)), "b1": np.ones((1, 1))}),
                            keep_prob=0.0)
    with pytest.raises(ValueError, match="lambd"):
        dnn.compute_cost_with_regularization(make(np.full((1, 3), 0.5)), make(np.ones((1, 3))),
                                             placed(make, {"W1": np.ones((1, 2)), "b1": np.ones((1, 1))}), -1.0)


def test_backward_with_dropout_needs_the_masks(make):
    X, parameters, _ = course_three_layer()
    AL, caches = dnn.L_model_forward(make(X), placed(make, parameters))
    with pytest.raises(ValueError, match=r"caches\[0\]: expected a cache \(\(A_prev, W, b\), Z, D\)"):
        dnn.L_model_backward(AL, make(np.ones((1, 5))), caches, keep_prob=0.5)
    AL, caches = dnn.L_model_forward(make(X), placed(make, parameters), keep_prob=0.5, seed=0)
    with pytest.raises(ValueError, match=r"caches\[0\]: expected a cache \(\(A_prev, W, b\), Z\)"):
        dnn.L_model_backward(AL, make(np.ones((1, 5))), caches)


# -- mini-batches ----------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "size"), [(148, 64), (128, 64), (5, 64), (7, 1)])
def test_random_mini_batches_follow_the_courses_partition(m, size, xp, device, make, check):
    X_host = np.arange(3 * m, dtype=float).reshape(3, m)
    Y_host = (np.arange(m) % 2).reshape(1, m)
    batches = dnn.random_mini_batches(make(X_host), make(Y_host), size, seed=0)
    order = np.random.RandomState(0).permutation(m)  # the course: np.random.seed(0); permutation(m)
    full, rest = divmod(m, size)
    assert len(batches) == full + (rest > 0)
    for k, (bx, by) in enumerate(batches):
        columns = order[k * size:(k + 1) * size]
        assert array_namespace(bx) is xp and device_of(bx) == device
        check(bx, X_host[:, columns], atol=0)
        check(by, Y_host[:, columns], atol=0)
    assert batches[-1][0].shape[1] == (rest or size)


def test_random_mini_batches_keep_layouts_and_dtypes(xp, make, float_dtypes):
    m = 10
    for dtype in float_dtypes:
        X = make(np.ones((2, m)), dtype)
        (bx, by), *_ = dnn.random_mini_batches(X, make(np.arange(m) % 3, "int64"), 4, seed=1)
        assert bx.dtype == X.dtype and tuple(by.shape) == (1, 4)
        (_, onehot), *_ = dnn.random_mini_batches(X, make(np.eye(3)[:, np.arange(m) % 3], dtype), 4)
        assert tuple(onehot.shape) == (3, 4) and onehot.dtype == X.dtype
    with pytest.raises(ValueError, match="mini_batch_size: expected an integer >= 1, got 0"):
        dnn.random_mini_batches(make(np.ones((2, m))), make(np.ones(m)), 0)
    with pytest.raises(ValueError, match=r"Y: expected shape \(1, 10\)"):
        dnn.random_mini_batches(make(np.ones((2, m))), make(np.ones(m + 1)), 4)
    with pytest.raises(ValueError, match="seed"):
        dnn.random_mini_batches(make(np.ones((2, m))), make(np.ones(m)), 4, seed=-1)


@pytest.mark.parametrize("init", ["zeros", "large", "he"])
def test_the_courses_initialisations(init, make, check, backend_kwargs):
    parameters = dnn.initialize_parameters_deep([3, 2, 1], init=init, **backend_kwargs)
    rng = np.random.RandomState(3)  # the course's seed
    W1, W2 = rng.randn(2, 3), rng.randn(1, 2)
    scale = {"zeros": (0.0, 0.0), "large": (10.0, 10.0), "he": (np.sqrt(2 / 3), np.sqrt(2 / 2))}[init]
    check(parameters["W1"], W1 * scale[0], atol=1e-12)
    check(parameters["W2"], W2 * scale[1], atol=1e-12)
    check(parameters["b2"], np.zeros((1, 1)), atol=0)


def test_initial_weights_drawn_from_a_generator_advance_it(make, check, backend_kwargs):
    """A ``RandomState`` as the seed is drawn from as the seed's own generator would be, and left
    where the draws ended (the estimators go on to shuffle with it, as scikit-learn's MLPs)."""
    rng = np.random.RandomState(5)
    drawn = dnn.initialize_parameters_deep([3, 4, 2], seed=rng, init="glorot", **backend_kwargs)
    seeded = dnn.initialize_parameters_deep([3, 4, 2], seed=5, init="glorot", **backend_kwargs)
    for key, value in seeded.items():
        check(drawn[key], dnn.to_numpy(value), atol=0)
    after = np.random.RandomState(5)
    after.uniform(size=3 * 4 + 4 + 4 * 2 + 2)  # W1, b1, W2, b2
    np.testing.assert_array_equal(rng.permutation(10), after.permutation(10))


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.37])
def test_stratified_hold_out_takes_each_class_in_proportion(fraction, xp, make):
    """The validation split of early stopping: each class held out in proportion to its count
    (within one example), every example on exactly one side with its own label, seeded."""
    from portable_dnn.minibatch import hold_out

    m = 1000
    labels = np.repeat([0, 1, 2], [700, 250, 50])
    np.random.RandomState(0).shuffle(labels)
    X, Y = make(np.arange(2.0 * m).reshape(2, m)), make(labels[None, :].astype(float))
    X_kept, Y_kept, (X_held, Y_held) = hold_out(X, Y, fraction, 1, stratify=labels)
    held = dnn.to_numpy(Y_held).ravel().astype(int)
    assert held.size == round(fraction * m)
    assert np.all(np.abs(np.bincount(held, minlength=3) - fraction * np.array([700, 250, 50])) < 1)
    columns = np.concatenate([dnn.to_numpy(X_held)[0], dnn.to_numpy(X_kept)[0]]).astype(int)
    np.testing.assert_array_equal(np.sort(columns), np.arange(m))
    np.testing.assert_array_equal(labels[columns], np.concatenate([held, dnn.to_numpy(Y_kept).ravel()]))
    again = hold_out(X, Y, fraction, 1, stratify=labels)[2][0]
    np.testing.assert_array_equal(dnn.to_numpy(again), dnn.to_numpy(X_held))
