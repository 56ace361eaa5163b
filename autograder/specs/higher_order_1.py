"""higher-order-1: a WGAN-GP critic step whose gradient penalty is computed after the outer tape closed."""
import numpy as np

ID = "higher-order-1"
TITLE = "A gradient penalty the outer tape never saw"
CHAPTER = "higher-order"
NOTEBOOK = "higher-order-1.ipynb"
SEQ = 96
POINTS = 2
ENTRY = "critic_loss_and_gradients"
CAUSE = "outside_tape"
HINTS = (
    "Print the gradients your function returns. Then ask: which lines ran while `tape` was recording?",
    "The penalty is built from `gp_tape.gradient(...)`, and that gradient is itself a computation: the outer tape "
    "can differentiate it only if it was recording when it ran. Computing the penalty before the outer tape opens "
    "is no better: it becomes a constant.",
    "Indent the three lines `grad_mixed = ...`, `penalty = ...` and `loss = ...` into the outer "
    "`with tf.GradientTape() as tape:` block (after the inner block), and return `tape.gradient(loss, [w1, w2])` "
    "outside it.",
)
WHY = ("The outer tape stopped recording before the inner gradient, the penalty and the sum were computed, so the "
       "loss was a tensor it never saw and every gradient was None. Computed inside the outer block, the inner "
       "gradient is recorded like any other op, and the outer tape differentiates through it (a second derivative).")


def cases(rng):
    """Critics whose input-gradient norms are well above 1, well below 1, and mixed, with interpolation weights
    that include the end points (the mixed point equal to the real or the fake sample)."""
    out = []
    for n, d, h, scale in [(6, 3, 5, 2.0), (5, 4, 6, 0.2), (8, 2, 4, 1.0)]:
        eps = rng.uniform(size=(n, 1))
        eps[0, 0], eps[1, 0] = 0.0, 1.0
        out.append({
            "w1": (scale * rng.normal(size=(d, h))).astype("float32"),
            "w2": (scale * rng.normal(size=(h, 1))).astype("float32"),
            "real": rng.normal(size=(n, d)).astype("float32"),
            "fake": (rng.normal(size=(n, d)) + 1.5).astype("float32"),
            "eps": eps.astype("float32"),
        })
    return out


def probe(fn, case):
    """Call ``fn(w1, w2, real, fake, eps) -> (loss, [grad_w1, grad_w2])``: the function owns its tapes."""
    import tensorflow as tf
    from autograder.probe import to_numpy
    variables = {k: tf.Variable(case[k], name=k) for k in ("w1", "w2")}
    loss, grads = fn(variables["w1"], variables["w2"], *(tf.constant(case[k]) for k in ("real", "fake", "eps")))
    grads = list(grads)
    if len(grads) != 2:
        raise ValueError(f"expected 2 gradients (w1, w2), got {len(grads)}")
    out = {"forward": to_numpy(loss)}
    for name, g in zip(variables, grads):
        out[f"grad/{name}"] = None if g is None else to_numpy(g)
    return out


def reference(w1, w2, real, fake, eps):
    import tensorflow as tf

    def critic(x):
        return tf.tanh(x @ w1) @ w2

    mixed = eps * real + (1.0 - eps) * fake
    with tf.GradientTape() as tape:
        wasserstein = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real))
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(mixed)
            d_mixed = critic(mixed)
        grad_mixed = gp_tape.gradient(d_mixed, mixed)
        penalty = tf.reduce_mean(tf.square(tf.norm(grad_mixed, axis=1) - 1.0))
        loss = wasserstein + 10.0 * penalty
    return loss, tape.gradient(loss, [w1, w2])
