"""``optimizer="lbfgs"``: SciPy's L-BFGS-B without bounds, step for step, on every backend.

The optimiser alone is held to SciPy on the Rosenbrock function (iterates, counts, statuses and
messages); on networks, through the public API, to scikit-learn's ``MLPClassifier`` and
``MLPRegressor(solver="lbfgs")`` from the same initial weights; its cost and gradient (the fused
step without its update) to centred differences on each backend.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor
from portable_dnn._engine.kernels import kernels
from portable_dnn._engine.lbfgs import minimize_lbfgs, network_objective, pack, parameter_keys
from portable_dnn._engine.line_search import MoreThuente
from portable_dnn._engine.settings import Settings

scipy_optimize = pytest.importorskip("scipy.optimize", reason="SciPy is not installed")


def rosenbrock(x0_shift: float = 0.0):
    def objective(x, d, g_old):
        f, g = scipy_optimize.rosen(x), scipy_optimize.rosen_der(x)
        return np.array([f, g @ d, np.max(np.abs(g)), (g - g_old) @ (g - g_old)]), g
    return objective


X0 = np.array([-1.2, 1.0, 0.5, -0.3, 2.0])


def scipy_lbfgs(x0, **options):
    return scipy_optimize.minimize(scipy_optimize.rosen, x0, jac=scipy_optimize.rosen_der, method="L-BFGS-B",
                                   options=options)


@pytest.mark.parametrize("max_iter", [1, 2, 5, 13, 30, 15000])
def test_the_iterates_are_scipys(max_iter):
    """Same iterate, cost, iterations, evaluations, status and message as SciPy's L-BFGS-B."""
    ours = minimize_lbfgs(np, rosenbrock(), X0, max_iter=max_iter, max_fun=15000, pgtol=1e-5)
    theirs = scipy_lbfgs(X0, maxiter=max_iter, gtol=1e-5)
    assert (ours.iterations, ours.evaluations, ours.status) == (theirs.nit, theirs.nfev, theirs.status)
    assert ours.message == theirs.message
    # Rounding (SciPy's compiled loops against NumPy's) grows on Rosenbrock's valley: 1e-14 relative
    # at 13 iterations, up to 1.3e-10 at 30 on some CPUs; a different step differs in the leading digits.
    rtol = 1e-12 if max_iter <= 13 else 1e-8
    np.testing.assert_allclose(ours.x, theirs.x, rtol=rtol, atol=1e-12)
    assert math.isclose(ours.f, theirs.fun, rel_tol=rtol, abs_tol=1e-14)


def test_max_fun_is_checked_after_an_iteration_as_scipys():
    ours = minimize_lbfgs(np, rosenbrock(), X0, max_iter=100, max_fun=7, pgtol=1e-5)
    theirs = scipy_lbfgs(X0, maxiter=100, maxfun=7, gtol=1e-5)
    assert (ours.iterations, ours.evaluations, ours.status) == (theirs.nit, theirs.nfev, 1) == (6, 8, 1)
    assert ours.message == theirs.message == "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"


def test_a_small_gradient_stops_it_before_the_first_step():
    ours = minimize_lbfgs(np, rosenbrock(), np.ones(5), max_iter=10, max_fun=10, pgtol=1e-5)
    assert (ours.iterations, ours.evaluations, ours.status, ours.f) == (0, 1, 0, 0.0)
    assert ours.message == "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"


def test_the_gradient_tolerance_is_scipys():
    ours = minimize_lbfgs(np, rosenbrock(), X0, max_iter=1000, max_fun=15000, pgtol=1e-2)
    theirs = scipy_lbfgs(X0, gtol=1e-2)
    assert (ours.iterations, ours.message) == (theirs.nit, theirs.message)
    assert ours.message == "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"


