WRONG = {
    "strict < 1 instead of <= 1 (the rule's boundary)": '''
@tf.custom_gradient
def binarize(w):
    def grad(dy):
        return dy * tf.cast(tf.abs(w) < 1.0, w.dtype)
    return tf.sign(w), grad


def binary_linear_loss(w, x, y):
    return tf.reduce_mean(tf.square(x @ binarize(w) - y))
''',
    "plain straight-through, no clipping": '''
@tf.custom_gradient
def binarize(w):
    def grad(dy):
        return dy
    return tf.sign(w), grad


def binary_linear_loss(w, x, y):
    return tf.reduce_mean(tf.square(x @ binarize(w) - y))
''',
    "dy times the sign of w": '''
@tf.custom_gradient
def binarize(w):
    def grad(dy):
        return dy * tf.sign(w)
    return tf.sign(w), grad


def binary_linear_loss(w, x, y):
    return tf.reduce_mean(tf.square(x @ binarize(w) - y))
''',
    "custom gradient removed: sign's gradient is zero": '''
def binarize(w):
    return tf.sign(w)


def binary_linear_loss(w, x, y):
    return tf.reduce_mean(tf.square(x @ binarize(w) - y))
''',
}

RIGHT = {
    "tf.where for the mask": '''
@tf.custom_gradient
def binarize(w):
    def grad(dy):
        return tf.where(tf.abs(w) <= 1.0, dy, tf.zeros_like(dy))
    return tf.sign(w), grad


def binary_linear_loss(w, x, y):
    return tf.reduce_mean(tf.square(tf.matmul(x, binarize(w)) - y))
''',
    "two comparisons, multiplied": '''
@tf.custom_gradient
def binarize(w):
    def grad(dy):
        inside = tf.logical_and(w >= -1.0, w <= 1.0)
        return dy * tf.cast(inside, dy.dtype)
    return tf.sign(w), grad


def binary_linear_loss(w, x, y):
    return tf.reduce_mean(tf.square(x @ binarize(w) - y))
''',
    "no custom gradient: clip_by_value plus a stop_gradient'ed difference": '''
def binarize(w):
    clipped = tf.clip_by_value(w, -1.0, 1.0)
    return clipped + tf.stop_gradient(tf.sign(w) - clipped)


def binary_linear_loss(w, x, y):
    return tf.reduce_mean(tf.square(x @ binarize(w) - y))
''',
}
