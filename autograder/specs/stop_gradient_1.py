"""stop-gradient-1: attention pooling whose weights were wrapped in tf.stop_gradient."""
ID = "stop-gradient-1"
TITLE = "Attention weights behind a stop_gradient"
CHAPTER = "stop-gradient"
NOTEBOOK = "stop-gradient-1.ipynb"
SEQ = 30
POINTS = 2
ENTRY = "pooled_loss"
CAUSE = "stop_gradient"
SYMPTOM = "none"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("w_score", "w_value")
HINTS = (
    "`w_value` gets a gradient and `w_score` does not. What lies on every path from `w_score` to the loss?",
    "`tf.stop_gradient` is the identity going forward and blocks the gradient going backward.",
    "The attention weights must learn from this loss: remove the `tf.stop_gradient` around them.",
)
WHY = ("`tf.stop_gradient` cut the only path from `w_score` to the loss, so the scorer could never learn which items "
       "to attend to. The stop belongs on things that must not learn from this loss (targets, a teacher), "
       "not on a branch that should train.")


def cases(rng):
    out = []
    for _ in range(3):
        b, n, d, k = int(rng.integers(2, 6)), int(rng.integers(3, 7)), int(rng.integers(2, 5)), int(rng.integers(1, 4))
        out.append({
            "w_score": rng.normal(size=(d, 1)).astype("float32"),
            "w_value": rng.normal(size=(d, k)).astype("float32"),
            "items": rng.normal(size=(b, n, d)).astype("float32"),
            "target": rng.normal(size=(b, k)).astype("float32"),
        })
    return out


def reference(w_score, w_value, items, target):
    import tensorflow as tf
    weights = tf.nn.softmax(tf.einsum("bnd,do->bno", items, w_score), axis=1)
    values = tf.einsum("bnd,dk->bnk", items, w_value)
    pooled = tf.reduce_sum(weights * values, axis=1)
    return tf.reduce_mean(tf.square(pooled - target))
