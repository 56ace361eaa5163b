WRONG = {
    "a tighter clip (1e-12): still flat, and log(0) in float32": '''
def bce_loss(w, x, y):
    p = tf.clip_by_value(tf.sigmoid(tf.squeeze(x @ w, axis=1)), 1e-12, 1.0 - 1e-12)
    return -tf.reduce_mean(y * tf.math.log(p) + (1.0 - y) * tf.math.log(1.0 - p))
''',
    "log(p + 1e-7) instead of the clip": '''
def bce_loss(w, x, y):
    p = tf.sigmoid(tf.squeeze(x @ w, axis=1))
    return -tf.reduce_mean(y * tf.math.log(p + 1e-7) + (1.0 - y) * tf.math.log(1.0 - p + 1e-7))
''',
    "Keras's binary cross-entropy on probabilities (it clips too)": '''
import keras

def bce_loss(w, x, y):
    p = tf.sigmoid(tf.squeeze(x @ w, axis=1))
    return keras.losses.binary_crossentropy(y, p)
''',
    "labels swapped (near-twin)": '''
def bce_loss(w, x, y):
    z = tf.squeeze(x @ w, axis=1)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=1.0 - y, logits=z))
''',
}

RIGHT = {
    "log_sigmoid on both sides": '''
def bce_loss(w, x, y):
    z = tf.squeeze(x @ w, axis=1)
    return -tf.reduce_mean(y * tf.math.log_sigmoid(z) + (1.0 - y) * tf.math.log_sigmoid(-z))
''',
    "softplus(z) - y * z": '''
def bce_loss(w, x, y):
    z = tf.reshape(tf.matmul(x, w), [-1])
    return tf.reduce_mean(tf.nn.softplus(z) - y * z)
''',
}
