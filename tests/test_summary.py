"""``model.summary()``: Keras' layout, the course's parameter names, the placement it trained on."""

from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import device as array_device

from portable_dnn import DeepNeuralNetwork, DeepNeuralNetworkRegressor
from portable_dnn._backend import backend_name


def test_summary_names_layers_shapes_counts_and_the_placement(make, xp, device, float_dtypes, capsys):
    X = np.random.RandomState(0).randn(40, 3)
    dtype = float_dtypes[0]
    model = DeepNeuralNetworkRegressor(hidden_layers=(6, 4), num_iterations=2, hidden_activation="tanh",
                                       n_iter_no_change=None).fit(make(X, dtype), make(X[:, :2], dtype))
    assert model.summary() is None
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == 'Model: "DeepNeuralNetworkRegressor"'
    assert [line.split() for line in lines[4:8]] == [
        ["input", "(None,", "3)", "0"],
        ["dense_1", "W1", "(6,", "3),", "b1", "(6,", "1)", "(None,", "6)", "tanh", "24"],
        ["dense_2", "W2", "(4,", "6),", "b2", "(4,", "1)", "(None,", "4)", "tanh", "28"],
        ["dense_3", "(output)", "W3", "(2,", "4),", "b3", "(2,", "1)", "(None,", "2)", "identity", "10"]]
    assert lines[9:13] == ["Total params: 62", "Loss: squared_error", f"Dtype: {dtype}",
                           f"Device: {array_device(model.parameters_['W1'])} ({backend_name(xp)})"]
    assert str(device) in lines[12]


def test_summary_through_print_fn_with_classes_and_before_fit():
    X = np.random.RandomState(0).randn(40, 3)
    lines = []
    model = DeepNeuralNetwork(hidden_layers=(1000,), num_iterations=1, n_iter_no_change=None)
    model.fit(X, np.arange(40) % 3).summary(print_fn=lines.append)
    text = lines[0].splitlines()
    assert text[5].split()[-2:] == ["relu", "4,000"] and text[6].split()[-2:] == ["softmax", "3,003"]
    assert "Total params: 7,003" in text and "Classes: 0, 1, 2" in text
    with pytest.raises(Exception, match="This DeepNeuralNetwork instance is not fitted yet"):
        DeepNeuralNetwork().summary()
