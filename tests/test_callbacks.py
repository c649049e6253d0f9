"""scikit-learn's callbacks (1.9+) on both estimators: one task per epoch (per L-BFGS iteration)
under the fit's, ScoringMonitor's log, ProgressBar, a callback of one's own (the epoch, the cost,
the validation score, a request to stop), pipelines; and print_cost's progress bar."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn's callbacks need scikit-learn 1.9 or newer")

QUICK = {"hidden_layers": (8,), "batch_size": 50, "learning_rate": 0.01, "n_iter_no_change": None,
         "early_stopping": False}


def data(m=200, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(m, 4)
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)


class Recorder:
    """A callback of one's own: the tasks begun and ended; each epoch's id, cost and validation score
    (and probabilities for ``X``, where set); asks to stop after ``stop_after`` epochs."""

    def __init__(self, stop_after=None):
        self.events, self.ended, self.stop_after = [], [], stop_after

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context):
        self.events.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", context.task_name, context.task_id))
        if fitted_estimator is None:
            return False
        scores = fitted_estimator.validation_scores_
        self.ended.append((context.task_id, fitted_estimator.loss_, None if scores is None else scores[-1],
                           fitted_estimator.predict_proba(self.X)[:, 1] if hasattr(self, "X") else None))
        return self.stop_after is not None and len(self.ended) >= self.stop_after


def test_scoring_monitor_logs_one_row_per_epoch_with_the_score_of_the_model_then():
    X, y = data()
    monitor = callback.ScoringMonitor(scoring="neg_log_loss")
    model = DeepNeuralNetwork(**QUICK, num_iterations=6).set_callbacks(monitor)
    model.fit(X, y)
    rows = monitor.get_logs().data
    assert [(row["task_name"], row["task_id_path"]) for row in rows] == [("epoch", (0, i)) for i in range(6)]
    assert {row["estimator_name"] for row in rows} == {"DeepNeuralNetwork"}
    from sklearn.metrics import log_loss

    for epochs, row in enumerate(rows, start=1):  # as if the fit had stopped after that epoch
        shorter = DeepNeuralNetwork(**QUICK, num_iterations=epochs).fit(X, y)
        assert row["neg_log_loss"] == pytest.approx(-log_loss(y, shorter.predict_proba(X)), rel=1e-12)
    assert rows[-1]["neg_log_loss"] == pytest.approx(-log_loss(y, model.predict_proba(X)), rel=1e-12)


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")
def test_a_callback_of_ones_own_sees_each_epoch_its_cost_and_validation_score():
    X, y = data(400)
    recorder = Recorder()
    model = DeepNeuralNetwork(**{**QUICK, "early_stopping": True, "n_iter_no_change": 50}, num_iterations=7)
    model.set_callbacks(recorder).fit(X, y)
    assert recorder.events[0] == ("setup", "fit") and recorder.events[-1] == ("teardown", "fit")
    assert recorder.events[1:3] == [("begin", "fit", 0), ("begin", "epoch", 0)]
    assert recorder.events[-3:-1] == [("end", "epoch", 6), ("end", "fit", 0)]
    assert [epoch for epoch, *_ in recorder.ended] == list(range(7)) == list(range(model.n_iter_))
    assert [cost for _, cost, _, _ in recorder.ended] == model.loss_curve_
    assert [score for _, _, score, _ in recorder.ended] == model.validation_scores_


def test_a_callback_asking_to_stop_ends_training_without_a_convergence_warning():
    X, y = data()
    recorder = Recorder(stop_after=3)
    recorder.X = X
    model = DeepNeuralNetwork(**{**QUICK, "n_iter_no_change": 10}, num_iterations=50).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    np.testing.assert_array_equal(recorder.ended[-1][3], model.predict_proba(X)[:, 1])  # the model it saw: kept


def test_lbfgs_reports_each_iteration_and_ends_the_one_it_did_not_run():
    X, y = data()
    recorder = Recorder()
    model = DeepNeuralNetwork(hidden_layers=(8,), optimizer="lbfgs", num_iterations=200, tol=1e-3)
    model.set_callbacks(recorder).fit(X, y)
    assert model.n_iter_ < 200  # converged
    assert [task for task in recorder.events if task[0] == "end" and task[1] == "iteration"] == \
        [("end", "iteration", i) for i in range(model.n_iter_ + 1)]  # the last begun, never run: ended empty
    assert [epoch for epoch, *_ in recorder.ended] == list(range(model.n_iter_))
    assert [cost for _, cost, _, _ in recorder.ended] == model.loss_curve_
    capped = Recorder()
    with pytest.warns(Warning, match="lbfgs failed to converge after 3 iteration"):
        DeepNeuralNetwork(hidden_layers=(8,), optimizer="lbfgs", num_iterations=3).set_callbacks(capped).fit(X, y)
    assert [task for task in capped.events if task[1] == "iteration"] == \
        [(kind, "iteration", i) for i in range(3) for kind in ("begin", "end")]  # none begun past the limit
    stopping = Recorder(stop_after=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DeepNeuralNetwork(hidden_layers=(8,), optimizer="lbfgs", num_iterations=200).set_callbacks(stopping).fit(X, y)
    assert len(stopping.ended) == 4


def test_partial_fit_is_one_epoch_under_a_partial_fit_task():
    X, y = data()
    recorder = Recorder()
    model = DeepNeuralNetworkRegressor(**QUICK).set_callbacks(recorder)
    model.partial_fit(X, y.astype(float))
    model.partial_fit(X, y.astype(float))
    assert [event for event in recorder.events if event[0] != "end"] == \
        [("setup", "partial_fit"), ("begin", "partial_fit", 0), ("begin", "epoch", 0), ("teardown", "partial_fit")] * 2
    assert [cost for _, cost, _, _ in recorder.ended] == model.loss_curve_


def test_progress_bar_shows_during_fit_and_partial_fit(capsys):
    pytest.importorskip("rich", reason="scikit-learn's ProgressBar needs rich")
    X, y = data()
    model = DeepNeuralNetwork(**QUICK, num_iterations=4).set_callbacks(callback.ProgressBar())
    model.fit(X, y)
    shown = capsys.readouterr().out
    assert "DeepNeuralNetwork - fit" in shown and "100%" in shown
    model.partial_fit(X, y)
    assert "DeepNeuralNetwork - partial_fit" in capsys.readouterr().out


def test_in_a_pipeline_the_estimators_epochs_join_the_pipelines_tasks():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data()
    monitor = callback.ScoringMonitor(scoring="accuracy")
    pipeline = make_pipeline(StandardScaler(), DeepNeuralNetwork(**QUICK, num_iterations=3).set_callbacks(monitor))
    pipeline.fit(X, y)
    rows = monitor.get_logs().data
    assert [row["task_name"] for row in rows] == ["epoch"] * 3
    assert len({row["task_id_path"][:-1] for row in rows}) == 1 and len(rows[0]["task_id_path"]) >= 2


def test_set_callbacks_checks_its_arguments_and_none_removes_them():
    model = DeepNeuralNetwork()
    with pytest.raises(TypeError, match="callbacks must be instances following the FitCallback protocol"):
        model.set_callbacks(callback.ProgressBar)
    assert model.set_callbacks(Recorder()) is model and len(model._skl_callbacks) == 1
    assert not hasattr(model.set_callbacks(), "_skl_callbacks")


def test_without_scikit_learns_callbacks_set_callbacks_says_what_is_needed(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.callback", None)
    message = (r"set_callbacks needs scikit-learn 1.9 or newer \(its sklearn.callback API\); "
               r"scikit-learn [\d.]+\S* is installed: pip install 'scikit-learn>=1.9'")
    with pytest.raises(ImportError, match=message):
        DeepNeuralNetwork().set_callbacks(Recorder())


def test_without_callbacks_a_fit_makes_no_callback_calls(monkeypatch):
    import portable_dnn.estimators.base as base

    class Forbidden:
        def __init__(self, *args, **kwargs):
            raise AssertionError("a fit without callbacks made a callback task")

    monkeypatch.setattr(base, "FitTasks", Forbidden)
    X, y = data()
    DeepNeuralNetwork(**QUICK, num_iterations=2).fit(X, y).partial_fit(X, y)
    with pytest.raises(AssertionError, match="made a callback task"):
        DeepNeuralNetwork(**QUICK, num_iterations=2).set_callbacks(Recorder()).fit(X, y)


def test_callbacks_see_parameters_of_the_backend_under_test(make, xp):
    X, y = data()
    recorder = Recorder()
    model = DeepNeuralNetwork(**QUICK, num_iterations=3).set_callbacks(recorder).fit(make(X), make(y, None))
    assert [cost for _, cost, _, _ in recorder.ended] == model.loss_curve_ and len(recorder.ended) == 3


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")
def test_print_cost_prints_the_course_lines_under_a_progress_bar(capsys):
    pytest.importorskip("tqdm", reason="the progress bar needs tqdm")
    X, y = data()
    model = DeepNeuralNetwork(**{**QUICK, "early_stopping": True, "n_iter_no_change": 50}, num_iterations=4,
                              print_cost=True).fit(X, y)
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"Cost after epoch {i}: {cost}" for i, cost in enumerate(model.loss_curve_)]
    assert "training:" in err and "validation=" in err and "cost=" in err
    model.partial_fit(X, y)
    assert capsys.readouterr().out == f"Cost after epoch 4: {model.loss_curve_[-1]}\n"
    assert dnn.__version__


class Failing(Recorder):
    """A callback that raises at one of its hooks (scikit-learn's own test of the protocol)."""

    def __init__(self, fail_at):
        super().__init__()
        self.fail_at = fail_at

    def setup(self, estimator, context):
        super().setup(estimator, context)
        self._fail("setup")

    def on_fit_task_begin(self, estimator, context):
        super().on_fit_task_begin(estimator, context)
        self._fail("on_fit_task_begin")

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        super().on_fit_task_end(estimator, context, fitted_estimator=fitted_estimator)
        self._fail("on_fit_task_end")

    def teardown(self, estimator, context):
        super().teardown(estimator, context)
        self._fail("teardown")

    def _fail(self, hook):
        if self.fail_at == hook:
            raise ValueError(f"failed at {hook}")


@pytest.mark.parametrize("fail_at", ["setup", "on_fit_task_begin", "on_fit_task_end", "teardown"])
def test_a_failing_callback_is_torn_down_once_and_the_next_fit_starts_clean(fail_at):
    X, y = data()
    failing = Failing(fail_at)
    model = DeepNeuralNetwork(**QUICK, num_iterations=3).set_callbacks(failing)
    with pytest.raises(ValueError, match=f"failed at {fail_at}"):
        model.fit(X, y)
    assert [event[0] for event in failing.events].count("setup") == 1
    assert [event[0] for event in failing.events].count("teardown") == 1
    assert not hasattr(model, "_callback_fit_ctx")
    recorder = Recorder()
    model.set_callbacks(recorder).fit(X, y)
    assert len(recorder.ended) == 3 and model.n_iter_ == 3


def test_every_teardown_runs_and_their_errors_come_together():
    X, y = data()
    first, second = Failing("teardown"), Failing("teardown")
    with pytest.raises(Exception, match="The following callback teardown errors occurred") as raised:
        DeepNeuralNetwork(**QUICK, num_iterations=2).set_callbacks(first, second).fit(X, y)
    assert type(raised.value).__name__ == "ExceptionGroup" and len(raised.value.exceptions) == 2
