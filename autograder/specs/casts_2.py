"""casts-2: an expected-rating loss that uses argmax, whose output is an integer index."""
ID = "casts-2"
TITLE = "An expected rating computed with argmax"
CHAPTER = "casts"
NOTEBOOK = "casts-2.ipynb"
SEQ = 11
POINTS = 2
ENTRY = "rating_loss"
CAUSE = "non_differentiable_op"
SYMPTOM = "none"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("logits",)
HINTS = (
    "What dtype does `tf.argmax` return, and what does the tape do at an integer tensor?",
    "The docstring asks for the *expected* rating under the model's distribution, not its single most likely "
    "rating. An expectation is a probability-weighted sum.",
    "`probs = tf.nn.softmax(logits)`; expected rating = `tf.reduce_sum(probs * stars, axis=-1)` with "
    "`stars = [1., 2., ..., K]`.",
)
WHY = ("`tf.argmax` returns integer indices, and no gradient flows through an integer tensor (nor would a step "
       "function give a useful one). The expected rating, a softmax-weighted sum of the star values, is smooth in "
       "the logits, so every logit gets a gradient.")


def cases(rng):
    out = []
    for _ in range(3):
        n, k = int(rng.integers(3, 9)), int(rng.integers(3, 7))
        out.append({
            "logits": (2.0 * rng.normal(size=(n, k))).astype("float32"),
            "ratings": rng.integers(1, k + 1, size=(n,)).astype("float32"),
        })
    return out


def reference(logits, ratings):
    import tensorflow as tf
    stars = tf.range(1, logits.shape[-1] + 1, dtype=tf.float32)
    expected = tf.reduce_sum(tf.nn.softmax(logits, axis=-1) * stars, axis=-1)
    return tf.reduce_mean(tf.square(expected - ratings))
