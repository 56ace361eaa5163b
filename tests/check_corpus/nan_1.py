WRONG = {
    "tf.where after the fact on the loss: value cleaned, gradient still NaN": '''
def masked_entropy(logits, mask):
    probs = tf.nn.softmax(tf.where(mask, logits, -np.inf), axis=-1)
    plogp = tf.where(probs > 0, probs * tf.math.log(probs), 0.0)
    loss = tf.reduce_mean(tf.reduce_sum(plogp, axis=-1))
    return tf.where(tf.math.is_finite(loss), loss, 0.0)
''',
    "double where keyed on the mask (an allowed probability can underflow to 0)": '''
def masked_entropy(logits, mask):
    probs = tf.nn.softmax(tf.where(mask, logits, -np.inf), axis=-1)
    safe = tf.where(mask, probs, 1.0)
    plogp = tf.where(mask, probs * tf.math.log(safe), 0.0)
    return tf.reduce_mean(tf.reduce_sum(plogp, axis=-1))
''',
    "an epsilon that changes the loss (1e-2)": '''
def masked_entropy(logits, mask):
    probs = tf.nn.softmax(tf.where(mask, logits, -np.inf), axis=-1)
    return tf.reduce_mean(tf.reduce_sum(probs * tf.math.log(probs + 1e-2), axis=-1))
''',
    "masked logits set to 0 instead of -inf: masked positions get probability": '''
def masked_entropy(logits, mask):
    probs = tf.nn.softmax(tf.where(mask, logits, 0.0), axis=-1)
    return tf.reduce_mean(tf.reduce_sum(tf.math.xlogy(probs, probs), axis=-1))
''',
    "sign flipped: the entropy instead of the bonus": '''
def masked_entropy(logits, mask):
    probs = tf.nn.softmax(tf.where(mask, logits, -np.inf), axis=-1)
    return -tf.reduce_mean(tf.reduce_sum(tf.math.xlogy(probs, probs), axis=-1))
''',
}

RIGHT = {
    "double where on probs > 0": '''
def masked_entropy(logits, mask):
    probs = tf.nn.softmax(tf.where(mask, logits, -np.inf), axis=-1)
    present = probs > 0
    plogp = tf.where(present, probs * tf.math.log(tf.where(present, probs, 1.0)), 0.0)
    return tf.reduce_mean(tf.reduce_sum(plogp, axis=-1))
''',
    "log_softmax with a large negative fill": '''
def masked_entropy(logits, mask):
    logp = tf.nn.log_softmax(tf.where(mask, logits, -1e9), axis=-1)
    p = tf.exp(logp)
    return tf.reduce_mean(tf.reduce_sum(tf.where(mask, p * logp, 0.0), axis=-1))
''',
}
