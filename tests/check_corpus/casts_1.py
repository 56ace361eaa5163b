WRONG = {
    "cast to int and back to float: still no gradient": '''
def mse_loss(w, x, labels):
    predictions = tf.cast(tf.cast(tf.matmul(x, w), tf.int32), tf.float32)
    return tf.reduce_mean(tf.square(predictions - tf.cast(labels, tf.float32)))
''',
    "round the predictions to whole stars (tf.round has no gradient)": '''
def mse_loss(w, x, labels):
    predictions = tf.round(tf.matmul(x, w))
    return tf.reduce_mean(tf.square(predictions - tf.cast(labels, tf.float32)))
''',
    "mean absolute error: a different loss": '''
def mse_loss(w, x, labels):
    return tf.reduce_mean(tf.abs(tf.matmul(x, w) - tf.cast(labels, tf.float32)))
''',
    "reduce_sum for reduce_mean (near-twin)": '''
def mse_loss(w, x, labels):
    return tf.reduce_sum(tf.square(tf.matmul(x, w) - tf.cast(labels, tf.float32)))
''',
    "hard-coded loss": '''
def mse_loss(w, x, labels):
    return tf.constant(1.0) + 0.0 * tf.reduce_sum(w)
''',
}

RIGHT = {
    "Keras's mean squared error": '''
import keras

def mse_loss(w, x, labels):
    return tf.reduce_mean(keras.losses.mean_squared_error(tf.cast(labels, tf.float32), tf.matmul(x, w)))
''',
    "sum of squares over the element count, labels cast to x's dtype": '''
def mse_loss(w, x, labels):
    d = x @ w - tf.cast(labels, x.dtype)
    return tf.reduce_sum(d * d) / tf.cast(tf.size(d), d.dtype)
''',
}
