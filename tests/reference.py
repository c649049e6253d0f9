"""Independent host references: the course's formulas written out in plain NumPy.

Nothing here calls portable_dnn, so tests that compare against these functions compare two
independent implementations. Arrays keep the dtype they are given (float32 stays float32).
"""

from __future__ import annotations

import numpy as np


def sigmoid(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def forward(X, parameters, output="sigmoid"):
    """``(AL, [(A_prev, W, Z), ...])`` of [LINEAR->RELU]x(L-1) -> LINEAR -> SIGMOID (or SOFTMAX)."""
    L = len(parameters) // 2
    A, layers = X, []
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        layers.append((A, W, Z))
        A = (sigmoid(Z) if output == "sigmoid" else softmax(Z)) if l == L else np.maximum(Z, 0)
    return A, layers


def cost(AL, Y):
    m = AL.shape[1]
    return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m


def backward(AL, Y, layers):
    """``{dW1, db1, ...}`` of the cost, from the course's dAL through each layer."""
    m = AL.shape[1]
    L = len(layers)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    grads = {}
    for l in range(L, 0, -1):
        A_prev, W, Z = layers[l - 1]
        dZ = dA * sigmoid(Z) * (1 - sigmoid(Z)) if l == L else dA * (Z > 0)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = W.T @ dZ
    return grads


def gradient_descent(X, Y, parameters, learning_rate, num_iterations, record_every=100):
    """The course's training loop: ``(parameters, costs at 0, record_every, ...)``."""
    parameters = {key: value.copy() for key, value in parameters.items()}
    Y = Y.reshape(1, -1).astype(X.dtype)
    costs = []
    for i in range(num_iterations):
        AL, layers = forward(X, parameters)
        if i % record_every == 0:
            costs.append(float(cost(AL, Y)))
        grads = backward(AL, Y, layers)
        for key in parameters:
            parameters[key] = parameters[key] - X.dtype.type(learning_rate) * grads["d" + key]
    return parameters, costs
