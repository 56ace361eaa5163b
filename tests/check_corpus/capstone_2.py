WRONG = {
    "cast to int and back: still no gradient (and truncated values)": '''
def masked_mean_pool(h, mask):
    h = tf.cast(tf.cast(h, mask.dtype), tf.float32)
    mask = tf.cast(mask, tf.float32)[..., None]
    return tf.reduce_sum(h * mask, axis=1) / tf.reduce_sum(mask, axis=1)
''',
    "divided by the number of steps, padding included": '''
def masked_mean_pool(h, mask):
    mask = tf.cast(mask, h.dtype)[..., None]
    return tf.reduce_mean(h * mask, axis=1)
''',
    "mask deleted: the mean over every step": '''
def masked_mean_pool(h, mask):
    return tf.reduce_mean(h, axis=1)
''',
    "reduce_max for the sum of the mask (near-twin)": '''
def masked_mean_pool(h, mask):
    mask = tf.cast(mask, h.dtype)[..., None]
    return tf.reduce_sum(h * mask, axis=1) / tf.reduce_max(mask, axis=1)
''',
}

RIGHT = {
    "einsum": '''
def masked_mean_pool(h, mask):
    m = tf.cast(mask, h.dtype)
    return tf.einsum("bt,btd->bd", m, h) / tf.reduce_sum(m, axis=1, keepdims=True)
''',
    "boolean mask with tf.where and a count": '''
def masked_mean_pool(h, mask):
    keep = tf.cast(mask, tf.bool)[..., None]
    total = tf.reduce_sum(tf.where(keep, h, tf.zeros_like(h)), axis=1)
    count = tf.reduce_sum(tf.cast(keep, h.dtype), axis=1)
    return total / count
''',
}
