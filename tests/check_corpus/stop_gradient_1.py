WRONG = {
    "the stop moved to the values": '''
def pooled_loss(w_score, w_value, items, target):
    weights = tf.nn.softmax(tf.einsum("bnd,do->bno", items, w_score), axis=1)
    values = tf.stop_gradient(tf.einsum("bnd,dk->bnk", items, w_value))
    return tf.reduce_mean(tf.square(tf.reduce_sum(weights * values, axis=1) - target))
''',
    "softmax over the last axis (of size 1) instead of the items (near-twin)": '''
def pooled_loss(w_score, w_value, items, target):
    weights = tf.nn.softmax(tf.einsum("bnd,do->bno", items, w_score), axis=-1)
    values = tf.einsum("bnd,dk->bnk", items, w_value)
    return tf.reduce_mean(tf.square(tf.reduce_sum(weights * values, axis=1) - target))
''',
    "the stop moved onto the scores before the softmax": '''
def pooled_loss(w_score, w_value, items, target):
    weights = tf.nn.softmax(tf.stop_gradient(tf.einsum("bnd,do->bno", items, w_score)), axis=1)
    values = tf.einsum("bnd,dk->bnk", items, w_value)
    return tf.reduce_mean(tf.square(tf.reduce_sum(weights * values, axis=1) - target))
''',
    "attention deleted: a plain mean over the items": '''
def pooled_loss(w_score, w_value, items, target):
    values = tf.einsum("bnd,dk->bnk", items, w_value)
    return tf.reduce_mean(tf.square(tf.reduce_mean(values, axis=1) - target)) + 0.0 * tf.reduce_sum(w_score)
''',
}

RIGHT = {
    "matmul and tensordot instead of einsum": '''
def pooled_loss(w_score, w_value, items, target):
    scores = tf.squeeze(tf.tensordot(items, w_score, axes=1), axis=-1)
    weights = tf.nn.softmax(scores, axis=-1)
    values = tf.tensordot(items, w_value, axes=1)
    pooled = tf.squeeze(tf.matmul(weights[:, None, :], values), axis=1)
    return tf.reduce_mean(tf.square(pooled - target))
''',
    "softmax written out": '''
def pooled_loss(w_score, w_value, items, target):
    s = tf.einsum("bnd,do->bno", items, w_score)
    e = tf.exp(s - tf.reduce_max(s, axis=1, keepdims=True))
    weights = e / tf.reduce_sum(e, axis=1, keepdims=True)
    pooled = tf.einsum("bno,bnd,dk->bk", weights, items, w_value)
    return tf.reduce_mean((pooled - target) ** 2)
''',
}
