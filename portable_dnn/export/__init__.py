"""From a fitted model to other runtimes: ONNX graphs (:mod:`.onnx_graph`)."""
