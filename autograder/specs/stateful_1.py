"""stateful-1: exponential smoothing written into a tf.Variable buffer with item assignment."""
ID = "stateful-1"
TITLE = "A smoothing buffer filled with assign"
CHAPTER = "stateful-ops"
NOTEBOOK = "stateful-1.ipynb"
SEQ = 100
POINTS = 2
ENTRY = "smoothed_loss"
CAUSE = "stateful_op"
SYMPTOM = "none"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("w",)
HINTS = (
    "The loss reads `smoothed`, and `smoothed` was filled from the predictions. How did the values get there?",
    "`assign` is not differentiated: a value written into a variable and read back has lost its path to `w`.",
    "Collect the smoothed values in a Python list and build the tensor with `tf.stack(values)` instead of a "
    "`tf.Variable` buffer.",
)
WHY = ("Writing into a variable with `assign` is not a differentiable operation, and reading a variable is a leaf "
       "for the tape, so the smoothed values had no path back to `w`. A list of tensors joined by `tf.stack` "
       "keeps every step on the tape.")

ALPHA = 0.8


def cases(rng):
    out = []
    for _ in range(3):
        t, d = int(rng.integers(4, 10)), int(rng.integers(2, 5))
        out.append({
            "w": rng.normal(size=(d, 1)).astype("float32"),
            "x": rng.normal(size=(t, d)).astype("float32"),
            "y": rng.normal(size=(t,)).astype("float32"),
        })
    return out


def reference(w, x, y):
    import tensorflow as tf
    predictions = tf.reshape(tf.matmul(x, w), [-1])
    values = [predictions[0]]
    for t in range(1, predictions.shape[0]):
        values.append(ALPHA * values[-1] + (1 - ALPHA) * predictions[t])
    return tf.reduce_mean(tf.square(tf.stack(values) - y))
