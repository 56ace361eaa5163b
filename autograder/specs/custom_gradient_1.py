"""custom-gradient-1: a memory-saving Mish activation whose custom gradient drops a chain-rule factor."""
import numpy as np

from autograder.probe import gradients

from ._structure import gradient_goes_through_custom_gradient

ID = "custom-gradient-1"
TITLE = "A memory-saving Mish with a wrong derivative"
CHAPTER = "custom-gradient"
NOTEBOOK = "custom-gradient-1.ipynb"
SEQ = 70
POINTS = 2
ENTRY = "regression_loss"
CAUSE = "wrong_custom_gradient"
SYMPTOM = "wrong"           # how the bug shows as shipped (tests/test_invariants.py checks it)
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


# The goal states a structural requirement; the message quotes it.
KEEP_CUSTOM = ("requirement/the goal says \"keep the custom gradient (it exists to save memory), just make it "
               "right\": the gradient of `regression_loss` must go through `mish`'s `@tf.custom_gradient` "
               "(autodiff of the forward formula computes the right numbers but keeps every intermediate alive)")


def cases(rng):
    out = []
    # The pre-activations reach where the missing factor sigmoid(z) matters most: z << 0 (factor near 0) and the
    # middle (near 1/2); a batch of one row too.
    for n, d, h in [(5, 2, 3), (7, 3, 4), (9, 4, 2), (1, 3, 2)]:
        out.append({
            "w": (1.5 * rng.normal(size=(d, h))).astype("float32"),
            "x": rng.normal(size=(n, d)).astype("float32"),
            "y": rng.normal(size=(n,)).astype("float32"),
        })
    out[0]["x"][0] = -4.0 * np.sign(out[0]["w"][:, 0])     # row 0, unit 0: z of about -6 * |w|
    return out


def probe(fn, case):
    import tensorflow as tf
    variables = {"w": tf.Variable(case["w"], name="w")}
    x, y = tf.constant(case["x"]), tf.constant(case["y"])
    result = gradients(lambda: fn(variables["w"], x, y), variables)
    result[KEEP_CUSTOM] = np.float32(gradient_goes_through_custom_gradient(lambda: fn(variables["w"], x, y),
                                                                           variables["w"]))
    return result


def reference(w, x, y):
    import tensorflow as tf

    @tf.custom_gradient
    def mish(v):
        t = tf.tanh(tf.math.softplus(v))

        def grad(dy):
            return dy * (t + v * (1.0 - t * t) * tf.sigmoid(v))
        return v * t, grad

    return tf.reduce_mean(tf.square(tf.reduce_sum(mish(tf.matmul(x, w)), axis=1) - y))
