"""capstone-2: masked mean pooling that casts the hidden states to the integer mask's dtype."""
from autograder.probe import generic_probe

ID = "capstone-2"
TITLE = "Capstone, bug 2: pooling through an integer mask"
CHAPTER = "keras-layers"
NOTEBOOK = "capstone.ipynb"
SEQ = 201
POINTS = 3
ENTRY = "masked_mean_pool"
CAUSE = "non_differentiable_op"
SYMPTOM = "none"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("h",)
HINTS = (
    "In the audit, the embedding and projection weights have no gradient. Follow `h` through "
    "`masked_mean_pool`: what is its dtype on each line?",
    "`tf.cast(h, mask.dtype)` turns the hidden states into int32: the cast has no gradient, and it also "
    "truncates the values.",
    "Cast the *mask* to the hidden states' dtype instead: `mask = tf.cast(mask, h.dtype)`, and keep everything "
    "else in float.",
)
WHY = ("A cast to an integer dtype has no gradient (and rounds the values toward zero), so nothing before the "
       "pooling could learn. Converting the 0/1 mask to float keeps the whole path from the loss to the "
       "embeddings differentiable.")


def cases(rng):
    import numpy as np
    out = []
    for batch, steps, dim in [(2, 4, 3), (3, 6, 2), (4, 5, 4), (1, 3, 2)]:
        lengths = rng.integers(1, steps + 1, size=batch)
        lengths[0], lengths[-1] = (steps, 1) if batch > 1 else (2,) * 2   # full rows and one-token rows
        mask = (np.arange(steps)[None, :] < lengths[:, None]).astype("int32")
        out.append({
            "h": (2.0 * rng.normal(size=(batch, steps, dim))).astype("float32"),
            "mask": mask,
        })
    return out


def probe(fn, case):
    result = generic_probe(WRT)(fn, case)
    return {"grad/h": result["grad/h"], "forward": result["forward"]}   # the gradient's message first


def reference(h, mask):
    import tensorflow as tf
    mask = tf.cast(mask, h.dtype)[..., None]
    return tf.reduce_sum(h * mask, axis=1) / tf.reduce_sum(mask, axis=1)
