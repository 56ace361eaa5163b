"""out-of-tape-2: a training step computes the encoder's features before opening the tape."""
ID = "out-of-tape-2"
TITLE = "Features cached before the tape"
CHAPTER = "out-of-tape"
NOTEBOOK = "out-of-tape-2.ipynb"
SEQ = 21
POINTS = 2
ENTRY = "loss_and_gradients"
CAUSE = "outside_tape"
SYMPTOM = "none"           # how the bug shows as shipped (tests/test_invariants.py checks it)
HINTS = (
    "Which variables does the tape see being read? Try `tape.watched_variables()`.",
    "The tape records only what runs inside its `with` block; the encoder ran before the block opened.",
    "Move the line that computes `features` inside the `with tf.GradientTape() as tape:` block.",
)
WHY = ("A tape records operations only while it is open. The encoder's matmul and tanh ran before it, so for the "
       "tape `features` was a constant with no history, and `w_enc` had no path to the loss.")


def cases(rng):
    out = []
    for _ in range(3):
        n, d, h = int(rng.integers(4, 10)), int(rng.integers(2, 5)), int(rng.integers(3, 7))
        out.append({
            "w_enc": (rng.normal(size=(d, h)) / d ** 0.5).astype("float32"),
            "w_head": (rng.normal(size=(h, 1)) / h ** 0.5).astype("float32"),
            "x": rng.normal(size=(n, d)).astype("float32"),
            "y": rng.normal(size=(n, 1)).astype("float32"),
        })
    return out


def probe(fn, case):
    """Call ``fn(w_enc, w_head, x, y) -> (loss, [grad_enc, grad_head])``: the function owns its tape."""
    import tensorflow as tf
    from autograder.probe import to_numpy
    variables = {k: tf.Variable(case[k], name=k) for k in ("w_enc", "w_head")}
    loss, grads = fn(variables["w_enc"], variables["w_head"], tf.constant(case["x"]), tf.constant(case["y"]))
    grads = list(grads)
    if len(grads) != 2:
        raise ValueError(f"expected 2 gradients (w_enc, w_head), got {len(grads)}")
    out = {"forward": to_numpy(loss)}
    for name, g in zip(variables, grads):
        out[f"grad/{name}"] = None if g is None else to_numpy(g)
    return out


def reference(w_enc, w_head, x, y):
    import tensorflow as tf
    with tf.GradientTape() as tape:
        features = tf.tanh(tf.matmul(x, w_enc))
        loss = tf.reduce_mean(tf.square(tf.matmul(features, w_head) - y))
    return loss, tape.gradient(loss, [w_enc, w_head])
