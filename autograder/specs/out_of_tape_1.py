"""out-of-tape-1: a scale-free loss standardises its predictions with NumPy statistics."""
from ._cases import regression_batches

ID = "out-of-tape-1"
TITLE = "NumPy statistics inside a loss"
CHAPTER = "out-of-tape"
NOTEBOOK = "out-of-tape-1.ipynb"
SEQ = 20
POINTS = 2
ENTRY = "scale_free_loss"
CAUSE = "left_tensorflow"
SYMPTOM = "wrong"           # how the bug shows as shipped (tests/test_invariants.py checks it)
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
    return regression_batches(rng, n_range=(5, 12), d_range=(2, 5))


def reference(w, x, y):
    import tensorflow as tf

    def standardise(a):
        return (a - tf.reduce_mean(a)) / tf.math.reduce_std(a)

    return tf.reduce_mean(tf.square(standardise(tf.matmul(x, w)) - standardise(y)))
