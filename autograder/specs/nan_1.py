"""nan-1: an entropy bonus over masked attention weights, guarded with tf.where (the where trap)."""
import numpy as np

from ._cases import entropy_edge_rows

ID = "nan-1"
TITLE = "An entropy bonus guarded with tf.where"
CHAPTER = "nan"
NOTEBOOK = "nan-1.ipynb"
SEQ = 60
POINTS = 2
ENTRY = "masked_entropy"
CAUSE = "nan_backward"
SYMPTOM = "nan"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("logits",)
HINTS = (
    "The forward value is finite, the gradient is NaN. Which elements of `probs` are exactly 0, and what does "
    "the tape compute for them, even though `tf.where` does not select them?",
    "`tf.where` evaluates both branches and sends a zero gradient to the unselected one: log's gradient at 0 "
    "is 1/0 = inf, and 0 * inf = NaN. Make the unselected branch harmless as well.",
    "Use `tf.math.xlogy(probs, probs)` (it is 0 where probs == 0, with gradient 0 there), or the double where: "
    "take the log of `tf.where(probs > 0, probs, 1.0)`.",
)
WHY = ("tf.where computes both branches; at the masked positions probs is exactly 0, so log's gradient there is "
       "inf and the zero that tf.where sends back becomes 0 * inf = NaN. xlogy (or a safe input inside the "
       "where) keeps both the value and the gradient of the absent terms at 0.")


def cases(rng):
    out = []
    for n, k in [(3, 5), (4, 6), (2, 8)]:
        logits = rng.normal(size=(n, k)).astype("float32")
        mask = rng.random(size=(n, k)) < 0.6
        mask[:, 0] = True                       # every row attends somewhere
        mask[0, -1] = False                     # and at least one position is masked
        out.append({"logits": logits, "mask": mask})
    return entropy_edge_rows(out)


def reference(logits, mask):
    import tensorflow as tf
    masked = tf.where(mask, logits, tf.constant(-np.inf, logits.dtype))
    probs = tf.nn.softmax(masked, axis=-1)
    return tf.reduce_mean(tf.reduce_sum(tf.math.xlogy(probs, probs), axis=-1))
