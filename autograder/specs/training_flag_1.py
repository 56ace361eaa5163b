"""training-flag-1: a custom training step that calls a batch-normalized model without training=True."""
import numpy as np

ID = "training-flag-1"
TITLE = "Batch normalization stuck in inference mode"
CHAPTER = "training-flag"
NOTEBOOK = "training-flag-1.ipynb"
SEQ = 93
POINTS = 2
ENTRY = "loss_and_gradients"
CAUSE = "unknown"   # the doctor checks the function it is given, and the inference-mode gradients are correct for it
HINTS = (
    "Run your function twice on the demo batch and print `model.get_layer(\"norm\").moving_mean`: does a training "
    "step change it?",
    "`model(x)` runs the model in inference mode: batch normalization uses its moving statistics instead of the "
    "batch's and never updates them, so the gradients belong to a different function.",
    "Call `model(x, training=True)` inside the tape, and keep differentiating with respect to "
    "`model.trainable_variables` (a frozen layer's weights are not in that list, and must not be).",
)
WHY = ("Called without `training=True`, the model ran in inference mode: batch normalization normalized with its "
       "moving statistics and never updated them, so the gradients were those of a different function. "
       "`training=True` uses the batch's statistics, updates the moving ones, and leaves frozen layers (whose "
       "weights are not in `trainable_variables`, and a frozen batch norm stays in inference mode) alone.")


def cases(rng):
    """Three models, all "pretrained" (moving statistics far from the batch's): one fully trainable, one with the
    first Dense layer frozen, one with the batch-norm layer frozen (Keras 3 runs it in inference mode)."""
    out = []
    for n, d, h, frozen in [(12, 4, 6, 0), (10, 3, 5, 1), (16, 5, 4, 2)]:
        out.append({
            "x": (2.0 * rng.normal(size=(n, d)) + 1.0).astype("float32"),
            "y": rng.normal(size=(n, 1)).astype("float32"),
            "w1": rng.normal(size=(d, h)).astype("float32"), "b1": rng.normal(size=(h,)).astype("float32"),
            "gamma": (1.0 + 0.3 * rng.normal(size=(h,))).astype("float32"),
            "beta": (0.3 * rng.normal(size=(h,))).astype("float32"),
            "moving_mean": rng.normal(size=(h,)).astype("float32"),
            "moving_variance": rng.uniform(0.5, 3.0, size=(h,)).astype("float32"),
            "w2": rng.normal(size=(h, 1)).astype("float32"), "b2": rng.normal(size=(1,)).astype("float32"),
            "frozen": np.array(frozen),   # 0: none, 1: the hidden Dense layer, 2: the batch-norm layer
        })
    return out


def probe(fn, case):
    """Call ``fn(model, x, y) -> (loss, gradients)``; record the loss, each trainable variable's gradient (named
    by its path) and the batch-norm moving mean afterwards."""
    import keras
    import tensorflow as tf
    from autograder.probe import to_numpy

    d, h = case["w1"].shape
    model = keras.Sequential([keras.Input((d,)), keras.layers.Dense(h, name="hidden"),
                              keras.layers.BatchNormalization(name="norm"), keras.layers.Activation("relu"),
                              keras.layers.Dense(1, name="out")], name="net")
    model.set_weights([case[k] for k in ("w1", "b1", "gamma", "beta", "moving_mean", "moving_variance", "w2", "b2")])
    frozen = int(case["frozen"])
    if frozen:
        model.get_layer("hidden" if frozen == 1 else "norm").trainable = False
    loss, grads = fn(model, tf.constant(case["x"]), tf.constant(case["y"]))
    grads = list(grads)
    variables = model.trainable_variables
    if len(grads) != len(variables):
        raise ValueError(f"expected {len(variables)} gradients, one per variable in model.trainable_variables, "
                         f"got {len(grads)}")
    out = {"forward": to_numpy(loss)}
    for v, g in zip(variables, grads):
        out[f"grad/{v.path}"] = None if g is None else to_numpy(g)
    out["the batch-norm moving mean after the step"] = model.get_layer("norm").moving_mean.numpy()
    return out


def reference(model, x, y):
    import tensorflow as tf
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(pred - y))
    return loss, tape.gradient(loss, model.trainable_variables)
