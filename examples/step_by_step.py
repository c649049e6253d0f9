"""Walk through the notebook's steps on any backend and print what the notebook prints.

    python examples/step_by_step.py [--backend numpy|cupy|array_api_strict] [--device DEVICE]
"""

from __future__ import annotations

import argparse

import numpy as np

import portable_dnn as dnn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy", choices=sorted(dnn.BACKENDS))
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    xp = dnn.resolve_namespace(args.backend)
    device = dnn.resolve_device(xp, args.device)

    def show(label: str, array: object) -> None:
        print(f"{label} = {np.array2string(dnn.to_numpy(array), precision=8)}")

    print(f"backend: {args.backend}, device: {device}\n")
    parameters = dnn.initialize_parameters_deep([5, 4, 3], backend=xp, device=device)
    show("initialize_parameters_deep([5, 4, 3]) W1", parameters["W1"])

    rng = np.random.RandomState(6)
    X = xp.asarray(rng.randn(5, 4), device=device)
    network = {}
    for l, shape in enumerate([(4, 5), (3, 4), (1, 3)], start=1):
        network[f"W{l}"] = xp.asarray(rng.randn(*shape), device=device)
        network[f"b{l}"] = xp.asarray(rng.randn(shape[0], 1), device=device)
    AL, caches = dnn.L_model_forward(X, network)
    show("L_model_forward AL", AL)
    Y = xp.asarray([[1, 0, 0, 1]], device=device)
    cost = dnn.compute_cost(AL, Y)
    print(f"compute_cost = {float(cost):.8f}")
    grads = dnn.L_model_backward(AL, Y, caches)
    show("L_model_backward dW1", grads["dW1"])
    updated = dnn.update_parameters(network, grads, 0.1)
    AL, _ = dnn.L_model_forward(X, updated)
    print(f"cost after one gradient step (learning rate 0.1) = {float(dnn.compute_cost(AL, Y)):.8f}")


if __name__ == "__main__":
    main()
