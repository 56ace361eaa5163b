# Check-quality corpus for vector-targets-1 (issue 15, modes 5-7), in the format of this folder's README.

WRONG = {
    'the shipped bug: the gradient of the summed losses, shaped like w': '''
def per_example_gradients(w, x, y):
    with tf.GradientTape() as tape:
        losses = tf.square(tf.matmul(x, w) - y)[:, 0]
    return losses, tape.gradient(losses, w)
''',
    'the summed gradient shared out equally: right shape, wrong values (except for one example)': '''
def per_example_gradients(w, x, y):
    with tf.GradientTape() as tape:
        losses = tf.square(tf.matmul(x, w) - y)[:, 0]
    g = tape.gradient(losses, w)
    n = tf.shape(x)[0]
    return losses, tf.repeat(g[None] / tf.cast(n, g.dtype), n, axis=0)
''',
    'one gradient of the *mean* loss per row: every row the same': '''
def per_example_gradients(w, x, y):
    rows = []
    for i in range(x.shape[0]):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
        rows.append(tape.gradient(loss, w))
    return tf.square(tf.matmul(x, w) - y)[:, 0], tf.stack(rows)
''',
}
RIGHT = {
    'tf.vectorized_map over examples': '''
def per_example_gradients(w, x, y):
    def one(args):
        xi, yi = args
        with tf.GradientTape() as tape:
            loss = tf.square(tf.tensordot(xi, w[:, 0], 1) - yi[0])
        return tape.gradient(loss, w)
    return tf.square(tf.matmul(x, w) - y)[:, 0], tf.vectorized_map(one, (x, y))
''',
    'a Python loop whose slices are taken inside a persistent tape': '''
def per_example_gradients(w, x, y):
    with tf.GradientTape(persistent=True) as tape:
        losses = tf.square(tf.matmul(x, w) - y)[:, 0]
        parts = [losses[i] for i in range(x.shape[0])]
    grads = tf.stack([tape.gradient(p, w) for p in parts])
    del tape
    return losses, grads
''',
    'the Jacobian without pfor (a while loop; eagerly that needs a persistent tape)': '''
def per_example_gradients(w, x, y):
    with tf.GradientTape(persistent=True) as tape:
        losses = tf.square(tf.matmul(x, w) - y)[:, 0]
    return losses, tape.jacobian(losses, w, experimental_use_pfor=False)
''',
}
