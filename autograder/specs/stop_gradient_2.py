"""stop-gradient-2: weights quantised in the forward pass need a straight-through estimator."""
import numpy as np

from ._cases import regression_batches

ID = "stop-gradient-2"
TITLE = "Quantised weights: add a straight-through estimator"
CHAPTER = "stop-gradient"
NOTEBOOK = "stop-gradient-2.ipynb"
SEQ = 31
POINTS = 3
ENTRY = "quantised_loss"
CAUSE = "non_differentiable_op"
SYMPTOM = "none"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("w",)
HINTS = (
    "`tf.round`'s gradient function (op `Round`) returns None, so the tape returns None for `w`. The forward pass must stay rounded.",
    "Straight-through estimator: use the rounded value going forward, and pretend the rounding was the identity "
    "going backward. `tf.stop_gradient` can hide the difference between the two from the tape.",
    "`w_q = w + tf.stop_gradient(quantise(w) - w)`: forward it equals `quantise(w)`, backward its gradient is 1.",
)
WHY = ("`w + tf.stop_gradient(q - w)` has the value `q` but the tape only sees `w`, so the gradient passes straight "
       "through the rounding. It is not the derivative of the rounded function (that is zero almost everywhere); "
       "it is a deliberate surrogate, which is what quantisation-aware training uses.")

STEP = 0.25


def cases(rng):
    out = regression_batches(rng, n_range=(4, 10), d_range=(2, 6))
    # Weights exactly half-way between two grid points: tf.round rounds half to even (0.125 -> 0, 0.375 -> 0.5),
    # where floor(w / STEP + 0.5) and friends round up. "Keep the forward pass exactly as it is" includes them.
    ties = np.array([0.125, -0.625, 0.375], "float32")
    # The first case stays random: it is the one the gradient doctor is shown, and at a tie finite differences
    # see the rounding's jump, not a slope.
    for case in out[1:3]:                       # the first two weights of two cases; the rest stay random
        case["w"][:2, 0] = ties[:2] if case is out[1] else ties[1:]
    out.append({"w": np.array([[0.125], [-0.9]], "float32"),                  # a batch of one example
                "x": rng.normal(size=(1, 2)).astype("float32"), "y": rng.normal(size=(1, 1)).astype("float32")})
    return out


def reference(w, x, y):
    import tensorflow as tf
    w_q = tf.round(w / STEP) * STEP
    w_ste = w + tf.stop_gradient(w_q - w)
    return tf.reduce_mean(tf.square(tf.matmul(x, w_ste) - y))
