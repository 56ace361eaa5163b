WRONG = {
    "tensor state, but behind tf.stop_gradient (backpropagation through one step)": '''
def sequence_loss(w_x, w_h, xs, targets):
    batch, steps = xs.shape[0], xs.shape[1]
    h = tf.zeros((batch, w_h.shape[0]))
    loss = 0.0
    for t in range(steps):
        h = tf.tanh(tf.matmul(xs[:, t], w_x) + tf.matmul(tf.stop_gradient(h), w_h))
        loss += tf.reduce_mean(tf.square(h - targets[:, t]))
    return loss / steps
''',
    "the Variable kept, read back through tf.identity": '''
def sequence_loss(w_x, w_h, xs, targets):
    batch, steps = xs.shape[0], xs.shape[1]
    state = tf.Variable(tf.zeros((batch, w_h.shape[0])))
    loss = 0.0
    for t in range(steps):
        h = tf.tanh(tf.matmul(xs[:, t], w_x) + tf.matmul(tf.identity(state), w_h))
        state.assign(h)
        loss += tf.reduce_mean(tf.square(h - targets[:, t]))
    return loss / steps
''',
    "only the last step's error": '''
def sequence_loss(w_x, w_h, xs, targets):
    batch, steps = xs.shape[0], xs.shape[1]
    h = tf.zeros((batch, w_h.shape[0]))
    for t in range(steps):
        h = tf.tanh(tf.matmul(xs[:, t], w_x) + tf.matmul(h, w_h))
    return tf.reduce_mean(tf.square(h - targets[:, -1]))
''',
    "relu for tanh (near-twin)": '''
def sequence_loss(w_x, w_h, xs, targets):
    batch, steps = xs.shape[0], xs.shape[1]
    h = tf.zeros((batch, w_h.shape[0]))
    loss = 0.0
    for t in range(steps):
        h = tf.nn.relu(tf.matmul(xs[:, t], w_x) + tf.matmul(h, w_h))
        loss += tf.reduce_mean(tf.square(h - targets[:, t]))
    return loss / steps
''',
}

RIGHT = {
    "tf.scan over time": '''
def sequence_loss(w_x, w_h, xs, targets):
    step = lambda h, x_t: tf.tanh(x_t @ w_x + h @ w_h)
    hs = tf.scan(step, tf.transpose(xs, [1, 0, 2]), initializer=tf.zeros((tf.shape(xs)[0], tf.shape(w_h)[0])))
    return tf.reduce_mean(tf.square(hs - tf.transpose(targets, [1, 0, 2])))
''',
    "a list of states, stacked": '''
def sequence_loss(w_x, w_h, xs, targets):
    h = tf.zeros_like(targets[:, 0])
    states = []
    for t in range(xs.shape[1]):
        h = tf.tanh(xs[:, t] @ w_x + h @ w_h)
        states.append(h)
    return tf.reduce_mean(tf.square(tf.stack(states, axis=1) - targets))
''',
}
