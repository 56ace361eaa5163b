WRONG = {
    "list of tensors, but the previous value behind tf.stop_gradient": '''
ALPHA = 0.8


def smoothed_loss(w, x, y):
    predictions = tf.reshape(tf.matmul(x, w), [-1])
    values = [predictions[0]]
    for t in range(1, predictions.shape[0]):
        values.append(ALPHA * tf.stop_gradient(values[-1]) + (1 - ALPHA) * predictions[t])
    return tf.reduce_mean(tf.square(tf.stack(values) - y))
''',
    "ALPHA on the wrong side": '''
ALPHA = 0.8


def smoothed_loss(w, x, y):
    predictions = tf.reshape(tf.matmul(x, w), [-1])
    values = [predictions[0]]
    for t in range(1, predictions.shape[0]):
        values.append((1 - ALPHA) * values[-1] + ALPHA * predictions[t])
    return tf.reduce_mean(tf.square(tf.stack(values) - y))
''',
    "the buffer kept, read through tf.convert_to_tensor": '''
ALPHA = 0.8


def smoothed_loss(w, x, y):
    predictions = tf.reshape(tf.matmul(x, w), [-1])
    smoothed = tf.Variable(tf.zeros_like(predictions))
    smoothed[0].assign(predictions[0])
    for t in range(1, predictions.shape[0]):
        smoothed[t].assign(ALPHA * smoothed[t - 1] + (1 - ALPHA) * predictions[t])
    return tf.reduce_mean(tf.square(tf.convert_to_tensor(smoothed) - y))
''',
    "smoothing started from 0 instead of the first prediction": '''
ALPHA = 0.8


def smoothed_loss(w, x, y):
    predictions = tf.reshape(tf.matmul(x, w), [-1])
    s, values = 0.0, []
    for t in range(predictions.shape[0]):
        s = ALPHA * s + (1 - ALPHA) * predictions[t]
        values.append(s)
    return tf.reduce_mean(tf.square(tf.stack(values) - y))
''',
}

RIGHT = {
    "a TensorArray": '''
ALPHA = 0.8


def smoothed_loss(w, x, y):
    predictions = tf.reshape(tf.matmul(x, w), [-1])
    n = predictions.shape[0]
    out = tf.TensorArray(tf.float32, size=n)
    s = predictions[0]
    out = out.write(0, s)
    for t in range(1, n):
        s = ALPHA * s + (1 - ALPHA) * predictions[t]
        out = out.write(t, s)
    return tf.reduce_mean(tf.square(out.stack() - y))
''',
    "the smoothing as one matrix product": '''
ALPHA = 0.8


def smoothed_loss(w, x, y):
    n = x.shape[0]
    t, k = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    weights = np.where(k <= t, (1 - ALPHA) * ALPHA ** (t - k), 0.0)
    weights[:, 0] = ALPHA ** np.arange(n)
    smoothed = tf.constant(weights, tf.float32) @ tf.matmul(x, w)
    return tf.reduce_mean(tf.square(tf.reshape(smoothed, [-1]) - y))
''',
}
