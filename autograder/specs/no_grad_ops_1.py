"""no-grad-ops-1: a loss that deduplicates repeated items with tf.unique on float errors (no gradient registered)."""
import numpy as np

ID = "no-grad-ops-1"
TITLE = "Counting each item once with tf.unique"
CHAPTER = "no-gradient-ops"
NOTEBOOK = "no-grad-ops-1.ipynb"
SEQ = 40
POINTS = 2
ENTRY = "distinct_item_loss"
CAUSE = "no_gradient_registered"
SYMPTOM = "crash"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("w",)
HINTS = (
    "Read the error: it names the op type whose gradient TensorFlow cannot find. Which line creates it?",
    "`tf.unique` (op type `Unique`) has no registered gradient, so the tape cannot pass through it when it "
    "is applied to the float errors. Deduplicate something that needs no gradient instead.",
    "Apply `tf.unique` to the integer `ids`, find the first row of each distinct item "
    "(`tf.math.unsorted_segment_min(tf.range(n), idx, num_items)`), and `tf.gather` those rows' errors.",
)
WHY = ("`Unique` has no entry in the gradient registry, so the tape raised LookupError as soon as the float "
       "errors flowed through it. Deduplicating the integer ids keeps tf.unique off the differentiable path, and "
       "tf.gather has a gradient.")


def cases(rng):
    out = []
    for n_items, batch in [(4, 7), (5, 9), (6, 10)]:
        d = int(rng.integers(2, 5))
        table = rng.normal(size=(n_items, d)).astype("float32")
        targets = rng.normal(size=(n_items,)).astype("float32")
        table[1], targets[1] = table[0], targets[0]   # items 0 and 1 differ but have equal features and targets
        ids = np.concatenate([np.arange(n_items), rng.integers(0, n_items, size=batch - n_items)])
        ids = rng.permutation(ids).astype("int32")
        out.append({
            "w": rng.normal(size=(d, 1)).astype("float32"),
            "x": table[ids],
            "ids": ids,
            "y": targets[ids],
        })
    return out


def reference(w, x, ids, y):
    import tensorflow as tf
    errors = tf.square(tf.squeeze(tf.matmul(x, w), axis=1) - y)
    _, idx = tf.unique(ids)
    first = tf.math.unsorted_segment_min(tf.range(tf.shape(ids)[0]), idx, tf.reduce_max(idx) + 1)
    return tf.reduce_mean(tf.gather(errors, first))

