WRONG = {
    "the naive log(Phi(z)) with erfc: -inf in the tail": '''
def probit_nll(w, x, y):
    z = (2.0 * y - 1.0) * tf.squeeze(x @ w, axis=1)
    return -tf.reduce_mean(tf.math.log(0.5 * tf.math.erfc(-z / np.sqrt(2.0))))
''',
    "the naive form floored at 1e-30: finite, but wrong in the tail": '''
def probit_nll(w, x, y):
    z = (2.0 * y - 1.0) * tf.squeeze(x @ w, axis=1)
    return -tf.reduce_mean(tf.math.log(tf.maximum(0.5 * tf.math.erfc(-z / np.sqrt(2.0)), 1e-30)))
''',
    "custom gradient as phi(z) / Phi(z): 0 / 0 in the tail": '''
@tf.custom_gradient
def log_ndtr(z):
    out = tf.numpy_function(lambda t: scipy.special.log_ndtr(t).astype(t.dtype), [z], z.dtype)
    out = tf.ensure_shape(out, z.shape)
    def grad(dy):
        phi = tf.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi).astype(np.float32)
        return dy * phi / tf.exp(out)
    return out, grad


def probit_nll(w, x, y):
    z = (2.0 * y - 1.0) * tf.squeeze(x @ w, axis=1)
    return -tf.reduce_mean(log_ndtr(z))
''',
    "custom gradient that forgets dy": '''
@tf.custom_gradient
def log_ndtr(z):
    out = tf.numpy_function(lambda t: scipy.special.log_ndtr(t).astype(t.dtype), [z], z.dtype)
    out = tf.ensure_shape(out, z.shape)
    def grad(dy):
        return tf.exp(-0.5 * z * z - out) / np.sqrt(2.0 * np.pi).astype(np.float32)
    return out, grad


def probit_nll(w, x, y):
    z = (2.0 * y - 1.0) * tf.squeeze(x @ w, axis=1)
    return -tf.reduce_mean(log_ndtr(z))
''',
    "tf.where after the fact on the naive log": '''
def probit_nll(w, x, y):
    z = (2.0 * y - 1.0) * tf.squeeze(x @ w, axis=1)
    log_p = tf.math.log(0.5 * tf.math.erfc(-z / np.sqrt(2.0)))
    return -tf.reduce_mean(tf.where(tf.math.is_finite(log_p), log_p, -100.0))
''',
}

RIGHT = {
    "gradient computed by SciPy too, in float64": '''
def _dlog_ndtr(t):
    t64 = t.astype(np.float64)
    return (np.exp(-0.5 * t64 * t64 - scipy.special.log_ndtr(t64)) / np.sqrt(2.0 * np.pi)).astype(t.dtype)


@tf.custom_gradient
def log_ndtr(z):
    out = tf.numpy_function(lambda t: scipy.special.log_ndtr(t).astype(t.dtype), [z], z.dtype)
    def grad(dy):
        return dy * tf.reshape(tf.numpy_function(_dlog_ndtr, [z], z.dtype), tf.shape(z))
    return tf.reshape(out, tf.shape(z)), grad


def probit_nll(w, x, y):
    z = (2.0 * y - 1.0) * tf.squeeze(x @ w, axis=1)
    return -tf.reduce_mean(log_ndtr(z))
''',
    "pure TensorFlow: erfc above z = -8, the asymptotic series below, autodiff for the gradient": '''
def log_ndtr(z):
    lo = tf.minimum(z, -8.0)                 # each branch only sees inputs where it is accurate and finite
    hi = tf.maximum(z, -8.0)
    r = 1.0 / tf.square(lo)
    series = 1.0 - r + 3.0 * r ** 2 - 15.0 * r ** 3 + 105.0 * r ** 4
    tail = -0.5 * tf.square(lo) - tf.math.log(-lo) - 0.5 * np.log(2.0 * np.pi) + tf.math.log(series)
    body = tf.math.log(0.5 * tf.math.erfc(-hi / np.sqrt(2.0)))
    return tf.where(z < -8.0, tail, body)


def probit_nll(w, x, y):
    z = (2.0 * y - 1.0) * tf.squeeze(x @ w, axis=1)
    return -tf.reduce_mean(log_ndtr(z))
''',
}
