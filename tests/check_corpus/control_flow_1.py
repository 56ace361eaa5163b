WRONG = {
    "an epsilon inside the log that changes the value (1e-3)": '''
def masked_entropy(logits, mask):
    p = tf.nn.softmax(tf.where(mask, logits, -1e9), axis=-1)
    return -tf.reduce_mean(tf.reduce_sum(p * tf.math.log(p + 1e-3), axis=-1))
''',
    "double where keyed on the mask, not on p > 0 (an allowed p can underflow to 0)": '''
def masked_entropy(logits, mask):
    p = tf.nn.softmax(tf.where(mask, logits, -1e9), axis=-1)
    safe_p = tf.where(mask, p, 1.0)
    plogp = tf.where(mask, p * tf.math.log(safe_p), 0.0)
    return -tf.reduce_mean(tf.reduce_sum(plogp, axis=-1))
''',
    "tf.where after the fact: the value is cleaned, the gradient stays NaN": '''
def masked_entropy(logits, mask):
    p = tf.nn.softmax(tf.where(mask, logits, -1e9), axis=-1)
    plogp = tf.where(p > 0, p * tf.math.log(p), 0.0)
    plogp = tf.where(tf.math.is_nan(plogp), 0.0, plogp)
    return -tf.reduce_mean(tf.reduce_sum(plogp, axis=-1))
''',
    "sum over the batch axis (near-twin)": '''
def masked_entropy(logits, mask):
    p = tf.nn.softmax(tf.where(mask, logits, -1e9), axis=-1)
    plogp = tf.math.xlogy(p, p)
    return -tf.reduce_mean(tf.reduce_sum(plogp, axis=0))
''',
}

RIGHT = {
    "xlogy": '''
def masked_entropy(logits, mask):
    p = tf.nn.softmax(tf.where(mask, logits, -1e9), axis=-1)
    return -tf.reduce_mean(tf.reduce_sum(tf.math.xlogy(p, p), axis=-1))
''',
    "log_softmax, where on p > 0": '''
def masked_entropy(logits, mask):
    logp = tf.nn.log_softmax(tf.where(mask, logits, -1e9), axis=-1)
    p = tf.exp(logp)
    entropy = -tf.reduce_sum(tf.where(p > 0, p * logp, tf.zeros_like(p)), axis=-1)
    return tf.reduce_mean(entropy)
''',
}