def test_the_line_search_is_minpacks_on_its_published_cases():
    """Moré and Thuente's first test function, phi(a) = -a / (a^2 + 2), from a = 1e-3 and 1e3
    (Table 1 of their paper, ftol=1e-3, gtol=0.1): the steps they print, in as many evaluations."""
    def phi(a):
        return -a / (a * a + 2.0), (a * a - 2.0) / (a * a + 2.0) ** 2
    for start, expected, evaluations in ((1e-3, 1.4, 6), (1e-1, 1.4, 3), (1e1, 10.0, 1), (1e3, 37.0, 4)):
        search = MoreThuente(ftol=1e-3, gtol=0.1, xtol=0.1, stpmax=1e10)
        f0, g0 = phi(0.0)
        task, stp = search.start(start, f0, g0)
        count = 0
        while task == "FG":
            count += 1
            task, stp = search.next(stp, *phi(stp))
        assert task == "CONVERGENCE"
        assert stp == pytest.approx(expected, abs=0.15)
        assert count == evaluations


@pytest.mark.parametrize("start", [1e-3, 0.3, 1.0, 25.0, 1e3])
@pytest.mark.parametrize("beta", [0.004, 2.0])
def test_the_line_search_takes_scipys_steps(start, beta):
    """Each trial step is that of SciPy's own translation of dcsrch (its ``_dcsrch.DCSRCH``)."""
    from scipy.optimize._dcsrch import DCSRCH

    def phi(a):
        return -a / (a * a + beta), (a * a - beta) / (a * a + beta) ** 2
    ours, steps = [], []
    search = MoreThuente(ftol=1e-3, gtol=0.1, xtol=0.1, stpmax=1e10)
    task, stp = search.start(start, *phi(0.0))
    while task == "FG" and len(ours) < 30:
        ours.append(stp)
        task, stp = search.next(stp, *phi(stp))

    def record(a):
        steps.append(a)
        return phi(a)[0]
    theirs = DCSRCH(record, lambda a: phi(a)[1], 1e-3, 0.1, 0.1, 0.0, 1e10)
    found, *_ = theirs(start, *phi(0.0), maxiter=30)
    assert ours == steps
    assert stp == found


def test_the_line_search_refuses_an_ascent_direction():
    with pytest.raises(ValueError, match=r"not a descent direction \(derivative 1.0 >= 0\)"):
        MoreThuente().start(1.0, 0.0, 1.0)


# -- the network's cost and gradient, on every backend ---------------------------------------------

CASES = {"binary": ("binary_cross_entropy", 1), "softmax": ("cross_entropy", 3),
         "two outputs": ("squared_error", 2), "poisson": ("poisson", 1)}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("weighted", [False, True], ids=["", "weighted"])
def test_the_cost_and_gradient_agree_with_centred_differences(xp, device, make, case, weighted):
    loss, units = CASES[case]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 12))
    if loss == "squared_error":
        Y = rng.normal(size=(units, 12))
    elif loss == "poisson":
        Y = rng.poisson(2.0, size=(1, 12)).astype(float)
    else:
        Y = np.eye(units)[:, rng.integers(0, units, 12)] if units > 1 else rng.integers(0, 2, (1, 12)) * 1.0
    weights = rng.uniform(0.5, 2.0, size=12) if weighted else None
    parameters = dnn.initialize_parameters_deep([4, 5, units], seed=1, backend=xp, device=device,
                                                dtype=make(np.zeros(1)).dtype)
    keys = parameter_keys(2)
    settings = Settings(learning_rate=1.0, optimizer="lbfgs", loss=loss, lambd=0.3, hidden_activation="tanh",
                        weighted=weighted)
    targets = np.vstack([Y, weights]) if weighted else Y
    objective = network_objective(xp, settings, 2, parameters, make(X), make(targets),
                                  None if weights is None else float(weights.sum()), kernels(xp, device))
    x = pack(xp, parameters, keys)
    zeros = xp.zeros_like(x)
    stats, g = objective(x, zeros, zeros)
    host_x = to_numpy(x).astype(np.float64)
    f = to_numpy(stats)[0]
    float32 = x.dtype == xp.float32
    h = 1e-2 if float32 else 1e-6
    numeric = []
    for i in range(host_x.size):
        step = np.zeros_like(host_x)
        step[i] = h
        plus = to_numpy(objective(make(host_x + step), zeros, zeros)[0])[0]
        minus = to_numpy(objective(make(host_x - step), zeros, zeros)[0])[0]
        numeric.append((plus - minus) / (2 * h))
    np.testing.assert_allclose(to_numpy(g), numeric, atol=2e-3 if float32 else 1e-8)
    # the cost is the library's own regularised cost, as compute_cost_with_regularization gives it
    host = {key: to_numpy(value).astype(np.float64) for key, value in parameters.items()}
    AL, _ = dnn.L_model_forward(X, host, hidden_activation="tanh", loss=loss)
    if not weighted:
        l2 = 0.3 / (2 * 12) * sum(np.sum(host[f"W{l}"] ** 2) for l in (1, 2))
        expected = float(dnn.compute_cost(AL, Y, loss=loss)) + l2
        assert f == pytest.approx(expected, rel=1e-5 if float32 else 1e-12)


