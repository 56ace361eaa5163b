"""underflow-1: a next-token cross-entropy written as log(softmax(logits)), which underflows to log(0)."""
import numpy as np

ID = "underflow-1"
TITLE = "log(softmax) on a confident mistake"
CHAPTER = "underflow"
NOTEBOOK = "underflow-1.ipynb"
SEQ = 50
POINTS = 2
ENTRY = "next_token_loss"
CAUSE = "underflow"
SYMPTOM = "nan"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("W",)
HINTS = (
    "Print `tf.nn.softmax(logits)` for the batch: which probabilities are exactly 0, and what is log(0)?",
    "In float32, exp underflows to 0 below about -87, so softmax returns exactly 0 for a target logit far "
    "below the largest one. Take the log *before* exponentiating.",
    "Use `tf.nn.log_softmax(logits)` (or `logits - tf.reduce_logsumexp(logits, axis=-1, keepdims=True)`), or "
    "`tf.nn.sparse_softmax_cross_entropy_with_logits`.",
)
WHY = ("softmax(logits) underflowed to exactly 0 for a target far below the top logit, so the loss was "
       "log(0) = -inf and every gradient NaN. log_softmax computes logits - logsumexp(logits), which never forms "
       "the underflowed probability, and its gradient is softmax(logits) - onehot(targets).")


def cases(rng):
    out = []
    for n, d, vocab in [(5, 3, 6), (7, 4, 5), (8, 3, 7)]:
        h = rng.normal(size=(n, d)).astype("float32")
        W = (10.0 * rng.normal(size=(d, vocab))).astype("float32")
        targets = rng.integers(0, vocab, size=(n,))
        logits = h @ W
        gap = logits[0].max() - logits[0].min()
        if gap < 150.0:                     # make example 0 a confident mistake well past the float32 cliff
            W = (W * (150.0 / gap)).astype("float32")
        targets[0] = int(np.argmin((h @ W)[0]))
        out.append({"W": W, "h": h, "targets": targets.astype("int32")})
    return out


def reference(W, h, targets):
    import tensorflow as tf
    logits = tf.matmul(h, W)
    log_probs = tf.nn.log_softmax(logits, axis=-1)
    return -tf.reduce_mean(tf.gather(log_probs, targets, axis=1, batch_dims=1))
