WRONG = {
    "@tf.custom_gradient removed: autodiff of the forward formula (right numbers, goal broken)": '''
def mish(x):
    return x * tf.tanh(tf.math.softplus(x))


def regression_loss(w, x, y):
    hidden = mish(x @ w)
    return tf.reduce_mean(tf.square(tf.reduce_sum(hidden, axis=1) - y))
''',
    "custom mish kept but not used by the loss": '''
@tf.custom_gradient
def mish(x):
    sp = tf.math.softplus(x)
    t = tf.tanh(sp)
    def grad(dy):
        return dy * (t + x * (1.0 - t * t) * tf.sigmoid(x))
    return x * t, grad


def regression_loss(w, x, y):
    z = x @ w
    hidden = z * tf.tanh(tf.math.softplus(z))
    return tf.reduce_mean(tf.square(tf.reduce_sum(hidden, axis=1) - y))
''',
    "the chain-rule factor added, but dy forgotten": '''
@tf.custom_gradient
def mish(x):
    sp = tf.math.softplus(x)
    t = tf.tanh(sp)
    def grad(dy):
        return t + x * (1.0 - t * t) * tf.sigmoid(x)
    return x * t, grad


def regression_loss(w, x, y):
    hidden = mish(x @ w)
    return tf.reduce_mean(tf.square(tf.reduce_sum(hidden, axis=1) - y))
''',
    "tanh for sigmoid in the inner factor (near-twin)": '''
@tf.custom_gradient
def mish(x):
    sp = tf.math.softplus(x)
    t = tf.tanh(sp)
    def grad(dy):
        return dy * (t + x * (1.0 - t * t) * tf.tanh(x))
    return x * t, grad


def regression_loss(w, x, y):
    hidden = mish(x @ w)
    return tf.reduce_mean(tf.square(tf.reduce_sum(hidden, axis=1) - y))
''',
}

RIGHT = {
    "grad recomputes the forward under its own tape": '''
@tf.custom_gradient
def mish(x):
    def grad(dy):
        with tf.GradientTape() as g:
            g.watch(x)
            again = x * tf.tanh(tf.math.softplus(x))
        return dy * g.gradient(again, x)
    return x * tf.tanh(tf.math.softplus(x)), grad


def regression_loss(w, x, y):
    hidden = mish(x @ w)
    return tf.reduce_mean(tf.square(tf.reduce_sum(hidden, axis=1) - y))
''',
    "sigmoid(x) written as 1 - exp(-softplus(x))": '''
@tf.custom_gradient
def mish(x):
    sp = tf.math.softplus(x)
    t = tf.tanh(sp)
    def grad(dy):
        return dy * (t + x * (1.0 - t ** 2) * (1.0 - tf.exp(-sp)))
    return x * t, grad


def regression_loss(w, x, y):
    return tf.reduce_mean((tf.reduce_sum(mish(tf.matmul(x, w)), axis=-1) - y) ** 2)
''',
}
