WRONG = {
    "statistics behind tf.stop_gradient: same values, same wrong gradient": '''
def standardise(a):
    return (a - tf.stop_gradient(tf.reduce_mean(a))) / tf.stop_gradient(tf.math.reduce_std(a))


def scale_free_loss(w, x, y):
    return tf.reduce_mean(tf.square(standardise(tf.matmul(x, w)) - standardise(y)))
''',
    "the unbiased (n - 1) standard deviation": '''
def standardise(a):
    n = tf.cast(tf.size(a), a.dtype)
    centred = a - tf.reduce_mean(a)
    return centred / tf.sqrt(tf.reduce_sum(tf.square(centred)) / (n - 1.0))


def scale_free_loss(w, x, y):
    return tf.reduce_mean(tf.square(standardise(tf.matmul(x, w)) - standardise(y)))
''',
    "an epsilon in the denominator that changes the loss (1e-2)": '''
def standardise(a):
    return (a - tf.reduce_mean(a)) / (tf.math.reduce_std(a) + 1e-2)


def scale_free_loss(w, x, y):
    return tf.reduce_mean(tf.square(standardise(tf.matmul(x, w)) - standardise(y)))
''',
    "reduce_variance for reduce_std (near-twin)": '''
def standardise(a):
    return (a - tf.reduce_mean(a)) / tf.math.reduce_variance(a)


def scale_free_loss(w, x, y):
    return tf.reduce_mean(tf.square(standardise(tf.matmul(x, w)) - standardise(y)))
''',
}

RIGHT = {
    "tf.nn.moments and rsqrt": '''
def standardise(a):
    mean, variance = tf.nn.moments(a, axes=list(range(len(a.shape))))
    return (a - mean) * tf.math.rsqrt(variance)


def scale_free_loss(w, x, y):
    return tf.reduce_mean(tf.square(standardise(x @ w) - standardise(y)))
''',
    "the standard deviation written out": '''
def standardise(a):
    centred = a - tf.reduce_mean(a)
    return centred / tf.sqrt(tf.reduce_mean(centred * centred))


def scale_free_loss(w, x, y):
    d = standardise(tf.matmul(x, w)) - standardise(tf.constant(y))
    return tf.reduce_mean(d * d)
''',
}
