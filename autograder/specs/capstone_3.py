"""capstone-3: L2 normalisation with the norm behind tf.stop_gradient: right values, wrong gradient."""
ID = "capstone-3"
TITLE = "Capstone, bug 3: a normalisation that hides its norm"
CHAPTER = "keras-layers"
NOTEBOOK = "capstone.ipynb"
SEQ = 202
POINTS = 3
ENTRY = "l2_normalize"
CAUSE = "stop_gradient"
SYMPTOM = "wrong"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("x",)
HINTS = (
    "The values are right and nothing is None, but compare the gradient with finite differences (the cell "
    "below the answer does it). Which part of the computation does the tape not see?",
    "`tf.stop_gradient(norm)` makes the tape treat the norm as a constant, so the gradient misses how the norm "
    "changes with `x`: the part that keeps the output on the unit sphere.",
    "Remove `tf.stop_gradient` (or use `tf.math.l2_normalize(x, axis=-1)`).",
)
WHY = ("Dividing by a norm the tape cannot see gives the gradient of `x / c` for a constant `c`: it lacks the "
       "term that removes the component along `x`. Every step then pushes the embeddings to change length, which "
       "the normalisation undoes, instead of changing direction.")


def cases(rng):
    out = []
    for batch, dim in [(3, 4), (2, 6), (5, 3), (1, 4)]:
        out.append({"x": rng.normal(size=(batch, dim)).astype("float32")})
    out[0]["x"][1] *= 1e3                       # rows of very different lengths: the gradient of a unit vector
    out[0]["x"][2] *= 1e-2                      # scales with 1 / norm
    return out


def reference(x):
    import tensorflow as tf
    return x / tf.maximum(tf.norm(x, axis=-1, keepdims=True), 1e-12)
