"""vector-targets-1: per-example gradients asked of tape.gradient, which returns the gradient of the sum."""
ID = "vector-targets-1"
TITLE = "One gradient per example"
CHAPTER = "vector-targets"
NOTEBOOK = "vector-targets-1.ipynb"
SEQ = 170
POINTS = 2
ENTRY = "per_example_gradients"
# The shipped bug returns a real gradient (of the summed losses): nothing is None, zero or NaN, and finite
# differences agree with it, so the gradient doctor reports it as fine. See the chapter's Diagnose section.
CAUSE = ""
DOCTOR_BLIND = "a non-scalar target is summed by tape.gradient; the doctor reports the gradient of the sum as ok"
HINTS = (
    "Print the shape of what `tape.gradient(losses, w)` returns. How many examples does it describe?",
    "`tape.gradient` of a vector target returns the gradient of the *sum* of its elements, one array shaped like "
    "`w`. One gradient per example is a row of the Jacobian of the loss vector with respect to `w`.",
    "Replace `tape.gradient(losses, w)` with `tape.jacobian(losses, w)`: its shape is `losses.shape + w.shape`.",
)
WHY = ("`tape.gradient` computes one vector-Jacobian product with an all-ones upstream gradient, which is the "
       "gradient of `reduce_sum(losses)`. The Jacobian has one row per element of the target: example i's "
       "gradient.")


def cases(rng):
    out = []
    # n = 1 (where the sum *is* the per-example gradient), repeated examples, and an ordinary batch.
    for n, d, repeat in [(1, 3, False), (5, 2, True), (7, 4, False)]:
        x = rng.normal(size=(n, d)).astype("float32")
        if repeat:
            x[1] = x[0]
        out.append({
            "w": rng.normal(size=(d, 1)).astype("float32"),
            "x": x,
            "y": rng.normal(size=(n, 1)).astype("float32"),
        })
    return out


def probe(fn, case):
    """Call ``fn(w, x, y) -> (losses, per_example_grads)``; the function owns its tape."""
    import tensorflow as tf
    from autograder.probe import to_numpy
    w = tf.Variable(case["w"], name="w")
    result = fn(w, tf.constant(case["x"]), tf.constant(case["y"]))
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ValueError("per_example_gradients must return two things: (losses, per-example gradients)")
    losses, grads = result
    return {"forward": to_numpy(losses), "grad/w": None if grads is None else to_numpy(grads)}


def reference(w, x, y):
    import tensorflow as tf
    with tf.GradientTape() as tape:
        losses = tf.square(tf.matmul(x, w) - y)[:, 0]
    return losses, tape.jacobian(losses, w)
