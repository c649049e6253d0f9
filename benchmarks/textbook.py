"""The notebook's textbook NumPy implementation, as a benchmark peer (not part of the library).

It follows the notebook's code path: ``np.dot``, the helper module's ``sigmoid``/``relu``
and their backward functions (a copy of dA with ``dZ[Z <= 0] = 0``), the cost every
iteration, ``dAL = -(Y/AL - (1-Y)/(1-AL))``, every gradient including the one for X,
and a parameter update that allocates new arrays.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def _relu(Z):
    return np.maximum(0, Z), Z


def _relu_backward(dA, Z):
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def _sigmoid_backward(dA, Z):
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def _forward(X, parameters, L):
    caches = []
    A = X
    for l in range(1, L + 1):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = np.dot(W, A) + b
        A_prev = A
        A, Z = _relu(Z) if l < L else _sigmoid(Z)
        caches.append(((A_prev, W, b), Z))
    return A, caches


def _cost(AL, Y):
    m = Y.shape[1]
    return np.squeeze(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=1, keepdims=True) / m)


def _backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in reversed(range(1, L + 1)):
        (A_prev, W, _), Z = caches[l - 1]
        dZ = _sigmoid_backward(dA, Z) if l == L else _relu_backward(dA, Z)
        m = A_prev.shape[1]
        grads["dW" + str(l)] = 1 / m * np.dot(dZ, A_prev.T)
        grads["db" + str(l)] = 1 / m * np.sum(dZ, axis=1, keepdims=True)
        dA = np.dot(W.T, dZ)
        grads["dA" + str(l - 1)] = dA
    return grads


def train(X, Y, parameters, learning_rate, num_iterations):
    """The course's L_layer_model loop (without printing)."""
    L = len(parameters) // 2
    parameters = dict(parameters)
    cost = None
    for _ in range(num_iterations):
        AL, caches = _forward(X, parameters, L)
        cost = _cost(AL, Y)
        grads = _backward(AL, Y, caches)
        for l in range(1, L + 1):
            parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
            parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters, cost
