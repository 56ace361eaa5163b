"""underflow-2: binary cross-entropy written by hand on clipped sigmoid outputs."""
import numpy as np

ID = "underflow-2"
TITLE = "Hand-written binary cross-entropy on probabilities"
CHAPTER = "underflow"
NOTEBOOK = "underflow-2.ipynb"
SEQ = 51
POINTS = 2
ENTRY = "bce_loss"
CAUSE = "saturation"
SYMPTOM = "wrong"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("w",)
HINTS = (
    "Look at the per-example gradient with respect to the logits: which examples send back exactly 0, and "
    "how wrong are they?",
    "The clip that protects log() from 0 has derivative 0 outside [1e-7, 1 - 1e-7], and in float32 "
    "sigmoid(z) is exactly 1.0 for z above about 17: confident mistakes are flat. Do not form the probability.",
    "Compute the loss from the logits: `tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z)` "
    "(or `keras.losses.binary_crossentropy(y, z, from_logits=True)`), averaged over the batch.",
)
WHY = ("The clipped probability made the loss flat for confident mistakes: the clip's derivative is 0 outside "
       "its range, so those examples, the most wrong ones, sent back exactly zero gradient. From logits, the "
       "gradient is sigmoid(z) - y, which is largest exactly when the prediction is most wrong.")


def cases(rng):
    out = []
    for n, d in [(6, 2), (8, 3), (10, 4)]:
        x = rng.normal(size=(n, d)).astype("float32")
        w = (4.0 * rng.normal(size=(d, 1))).astype("float32")
        z = (x @ w).ravel()
        if abs(z[0]) < 30.0:                # example 0: a confident mistake, far past the clip
            w = (w * (30.0 / abs(z[0]))).astype("float32")
            z = (x @ w).ravel()
        y = rng.integers(0, 2, size=(n,)).astype("float32")
        y[0] = 0.0 if z[0] > 0 else 1.0
        out.append({"w": w, "x": x, "y": y})
    return out


def reference(w, x, y):
    import tensorflow as tf
    z = tf.squeeze(tf.matmul(x, w), axis=1)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))
