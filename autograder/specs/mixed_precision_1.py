"""mixed-precision-1: a custom training step under mixed_float16 that never scales its loss."""
import numpy as np

ID = "mixed-precision-1"
TITLE = "A float16 training step whose gradients vanish"
CHAPTER = "mixed-precision"
NOTEBOOK = "mixed-precision-1.ipynb"
SEQ = 55
POINTS = 2
ENTRY = "train_step"
CAUSE = "underflow"
RTOL = 1e-2      # float16 keeps about three significant digits
ATOL = 1e-12     # the gradients of the first case are about 1e-8: any absolute slack would accept zero
HINTS = (
    "Count the exactly-zero entries of the gradients your step computes on the demo batch, and compare their size "
    "in float32 with `np.finfo(np.float16).smallest_subnormal`.",
    "Under `mixed_float16` the backward pass runs in float16 too: activation gradients below about 6e-8 round to "
    "0 before they reach the weights. Scale the loss up before differentiating, and the gradients back down "
    "before the update; the `optimizer` you are given knows how, and also what to do when a scaled gradient "
    "overflows.",
    "Inside the tape: `scaled_loss = optimizer.scale_loss(loss)`; then `grads = tape.gradient(scaled_loss, "
    "model.trainable_variables)` and `optimizer.apply(grads, model.trainable_variables)` (it divides by the scale, "
    "and skips the step when a gradient is inf). Keep returning the unscaled `loss`.",
)
WHY = ("The float16 backward pass rounded every activation gradient below about 6e-8 to exactly 0. "
       "`scale_loss` multiplies the loss by the loss scale (2**15 to start), so every gradient in the backward pass "
       "is that much larger and survives float16; `apply` divides the float32 gradients by the scale before the "
       "update, and when the scale is so large that a gradient overflows it skips the step and halves the scale.")

NAMES = ("hidden/kernel", "hidden/bias", "output/kernel", "output/bias")


def _forward(x, w1, b1, w2, b2):
    return np.tanh(x @ w1 + b1) @ w2 + b2


def cases(rng):
    """Three regimes: (1) a model close to its targets with many outputs, whose float16 gradients all underflow
    unless the loss is scaled; (2) ordinary gradients, where scaling changes nothing; (3) targets so far off that
    the scaled gradients overflow float16, so the optimizer must skip the step and halve its scale."""
    out = []
    for n, d, h, o, regime in [(32, 4, 8, 2048, "close"), (8, 3, 5, 4, "ordinary"), (2, 3, 4, 1, "far")]:
        w1 = (rng.normal(size=(d, h)) / d ** 0.5).astype("float32")
        b1 = (0.1 * rng.normal(size=(h,))).astype("float32")
        w2 = (rng.normal(size=(h, o)) / h ** 0.5).astype("float32")
        b2 = (0.1 * rng.normal(size=(o,))).astype("float32")
        x = rng.normal(size=(n, d)).astype("float32")
        if regime == "close":
            y = _forward(x, w1, b1, w2, b2) + 1e-4 * rng.normal(size=(n, o))
        elif regime == "ordinary":
            y = rng.normal(size=(n, o))
        else:
            y = 100.0 + rng.normal(size=(n, o))
        out.append({"x": x, "y": y.astype("float32"), "w1": w1, "b1": b1, "w2": w2, "b2": b2})
    return out


def probe(fn, case):
    """Call ``fn(model, optimizer, x, y) -> loss`` once on a float16 model and record what the optimizer did:
    the gradients that reached the inner SGD optimizer (after unscaling), how many updates it applied, and the
    loss scale afterwards."""
    import keras
    import tensorflow as tf
    from autograder.probe import to_numpy

    recorded = []

    class RecordingSGD(keras.optimizers.SGD):
        def apply(self, grads, trainable_variables=None):
            recorded.append([None if g is None else to_numpy(g) for g in grads])
            return super().apply(grads, trainable_variables)

    d, h = case["w1"].shape
    o = case["w2"].shape[1]
    model = keras.Sequential([keras.Input((d,)), keras.layers.Dense(h, activation="tanh", dtype="mixed_float16"),
                              keras.layers.Dense(o, dtype="mixed_float16")])
    model.set_weights([case["w1"], case["b1"], case["w2"], case["b2"]])
    optimizer = keras.optimizers.LossScaleOptimizer(RecordingSGD(learning_rate=0.1))
    loss = fn(model, optimizer, tf.constant(case["x"]), tf.constant(case["y"]))
    out = {"forward": to_numpy(loss).astype("float32"), "updates applied": np.array(len(recorded))}
    scale = getattr(optimizer, "dynamic_scale", None)
    out["loss scale after the step"] = np.array(float(scale) if scale is not None else optimizer.initial_scale)
    if recorded:
        grads = recorded[0]
        if len(grads) != len(NAMES):
            raise ValueError(f"expected {len(NAMES)} gradients (one per trainable variable), got {len(grads)}")
        for name, g in zip(NAMES, grads):
            out[f"grad/{name}"] = g
    return out


def reference(model, optimizer, x, y):
    import tensorflow as tf
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(tf.cast(pred, tf.float32) - y))
        scaled_loss = optimizer.scale_loss(loss)
    grads = tape.gradient(scaled_loss, model.trainable_variables)
    optimizer.apply(grads, model.trainable_variables)
    return loss
