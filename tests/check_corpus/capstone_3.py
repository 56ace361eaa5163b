WRONG = {
    "normalised by the whole matrix's norm": '''
def l2_normalize(x):
    return x / tf.norm(x)
''',
    "divided by the squared norm (near-twin)": '''
def l2_normalize(x):
    return x / tf.reduce_sum(tf.square(x), axis=-1, keepdims=True)
''',
    "the stop moved to the numerator": '''
def l2_normalize(x):
    return tf.stop_gradient(x) / tf.maximum(tf.norm(x, axis=-1, keepdims=True), 1e-12)
''',
    "an epsilon that changes the result (1e-2)": '''
def l2_normalize(x):
    return x / (tf.norm(x, axis=-1, keepdims=True) + 1e-2)
''',
}

RIGHT = {
    "tf.math.l2_normalize": '''
def l2_normalize(x):
    return tf.math.l2_normalize(x, axis=-1)
''',
    "rsqrt of the sum of squares": '''
def l2_normalize(x):
    return x * tf.math.rsqrt(tf.reduce_sum(x * x, axis=-1, keepdims=True))
''',
}
