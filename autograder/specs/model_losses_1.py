"""model-losses-1: a custom training step that reads model.losses before the tape (and before the forward pass)."""
import numpy as np

ID = "model-losses-1"
TITLE = "Penalties read before the tape"
CHAPTER = "model-losses"
NOTEBOOK = "model-losses-1.ipynb"
SEQ = 94
POINTS = 2
ENTRY = "loss_and_gradients"
CAUSE = "outside_tape"
HINTS = (
    "The demo prints your loss next to the one `fit` computes (`model.compute_loss`): do they agree? Which terms "
    "of your loss did the tape see being computed?",
    "`model.losses` is not a constant: weight penalties are computed from the weights when you read the list, and "
    "`add_loss` terms are replaced on every call of the model. Read before the tape, both are constants to the "
    "tape, and the `add_loss` terms even belong to the previous call.",
    "Inside the tape, after `pred = model(x, training=True)`, write `loss = tf.reduce_mean(tf.square(pred - y)) + "
    "sum(model.losses)`, and remove the line that read `model.losses` before the tape.",
)
WHY = ("`model.losses` was read before the tape: the L2 penalty was computed without being recorded, and the "
       "activity penalty was the previous call's, so both were constants and their gradients were missing. Read "
       "inside the tape after the forward pass, every penalty is recorded and belongs to this batch.")


def cases(rng):
    """Regimes: a strong weight penalty without activity penalty, a strong activity penalty without weight
    penalty, and both; the model is always called once on other data first, as a real loop does."""
    out = []
    for n, d, h, l2, rate in [(8, 3, 4, 0.5, 0.0), (6, 4, 5, 0.0, 2.0), (10, 2, 3, 0.2, 0.7)]:
        out.append({
            "x": rng.normal(size=(n, d)).astype("float32"),
            "y": rng.normal(size=(n, 1)).astype("float32"),
            "x_before": rng.normal(size=(3, d)).astype("float32"),
            "w1": rng.normal(size=(d, h)).astype("float32"), "b1": rng.normal(size=(h,)).astype("float32"),
            "w2": rng.normal(size=(h, 1)).astype("float32"), "b2": rng.normal(size=(1,)).astype("float32"),
            "l2": np.array(l2, dtype="float32"), "rate": np.array(rate, dtype="float32"),
        })
    return out


def build_model(d, h, l2, rate):
    """Dense (L2 kernel penalty) -> identity layer with an add_loss activity penalty -> Dense."""
    import keras
    import tensorflow as tf

    class ActivityPenalty(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate

        def call(self, t):
            self.add_loss(self.rate * tf.reduce_mean(tf.square(t)))
            return t

    return keras.Sequential([keras.Input((d,)),
                             keras.layers.Dense(h, kernel_regularizer=keras.regularizers.L2(l2), name="hidden"),
                             ActivityPenalty(rate, name="penalty"), keras.layers.Dense(1, name="out")], name="net")


def probe(fn, case):
    """Call ``fn(model, x, y) -> (loss, gradients)`` after one earlier call of the model on other data."""
    import tensorflow as tf
    from autograder.probe import to_numpy
    d, h = case["w1"].shape
    model = build_model(d, h, float(case["l2"]), float(case["rate"]))
    model.set_weights([case[k] for k in ("w1", "b1", "w2", "b2")])
    model(tf.constant(case["x_before"]))
    loss, grads = fn(model, tf.constant(case["x"]), tf.constant(case["y"]))
    grads = list(grads)
    variables = model.trainable_variables
    if len(grads) != len(variables):
        raise ValueError(f"expected {len(variables)} gradients, one per variable in model.trainable_variables, "
                         f"got {len(grads)}")
    out = {"forward": to_numpy(loss)}
    for v, g in zip(variables, grads):
        out[f"grad/{v.path}"] = None if g is None else to_numpy(g)
    return out


def reference(model, x, y):
    import tensorflow as tf
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(pred - y)) + tf.add_n(model.losses)
    return loss, tape.gradient(loss, model.trainable_variables)
