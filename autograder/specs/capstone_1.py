"""capstone-1: the retriever's learnable logit scale is a raw tf.Variable, which Keras 3 never trains."""
import numpy as np

from ._keras_probe import probe_layer

ID = "capstone-1"
TITLE = "Capstone, bug 1: the logit scale that never trains"
CHAPTER = "keras-layers"
NOTEBOOK = "capstone.ipynb"
SEQ = 200
POINTS = 3
ENTRY = "LogitScale"
CAUSE = "untracked_variable"
SYMPTOM = "structure"           # how the bug shows as shipped (tests/test_invariants.py checks it)
HINTS = (
    "Run the audit cell at the end of the notebook: which weight that the model clearly uses is missing from "
    "its table?",
    "Keras 3 only reports (and trains) `keras.Variable`s and sub-layers; `LogitScale.log_scale` is a raw "
    "`tf.Variable`, so it is not in `trainable_variables`.",
    "Create it with `self.add_weight(shape=(), initializer=keras.initializers.Constant(np.log(init)), "
    "name=\"log_scale\")`.",
)
WHY = ("A raw `tf.Variable` in a Keras 3 layer is used by the forward pass but never tracked, so "
       "`model.trainable_variables` (and therefore `fit` or any optimizer loop) skips it. `add_weight` makes it a "
       "tracked weight.")


def cases(rng):
    out = []
    for shape in [(3, 3), (4, 4), (2, 5)]:
        out.append({
            "similarities": rng.uniform(-1, 1, size=shape).astype("float32"),
            "log_scale": np.float32(rng.uniform(0.5, 3.0)),
            "upstream": rng.normal(size=shape).astype("float32"),
        })
    return out


def probe(cls, case):
    layer = cls()
    return probe_layer(layer, case["similarities"], {"log_scale": np.asarray(case["log_scale"])}, case["upstream"],
                       initial=True)


def reference(init=10.0, **kwargs):
    import keras
    import tensorflow as tf

    class LogitScale(keras.layers.Layer):
        def __init__(self, init=10.0, **kwargs):
            super().__init__(**kwargs)
            self.log_scale = self.add_weight(shape=(), name="log_scale",
                                             initializer=keras.initializers.Constant(np.log(init)))

        def call(self, similarities):
            return similarities * tf.exp(self.log_scale)

    return LogitScale(init, **kwargs)
