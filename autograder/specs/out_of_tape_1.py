"""out-of-tape-1: a scale-free loss standardises its predictions with NumPy statistics."""
ID = "out-of-tape-1"
TITLE = "NumPy statistics inside a loss"
CHAPTER = "out-of-tape"
NOTEBOOK = "out-of-tape-1.ipynb"
SEQ = 20
POINTS = 2
ENTRY = "scale_free_loss"
CAUSE = "left_tensorflow"
WRT = ("w",)
HINTS = (
    "The gradient is not None, but it is wrong. Which values in the loss did the tape treat as constants?",
    "`np.mean` and `np.std` return NumPy scalars: the tape never sees how they depend on the predictions.",
    "Compute the statistics with TensorFlow: `tf.reduce_mean(a)` and `tf.math.reduce_std(a)`.",
)
WHY = ("NumPy computed the mean and standard deviation outside the tape, so the gradient treated them as "
       "constants and missed how they move with every prediction. With TensorFlow statistics the tape records "
       "them, and the gradient is the gradient of the function you wrote.")


def cases(rng):
    out = []
    for _ in range(3):
        n, d = int(rng.integers(5, 12)), int(rng.integers(2, 5))
        out.append({
            "w": rng.normal(size=(d, 1)).astype("float32"),
            "x": rng.normal(size=(n, d)).astype("float32"),
            "y": rng.normal(size=(n, 1)).astype("float32"),
        })
    return out


def reference(w, x, y):
    import tensorflow as tf

    def standardise(a):
        return (a - tf.reduce_mean(a)) / tf.math.reduce_std(a)

    return tf.reduce_mean(tf.square(standardise(tf.matmul(x, w)) - standardise(y)))
