"""embeddings-1: a saliency map asked of the token ids, which are integers and have no gradient."""
import numpy as np

ID = "embeddings-1"
TITLE = "Saliency for token ids"
CHAPTER = "embeddings"
NOTEBOOK = "embeddings-1.ipynb"
SEQ = 175
POINTS = 2
ENTRY = "score_and_saliency"
CAUSE = "integer_input"
HINTS = (
    "Print `ids.dtype`. What would it mean to change a token id by a tiny amount?",
    "Integer tensors have no gradient, and `tape.watch` ignores them (it logs a warning). The first "
    "differentiable tensor is the lookup's output: one float vector per token.",
    "Compute `vectors = tf.gather(table, ids)`, call `tape.watch(vectors)` inside the tape, run the rest of the "
    "model on `vectors`, and return `tape.gradient(score, vectors)`.",
)
WHY = ("Token ids are integers: the tape does not watch them and the lookup has no gradient for its indices. "
       "The embedding vectors are floats, one row per position, so the gradient with respect to them is the "
       "saliency of each token (repeated tokens keep their own rows).")


def cases(rng):
    out = []
    # a sentence with a repeated token, a single token, and one token repeated throughout
    for ids in ([2, 5, 2, 7, 1], [4], [3, 3, 3]):
        v, d, h = 8, int(rng.integers(3, 6)), int(rng.integers(3, 7))
        out.append({
            "table": rng.normal(size=(v, d)).astype("float32"),
            "w_hidden": (rng.normal(size=(d, h)) / d ** 0.5).astype("float32"),
            "w_out": (rng.normal(size=(h, 1)) / h ** 0.5).astype("float32"),
            "ids": np.array(ids, dtype="int32"),
        })
    return out


def probe(fn, case):
    """Call ``fn(table, w_hidden, w_out, ids) -> (score, saliency)``; the function owns its tape."""
    import tensorflow as tf
    from autograder.probe import to_numpy
    args = {k: tf.constant(v) for k, v in case.items()}
    result = fn(**args)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ValueError("score_and_saliency must return two things: (score, saliency)")
    score, saliency = result
    return {"forward": to_numpy(score), "grad/ids": None if saliency is None else to_numpy(saliency)}


def reference(table, w_hidden, w_out, ids):
    import tensorflow as tf
    vectors = tf.gather(table, ids)
    with tf.GradientTape() as tape:
        tape.watch(vectors)
        score = tf.reduce_mean(tf.tanh(vectors @ w_hidden) @ w_out)
    return score, tape.gradient(score, vectors)
