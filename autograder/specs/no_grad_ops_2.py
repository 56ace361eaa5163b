"""no-grad-ops-2: a probit regression whose log-likelihood comes from SciPy through tf.numpy_function."""
ID = "no-grad-ops-2"
TITLE = "A probit model with SciPy's log_ndtr"
CHAPTER = "no-gradient-ops"
NOTEBOOK = "no-grad-ops-2.ipynb"
SEQ = 41
POINTS = 3
ENTRY = "probit_nll"
CAUSE = "non_differentiable_op"
WRT = ("w",)
HINTS = (
    "The loss leaves TensorFlow for a moment. Can the tape see inside a `tf.numpy_function`?",
    "`tf.numpy_function` is registered with no gradient (op type `PyFunc`): wrap the call in a function "
    "decorated with `@tf.custom_gradient` and return the derivative of log Phi yourself.",
    "d/dz log Phi(z) = phi(z) / Phi(z) = exp(-z**2 / 2 - log Phi(z)) / sqrt(2 pi): compute it from the "
    "forward output, multiply by the upstream `dy`, and return it from the inner `grad` function.",
)
WHY = ("tf.numpy_function runs opaque Python, so TensorFlow registers it as non-differentiable and the tape "
       "returned None. tf.custom_gradient supplies the derivative, written in the stable form "
       "exp(-z^2/2 - log Phi(z)) / sqrt(2 pi), which never divides by an underflowed Phi(z).")


def cases(rng):
    out = []
    for n, d in [(6, 2), (9, 3), (12, 4)]:
        out.append({
            "w": (1.5 * rng.normal(size=(d, 1))).astype("float32"),
            "x": rng.normal(size=(n, d)).astype("float32"),
            "y": rng.integers(0, 2, size=(n,)).astype("float32"),
        })
    return out


def _log_ndtr_numpy(t):
    import scipy.special
    return scipy.special.log_ndtr(t).astype(t.dtype)


def reference(w, x, y):
    import numpy as np
    import tensorflow as tf

    @tf.custom_gradient
    def log_ndtr(z):
        out = tf.ensure_shape(tf.numpy_function(_log_ndtr_numpy, [z], z.dtype), z.shape)

        def grad(dy):
            return dy * tf.exp(-0.5 * z * z - out) / np.sqrt(2.0 * np.pi).astype("float32")
        return out, grad

    z = (2.0 * y - 1.0) * tf.squeeze(tf.matmul(x, w), axis=1)
    return -tf.reduce_mean(log_ndtr(z))
