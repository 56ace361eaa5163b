"""control-flow-1: an attention-entropy bonus that masks 0 * log(0) with tf.where and gets NaN gradients."""
from ._cases import entropy_edge_rows

ID = "control-flow-1"
TITLE = "Masking 0 · log 0 with tf.where"
CHAPTER = "control-flow"
NOTEBOOK = "control-flow-1.ipynb"
SEQ = 120
POINTS = 2
ENTRY = "masked_entropy"
CAUSE = "nan_backward"
SYMPTOM = "nan"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("logits",)
HINTS = (
    "The value is finite and correct, only the gradient is NaN. Which elements does `tf.where` throw away, and "
    "what is the derivative of `p * log(p)` there?",
    "`tf.where` is a selection, not control flow: both sides are computed and differentiated. Where `p == 0` the "
    "unused side has an infinite derivative, and the zero gradient `tf.where` sends it turns into 0 × inf = NaN.",
    "Make the unused side harmless with a second `tf.where` on the input: `safe_p = tf.where(p > 0, p, 1.0)`, then "
    "`tf.where(p > 0, p * tf.math.log(safe_p), 0.0)`.",
)
WHY = ("`tf.where` computes and differentiates both of its sides for every element. Where `p` is exactly zero, "
       "`p * log(p)` has an infinite derivative, and multiplying it by the zero gradient `tf.where` sends to the "
       "unselected side gives NaN, which then spreads through the softmax to the other logits of the row. Feeding the "
       "log a safe value (1.0) where it is not used keeps both sides finite.")


def cases(rng):
    out = []
    for rows, cols in [(3, 5), (4, 6), (2, 8)]:
        mask = rng.random((rows, cols)) < 0.6
        mask[np.arange(rows), rng.integers(0, cols, size=rows)] = True   # at least one position per row
        mask[0, :] = False
        mask[0, :2] = True                                              # and one row with only two
        out.append({
            "logits": (1.5 * rng.normal(size=(rows, cols))).astype("float32"),
            "mask": mask,
        })
    return entropy_edge_rows(out)


def reference(logits, mask):
    import tensorflow as tf
    masked = tf.where(mask, logits, -1e9)
    p = tf.nn.softmax(masked, axis=-1)
    safe_p = tf.where(p > 0, p, 1.0)
    plogp = tf.where(p > 0, p * tf.math.log(safe_p), 0.0)
    return -tf.reduce_mean(tf.reduce_sum(plogp, axis=-1))


import numpy as np  # noqa: E402  (used by cases)
