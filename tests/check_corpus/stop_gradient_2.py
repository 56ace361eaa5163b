WRONG = {
    "round half up (floor(x + 0.5)): a different forward pass at the ties": '''
STEP = 0.25


def quantise(w):
    return tf.floor(w / STEP + 0.5) * STEP


def quantised_loss(w, x, y):
    w_q = w + tf.stop_gradient(quantise(w) - w)
    return tf.reduce_mean(tf.square(tf.matmul(x, w_q) - y))
''',
    "quantisation deleted": '''
STEP = 0.25


def quantise(w):
    return tf.round(w / STEP) * STEP


def quantised_loss(w, x, y):
    return tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
''',
    "the stop on the wrong term: gradient -1 instead of 1": '''
STEP = 0.25


def quantise(w):
    return tf.round(w / STEP) * STEP


def quantised_loss(w, x, y):
    w_q = tf.stop_gradient(w) + (quantise(w) - w)
    return tf.reduce_mean(tf.square(tf.matmul(x, w_q) - y))
''',
    "the whole quantised weight behind a stop_gradient": '''
STEP = 0.25


def quantise(w):
    return tf.round(w / STEP) * STEP


def quantised_loss(w, x, y):
    return tf.reduce_mean(tf.square(tf.matmul(x, tf.stop_gradient(quantise(w))) - y))
''',
}

RIGHT = {
    "w - stop_gradient(w) added to the rounded value": '''
STEP = 0.25


def quantise(w):
    return tf.round(w / STEP) * STEP


def quantised_loss(w, x, y):
    w_q = quantise(w) + (w - tf.stop_gradient(w))
    return tf.reduce_mean(tf.square(x @ w_q - y))
''',
    "a custom gradient that passes dy straight through": '''
STEP = 0.25


@tf.custom_gradient
def quantise(w):
    return tf.round(w / STEP) * STEP, lambda dy: dy


def quantised_loss(w, x, y):
    return tf.reduce_mean(tf.square(tf.matmul(x, quantise(w)) - y))
''',
}