# -- the estimators against scikit-learn's, on every backend ----------------------------------------

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is not installed")
from sklearn.datasets import load_breast_cancer, load_iris, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

X_iris, y_iris = load_iris(return_X_y=True)
X_iris = StandardScaler().fit_transform(X_iris)
X_cancer, y_cancer = load_breast_cancer(return_X_y=True)
X_cancer = StandardScaler().fit_transform(X_cancer)
X_reg, y_reg = make_regression(200, 10, noise=1.0, random_state=0)
y_reg = y_reg / 100


def fitted_pair(X, y, seed, max_iter, make=None, **settings):
    regression = y.dtype.kind == "f"
    theirs = (MLPRegressor if regression else MLPClassifier)(
        solver="lbfgs", max_iter=max_iter, random_state=seed, hidden_layer_sizes=(20,), **settings)
    ours = (DeepNeuralNetworkRegressor if regression else DeepNeuralNetwork)(
        optimizer="lbfgs", num_iterations=max_iter, seed=seed, hidden_layers=(20,),
        **({"init": "glorot"} if regression else {}), **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X if make is None else make(X), y if make is None else make(y, None))
    return theirs, ours


DATA = {"iris": (X_iris, y_iris, 200), "breast cancer": (X_cancer, y_cancer, 40), "regression": (X_reg, y_reg, 60)}


@pytest.mark.parametrize("data", DATA)
def test_the_estimators_take_scikit_learns_lbfgs_steps(xp, device, make, float_dtypes, data):
    """From the same initial weights: the same iterations (on most seeds: all of these) and the
    final loss within 1e-3 relative, on every backend (in float64; float32 devices: the same
    accuracy)."""
    X, y, max_iter = DATA[data]
    for seed in range(1 if "dask" in xp.__name__ else 3):  # Dask: one seed (each evaluation a compute)
        theirs, ours = fitted_pair(X, y, seed, max_iter, make)
        if "float64" not in float_dtypes:
            assert ours.score(make(X), make(y, None)) >= theirs.score(X, y) - 0.02
            continue
        assert ours.n_iter_ == theirs.n_iter_
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-3)
        assert ours.score(make(X), make(y, None)) == pytest.approx(theirs.score(X, y), abs=1e-3)


def test_it_is_scipys_from_scikit_learns_weights_to_the_last_digit():
    """On NumPy the path is SciPy's: after 20 iterations the weights agree to 1e-10."""
    theirs, ours = fitted_pair(X_iris, y_iris, 1, 20)
    assert ours.n_iter_ == theirs.n_iter_ == 20
    for coef, intercept, ours_coef, ours_intercept in zip(theirs.coefs_, theirs.intercepts_, ours.coefs_,
                                                          ours.intercepts_, strict=True):
        np.testing.assert_allclose(ours_coef, coef, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours_intercept, intercept, rtol=1e-10, atol=1e-12)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-12)
    assert len(ours.loss_curve_) == 20 and ours.loss_curve_[-1] == ours.loss_


