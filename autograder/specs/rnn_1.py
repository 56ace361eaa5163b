"""rnn-1: an Elman RNN loss whose hidden state is carried between steps in a tf.Variable (assign)."""
ID = "rnn-1"
TITLE = "A hidden state kept in a Variable"
CHAPTER = "rnn"
NOTEBOOK = "rnn-1.ipynb"
SEQ = 110
POINTS = 2
ENTRY = "sequence_loss"
CAUSE = "stateful_op"
SYMPTOM = "wrong"           # how the bug shows as shipped (tests/test_invariants.py checks it)
WRT = ("w_x", "w_h")
HINTS = (
    "The gradients are not None, but they are wrong. Which path from the loss back to an early time step "
    "does the tape see?",
    "`state.assign(h)` is not differentiable: the next step reads the variable as a fresh leaf, so the "
    "gradient never flows back through earlier steps (backpropagation through time is cut to one step).",
    "Carry the hidden state in an ordinary tensor: `h = tf.zeros(...)` before the loop and `h = tf.tanh(...)` "
    "inside it, with no tf.Variable at all.",
)
WHY = ("`Variable.assign` has no gradient, so a state stored in a variable is read back as a new leaf at every "
       "step: each step's weights still got a direct gradient (so nothing was None), but every path through "
       "earlier hidden states was missing. A tensor state keeps the whole unrolled computation on the tape.")


def cases(rng):
    out = []
    for batch, steps, features, units in [(2, 4, 3, 2), (3, 6, 2, 4), (4, 5, 3, 3)]:
        out.append({
            "w_x": (0.7 * rng.normal(size=(features, units))).astype("float32"),
            "w_h": (0.7 * rng.normal(size=(units, units))).astype("float32"),
            "xs": rng.normal(size=(batch, steps, features)).astype("float32"),
            "targets": rng.normal(size=(batch, steps, units)).astype("float32"),
        })
    return out


def reference(w_x, w_h, xs, targets):
    import tensorflow as tf
    batch, steps = xs.shape[0], xs.shape[1]
    h = tf.zeros((batch, w_h.shape[0]))
    loss = 0.0
    for t in range(steps):
        h = tf.tanh(tf.matmul(xs[:, t], w_x) + tf.matmul(h, w_h))
        loss += tf.reduce_mean(tf.square(h - targets[:, t]))
    return loss / steps
