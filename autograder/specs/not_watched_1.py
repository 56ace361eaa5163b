"""not-watched-1: a saliency map (gradient with respect to the input) that comes back None."""
ID = "not-watched-1"
TITLE = "A saliency map that is None"
CHAPTER = "not-watched"
NOTEBOOK = "not-watched-1.ipynb"
SEQ = 80
POINTS = 2
ENTRY = "score_and_saliency"
CAUSE = "not_watched"
SYMPTOM = "none"           # how the bug shows as shipped (tests/test_invariants.py checks it)
HINTS = (
    "The weights get gradients in training, so the model is fine. What is different about `images`?",
    "A tape tracks trainable variables automatically, but a plain tensor only if you call `tape.watch` on it.",
    "Call `tape.watch(images)` inside the `with` block, before the model uses `images`.",
)
WHY = ("A GradientTape watches trainable variables on its own, never input tensors. `tape.watch(images)` before the "
       "forward pass makes the tape track the input, so the gradient of the class score with respect to each "
       "pixel exists.")


def cases(rng):
    out = []
    for _ in range(3):
        n, d, h, k = int(rng.integers(2, 6)), int(rng.integers(3, 9)), int(rng.integers(3, 7)), int(rng.integers(2, 5))
        out.append({
            "w1": (rng.normal(size=(d, h)) / d ** 0.5).astype("float32"),
            "w2": (rng.normal(size=(h, k)) / h ** 0.5).astype("float32"),
            "images": rng.normal(size=(n, d)).astype("float32"),
            "label": rng.integers(0, k, size=()).astype("int32"),
        })
    return out


def probe(fn, case):
    """Call ``fn(w1, w2, images, label) -> (scores, saliency)``; the function owns its tape."""
    import tensorflow as tf
    from autograder.probe import to_numpy
    args = {k: tf.constant(v) for k, v in case.items()}
    scores, saliency = fn(**args)
    return {"forward": to_numpy(scores), "grad/images": None if saliency is None else to_numpy(saliency)}


def reference(w1, w2, images, label):
    import tensorflow as tf
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = tf.matmul(tf.tanh(tf.matmul(images, w1)), w2)
        scores = tf.gather(logits, label, axis=1)
    return scores, tape.gradient(scores, images)
