"""nan-2: a diversity regularizer over all pairwise distances, including each point with itself."""
ID = "nan-2"
TITLE = "Pairwise distances, including zero"
CHAPTER = "nan"
NOTEBOOK = "nan-2.ipynb"
SEQ = 61
POINTS = 2
ENTRY = "diversity_loss"
CAUSE = "nan_backward"
SYMPTOM = "nan"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("emb",)
HINTS = (
    "Which pairs have distance exactly 0? What is the derivative of sqrt(u) at u = 0?",
    "`tf.norm` is sqrt(sum(d**2)); at d = 0 its gradient is inf * 0 = NaN, and the NaN spreads through the "
    "mean to every embedding. Give the square root a safe input where the squared length is 0.",
    "sq = tf.reduce_sum(tf.square(diff), -1); nonzero = sq > 0; "
    "dist = tf.where(nonzero, tf.sqrt(tf.where(nonzero, sq, 1.0)), 0.0)",
)
WHY = ("Each embedding's distance to itself is 0, where the norm has no derivative: sqrt's infinite slope times "
       "the zero difference gave NaN, and the mean spread it everywhere. A safe input (the double where) keeps "
       "the value and defines the gradient there as 0.")


def cases(rng):
    out = []
    for n, d in [(4, 2), (5, 3), (6, 4), (1, 3)]:
        out.append({"emb": rng.normal(size=(n, d)).astype("float32")})
    # Two identical embeddings: distance 0 off the diagonal as well, where a fix that only masks the diagonal
    # (i == j) still takes the square root's gradient at 0.
    out[1]["emb"][3] = out[1]["emb"][1]
    out[2]["emb"][0] = out[2]["emb"][5]
    return out


def reference(emb):
    import tensorflow as tf
    diff = emb[:, None, :] - emb[None, :, :]
    sq = tf.reduce_sum(tf.square(diff), axis=-1)
    nonzero = sq > 0
    dist = tf.where(nonzero, tf.sqrt(tf.where(nonzero, sq, tf.ones_like(sq))), tf.zeros_like(sq))
    return -tf.reduce_mean(dist)
