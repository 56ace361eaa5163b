"""keras-2: a layer ported from functional-API code that creates its output Dense layer inside call()."""
import numpy as np

from ._keras_probe import probe_layer

ID = "keras-2"
TITLE = "An output layer rebuilt on every call"
CHAPTER = "keras-layers"
NOTEBOOK = "keras-2.ipynb"
SEQ = 91
POINTS = 2
ENTRY = "MLPHead"
CAUSE = "untracked_variable"
SYMPTOM = "structure"           # how the bug shows as shipped (tests/test_invariants.py checks it)
HINTS = (
    "Call the layer twice on the same input. Do you get the same output? Count `layer.trainable_variables`.",
    "`keras.layers.Dense(...)(h)` inside `call()` builds a brand-new layer, with fresh random weights, on every "
    "call; Keras never tracks it, so it is never trained.",
    "Create the output `Dense` layer once, in `__init__` (next to `self.hidden`), and only *call* it in `call()`.",
)
WHY = ("Layers are tracked when they are assigned as attributes in `__init__` (or `build`). A layer created in "
       "`call()` is a new object with new random weights each time, invisible to `trainable_variables`, so the "
       "output layer was re-initialised on every step instead of trained.")


def cases(rng):
    out = []
    for n, d, hidden, outputs in [(4, 3, 5, 2), (6, 4, 7, 1), (3, 2, 6, 3)]:
        out.append({
            "x": rng.normal(size=(n, d)).astype("float32"),
            "hidden_kernel": rng.normal(size=(d, hidden)).astype("float32"),
            "hidden_bias": rng.normal(size=(hidden,)).astype("float32"),
            "output_kernel": rng.normal(size=(hidden, outputs)).astype("float32"),
            "output_bias": rng.normal(size=(outputs,)).astype("float32"),
            "upstream": rng.normal(size=(n, outputs)).astype("float32"),
        })
    return out


def probe(cls, case):
    hidden, outputs = case["output_kernel"].shape
    layer = cls(hidden, outputs)
    weights = {k: case[k] for k in ("output_kernel", "output_bias", "hidden_kernel", "hidden_bias")}
    return probe_layer(layer, case["x"], weights, case["upstream"])


def reference(hidden_units, num_outputs, **kwargs):
    import keras

    class MLPHead(keras.layers.Layer):
        def __init__(self, hidden_units, num_outputs, **kwargs):
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(hidden_units, activation="relu")
            self.out = keras.layers.Dense(num_outputs)

        def call(self, x):
            return self.out(self.hidden(x))

    return MLPHead(hidden_units, num_outputs, **kwargs)