def test_the_warning_is_scikit_learns():
    model = DeepNeuralNetwork(optimizer="lbfgs", num_iterations=3, hidden_layers=(5,), seed=0)
    with pytest.warns(ConvergenceWarning) as caught:
        model.fit(X_iris, y_iris)
    assert str(caught[0].message) == (
        "lbfgs failed to converge after 3 iteration(s) (status=1):\nSTOP: TOTAL NO. OF ITERATIONS REACHED LIMIT\n"
        "\nIncrease the number of iterations to improve the convergence (num_iterations=3).")
    assert model.n_iter_ == 3
    with pytest.warns(ConvergenceWarning, match=r"after \d+ iteration\(s\) \(status=1\):\n"
                                                r"STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT\n$"):
        DeepNeuralNetwork(optimizer="lbfgs", max_fun=5, hidden_layers=(5,)).fit(X_iris, y_iris)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        converged = DeepNeuralNetwork(optimizer="lbfgs", hidden_layers=(5,), tol=1e-2).fit(X_iris, y_iris)
    assert 0 < converged.n_iter_ < 200


def test_it_is_full_batch_and_has_no_partial_fit():
    model = DeepNeuralNetwork(optimizer="lbfgs", batch_size=7, num_iterations=5, early_stopping=True)
    assert not hasattr(model, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit is only available for stochastic optimizers. lbfgs is "
                                             "not stochastic."):
        DeepNeuralNetworkRegressor(optimizer="lbfgs").partial_fit(X_reg, y_reg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_iris, y_iris)  # batch_size and early_stopping do not apply, as scikit-learn's
    assert model.validation_scores_ is None
    with pytest.raises(ValueError, match="X_val and y_val: optimizer='lbfgs' does not stop early"):
        model.fit(X_iris, y_iris, X_val=X_iris, y_val=y_iris)
    model.set_params(optimizer="adam")
    assert hasattr(model, "partial_fit")


def test_train_takes_it_full_batch_and_says_what_does_not_apply():
    parameters = dnn.initialize_parameters_deep([4, 5, 3], seed=0)
    X, Y = X_iris.T, y_iris
    with pytest.warns(ConvergenceWarning, match="after 10 iteration"):
        trained, costs = dnn.train(X, Y, parameters, optimizer="lbfgs", num_iterations=10, record_every=3)
    assert len(costs) == 4  # iterations 1, 4, 7, 10: the cost after each
    assert trained["W1"] is not parameters["W1"] and trained["W1"].shape == (5, 4)
    assert np.all(parameters["W1"] == dnn.initialize_parameters_deep([4, 5, 3], seed=0)["W1"])
    for keyword, message in (({"mini_batch_size": 32}, "mini_batch_size=32 with optimizer='lbfgs'"),
                             ({"keep_prob": 0.5}, "keep_prob=0.5 with optimizer='lbfgs'"),
                             ({"decay_rate": 0.1}, "decay_rate=0.1 with optimizer='lbfgs'"),
                             ({"n_iter_no_change": 3}, "pass neither validation_data nor n_iter_no_change")):
        with pytest.raises(ValueError, match=message):
            dnn.train(X, Y, parameters, optimizer="lbfgs", num_iterations=2, **keyword)
    with pytest.raises(TypeError, match="learning_rate: expected a positive number, got NoneType"):
        dnn.train(X, Y, parameters, optimizer="gd", num_iterations=2)


def test_warm_start_goes_on_from_the_fitted_weights():
    """A warm start begins where the last fit ended: its first cost is below a cold start's."""
    model = DeepNeuralNetwork(optimizer="lbfgs", num_iterations=5, hidden_layers=(10,), warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_iris, y_iris)
        first = list(model.loss_curve_)
        model.fit(X_iris, y_iris)
    assert model.n_iter_ == 5 and len(model.loss_curve_) == 10
    assert model.loss_curve_[5] < first[-1]
