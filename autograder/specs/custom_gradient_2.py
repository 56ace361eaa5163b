"""custom-gradient-2: a clipped straight-through estimator for binary weights that forgets the upstream dy."""
import numpy as np

ID = "custom-gradient-2"
TITLE = "Binary weights whose straight-through gradient forgets dy"
CHAPTER = "custom-gradient"
NOTEBOOK = "custom-gradient-2.ipynb"
SEQ = 71
POINTS = 2
ENTRY = "binary_linear_loss"
CAUSE = "wrong_custom_gradient"
SYMPTOM = "wrong"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("w",)
HINTS = (
    "Your gradient for `w` does not change when you change `x` or `y`. What does the custom `grad` "
    "do with its argument?",
    "`grad(dy)` receives the gradient of the loss with respect to binarize's output; it must return the "
    "gradient with respect to its input, i.e. dy times the estimator's local derivative.",
    "Return `dy * tf.cast(tf.abs(w) <= 1.0, w.dtype)`: pass the upstream gradient through where |w| <= 1, "
    "block it elsewhere.",
)
WHY = ("The estimator's grad returned only the local derivative (the |w| <= 1 mask) and ignored dy, the "
       "gradient arriving from the loss, so the weights got the same 'gradient' whatever the data. The chain rule "
       "needs dy * local derivative.")


def cases(rng):
    out = []
    for n, d, k in [(6, 4, 1), (8, 5, 2), (10, 3, 3)]:
        w = rng.uniform(-1.6, 1.6, size=(d, k))
        w = np.where(np.abs(w) < 0.05, 0.3, w)        # keep away from sign(0)
        w.flat[0] = 1.4                               # at least one weight outside the clip range
        w.flat[1], w.flat[-1] = 1.0, -1.0             # and on its boundary: the goal says |w| <= 1 passes
        out.append({
            "w": w.astype("float32"),
            "x": rng.normal(size=(n, d)).astype("float32"),
            "y": rng.normal(size=(n, k)).astype("float32"),
        })
    return out


def reference(w, x, y):
    import tensorflow as tf

    @tf.custom_gradient
    def binarize(v):
        def grad(dy):
            return dy * tf.cast(tf.abs(v) <= 1.0, v.dtype)
        return tf.sign(v), grad

    return tf.reduce_mean(tf.square(tf.matmul(x, binarize(w)) - y))
