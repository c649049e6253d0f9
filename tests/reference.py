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
    return forward_with(X, parameters, output=output)


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


HIDDEN = {"relu": (lambda Z: np.maximum(Z, 0), lambda Z: (Z > 0) * 1.0),
          "tanh": (np.tanh, lambda Z: 1 - np.tanh(Z) ** 2)}


def backward_with(layers, AL, Y, masks=None, keep_prob=1.0, lambd=0.0, hidden="relu"):
    """Gradients of the (L2-regularised) cost of a network with dropout masks on the hidden
    layers (``masks[l-1]`` multiplies layer l's output, scaled by 1 / keep_prob), from the forward
    pass ``layers`` of :func:`forward_with`."""
    m = AL.shape[1]
    L = len(layers)
    grads = {}
    dZ = AL - Y  # sigmoid/softmax with cross-entropy
    for l in range(L, 0, -1):
        A_prev, W, _ = layers[l - 1]
        grads[f"dW{l}"] = dZ @ A_prev.T / m + lambd / m * W
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            dA = W.T @ dZ
            if masks is not None:
                dA = dA * masks[l - 2] / keep_prob
            dZ = dA * HIDDEN[hidden][1](layers[l - 2][2])
    return grads


def forward_with(X, parameters, masks=None, keep_prob=1.0, output="sigmoid", hidden="relu"):
    """:func:`forward` with inverted dropout on the hidden layers' outputs."""
    L = len(parameters) // 2
    A, layers = X, []
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        layers.append((A, W, Z))
        if l == L:
            A = sigmoid(Z) if output == "sigmoid" else softmax(Z)
        else:
            A = HIDDEN[hidden][0](Z)
            if masks is not None:
                A = A * masks[l - 1] / keep_prob
    return A, layers


def optimizer_loop(parameters, gradient_steps, optimizer, learning_rate, beta=0.9, beta1=0.9, beta2=0.999,
                   epsilon=1e-8):
    """Apply the course's update rule for each gradient dict in ``gradient_steps`` in turn, one
    parameter at a time with Python floats: ``(parameters, v, s)``."""
    parameters = {key: value.copy() for key, value in parameters.items()}
    v = {"d" + key: np.zeros_like(value) for key, value in parameters.items()}
    s = {"d" + key: np.zeros_like(value) for key, value in parameters.items()}
    for t, grads in enumerate(gradient_steps, start=1):
        for key in parameters:
            g = grads["d" + key]
            if optimizer == "gd":
                parameters[key] = parameters[key] - learning_rate * g
            elif optimizer == "momentum":
                v["d" + key] = beta * v["d" + key] + (1 - beta) * g
                parameters[key] = parameters[key] - learning_rate * v["d" + key]
            else:
                v["d" + key] = beta1 * v["d" + key] + (1 - beta1) * g
                s["d" + key] = beta2 * s["d" + key] + (1 - beta2) * g**2
                v_hat = v["d" + key] / (1 - beta1**t)
                s_hat = s["d" + key] / (1 - beta2**t)
                parameters[key] = parameters[key] - learning_rate * v_hat / (np.sqrt(s_hat) + epsilon)
    return parameters, v, s
