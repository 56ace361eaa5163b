"""no-grad-ops-2: a probit regression whose log-likelihood comes from SciPy through tf.numpy_function."""
ID = "no-grad-ops-2"
TITLE = "A probit model with SciPy's log_ndtr"
CHAPTER = "no-gradient-ops"
NOTEBOOK = "no-grad-ops-2.ipynb"
SEQ = 41
POINTS = 3
ENTRY = "probit_nll"
CAUSE = "non_differentiable_op"
SYMPTOM = "none"           # how the bug shows as shipped (tests/test_invariants.py checks it)
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


# Margins z = (2y - 1) * (x @ w) the hidden cases must contain. The deep tail is where the exercise's point
# lies: in float32, Phi(z) underflows to 0 below about z = -13 (log(Phi) = -inf, gradient NaN; a floor such as
# max(Phi, 1e-30) gives a finite but wrong loss and a zero gradient), while log_ndtr stays exact.
TAIL_MARGINS = (-30.0, -20.0, -9.0, 0.0, 12.0)


def _with_margins(w, x, y, margins):
    """Rewrite the first rows of ``x`` so that those rows' margins are exactly ``margins``."""
    direction = w[:, 0] / float(w[:, 0] @ w[:, 0])          # x_row @ w = m for x_row = m * direction
    for row, m in enumerate(margins):
        x[row] = (m * (2.0 * y[row] - 1.0)) * direction
    return x


def cases(rng):
    out = []
    for n, d in [(6, 2), (9, 3), (12, 4), (1, 2)]:
        w = (1.5 * rng.normal(size=(d, 1))).astype("float32")
        x = rng.normal(size=(n, d)).astype("float32")
        y = rng.integers(0, 2, size=(n,)).astype("float32")
        out.append({"w": w, "x": x, "y": y})
    _with_margins(out[1]["w"], out[1]["x"], out[1]["y"], TAIL_MARGINS)
    _with_margins(out[2]["w"], out[2]["x"], out[2]["y"], (-25.0, -15.0, 6.0))
    _with_margins(out[3]["w"], out[3]["x"], out[3]["y"], (-40.0,))        # one example, far in the tail
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
