"""casts-1: a mean squared error whose predictions are cast to integers to match integer labels."""
ID = "casts-1"
TITLE = "Integer labels, integer predictions, no gradient"
CHAPTER = "casts"
NOTEBOOK = "casts-1.ipynb"
SEQ = 10
POINTS = 2
ENTRY = "mse_loss"
CAUSE = "non_differentiable_op"
SYMPTOM = "none"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("w",)
HINTS = (
    "Follow the path from `w` to the loss: is every tensor on it a floating-point tensor?",
    "`tf.cast(..., tf.int32)` has no gradient: the tape stops at any cast to an integer dtype.",
    "Cast the integer *labels* to float32 instead of casting the *predictions* to int32.",
)
WHY = ("`Cast`'s gradient function returns None when either dtype is an integer, so the path from `w` to the loss was cut. "
       "Casting the labels to float keeps every tensor on the path differentiable.")


def cases(rng):
    out = []
    for _ in range(3):
        n, d = int(rng.integers(4, 9)), int(rng.integers(2, 5))
        out.append({
            "w": rng.normal(size=(d, 1)).astype("float32"),
            "x": rng.normal(size=(n, d)).astype("float32"),
            "labels": rng.integers(-3, 4, size=(n, 1)).astype("int32"),
        })
    return out


def reference(w, x, labels):
    import tensorflow as tf
    predictions = tf.matmul(x, w)
    return tf.reduce_mean(tf.square(predictions - tf.cast(labels, tf.float32)))
