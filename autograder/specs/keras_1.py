"""keras-1: an RMSNorm layer whose gain is a raw tf.Variable, which Keras 3 does not track."""
import numpy as np

from ._keras_probe import probe_layer

ID = "keras-1"
TITLE = "A normalization layer whose gain never trains"
CHAPTER = "keras-layers"
NOTEBOOK = "keras-1.ipynb"
SEQ = 90
POINTS = 2
ENTRY = "RMSNorm"
CAUSE = "untracked_variable"
SYMPTOM = "structure"           # how the bug shows as shipped (tests/test_invariants.py checks it)
HINTS = (
    "Print `len(layer.trainable_variables)` for your layer. Is the gain in that list?",
    "Keras 3 tracks `keras.Variable`s and sub-layers, but not a raw `tf.Variable` assigned as an attribute, "
    "so the gain is never handed to the optimizer.",
    "Create the gain with `self.add_weight(shape=(dim,), initializer=\"ones\", name=\"gain\")` "
    "(in `__init__`, or in `build()` using `input_shape[-1]`).",
)
WHY = ("Keras 3 builds `trainable_variables` from the `keras.Variable`s and sub-layers it tracks; a raw "
       "`tf.Variable` is used by the forward pass but never reported, so no training loop ever updates it. "
       "`add_weight` creates a tracked `keras.Variable`.")


def cases(rng):
    out = []
    for shape in [(5, 4), (3, 6), (2, 3, 5)]:
        d = shape[-1]
        out.append({
            "x": rng.normal(size=shape).astype("float32"),
            "gain": rng.normal(size=(d,)).astype("float32"),
            "upstream": rng.normal(size=shape).astype("float32"),
        })
    out[0]["x"][1] *= 1e-3      # a row of near-zero features (padding, say): there the epsilon sets the output
    return out


def probe(cls, case):
    layer = cls(case["x"].shape[-1])
    return probe_layer(layer, case["x"], {"gain": case["gain"]}, case["upstream"], initial=True)


def _reference_class():
    import keras
    import tensorflow as tf

    class RMSNorm(keras.layers.Layer):
        def __init__(self, dim, epsilon=1e-6, **kwargs):
            super().__init__(**kwargs)
            self.epsilon = epsilon
            self.gain = self.add_weight(shape=(dim,), initializer="ones", name="gain")

        def call(self, x):
            mean_square = tf.reduce_mean(tf.square(x), axis=-1, keepdims=True)
            return x * tf.math.rsqrt(mean_square + self.epsilon) * self.gain

    return RMSNorm


def reference(dim, epsilon=1e-6, **kwargs):
    return _reference_class()(dim, epsilon=epsilon, **kwargs)
