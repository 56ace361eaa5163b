"""custom-gradient-1: a memory-saving Mish activation whose custom gradient drops a chain-rule factor."""
ID = "custom-gradient-1"
TITLE = "A memory-saving Mish with a wrong derivative"
CHAPTER = "custom-gradient"
NOTEBOOK = "custom-gradient-1.ipynb"
SEQ = 70
POINTS = 2
ENTRY = "regression_loss"
CAUSE = "wrong_custom_gradient"
WRT = ("w",)
HINTS = (
    "Compare your `mish` gradient with TensorFlow's own gradient of `x * tf.tanh(tf.math.softplus(x))`, "
    "or run `tf.test.compute_gradient` on `mish` in float64.",
    "Differentiate x * tanh(softplus(x)) with the chain rule, one layer at a time: the derivative of "
    "softplus(x) is not 1.",
    "d/dx mish(x) = tanh(sp) + x * (1 - tanh(sp)**2) * sigmoid(x), with sp = softplus(x); keep the `dy *`.",
)
WHY = ("The custom gradient dropped the inner factor of the chain rule, d softplus(x)/dx = sigmoid(x). "
       "TensorFlow uses whatever grad returns without checking it; a comparison with finite differences (or with "
       "autodiff of the same forward formula) is the only way to catch it.")


def cases(rng):
    out = []
    for n, d, h in [(5, 2, 3), (7, 3, 4), (9, 4, 2)]:
        out.append({
            "w": (1.5 * rng.normal(size=(d, h))).astype("float32"),
            "x": rng.normal(size=(n, d)).astype("float32"),
            "y": rng.normal(size=(n,)).astype("float32"),
        })
    return out


def reference(w, x, y):
    import tensorflow as tf
    z = tf.matmul(x, w)
    hidden = z * tf.tanh(tf.math.softplus(z))
    return tf.reduce_mean(tf.square(tf.reduce_sum(hidden, axis=1) - y))
