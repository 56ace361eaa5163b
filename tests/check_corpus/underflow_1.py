WRONG = {
    "log(softmax + 1e-9): finite, but the confident mistake's loss is capped": '''
def next_token_loss(W, h, targets):
    probs = tf.nn.softmax(h @ W, axis=-1)
    log_probs = tf.math.log(probs + 1e-9)
    return -tf.reduce_mean(tf.gather(log_probs, targets, axis=1, batch_dims=1))
''',
    "probabilities clipped to [1e-7, 1]": '''
def next_token_loss(W, h, targets):
    probs = tf.clip_by_value(tf.nn.softmax(h @ W, axis=-1), 1e-7, 1.0)
    return -tf.reduce_mean(tf.gather(tf.math.log(probs), targets, axis=1, batch_dims=1))
''',
    "tf.where after the fact on the log-probabilities": '''
def next_token_loss(W, h, targets):
    log_probs = tf.math.log(tf.nn.softmax(h @ W, axis=-1))
    log_probs = tf.where(tf.math.is_finite(log_probs), log_probs, -100.0)
    return -tf.reduce_mean(tf.gather(log_probs, targets, axis=1, batch_dims=1))
''',
    "reduce_max for reduce_logsumexp (near-twin)": '''
def next_token_loss(W, h, targets):
    logits = h @ W
    log_probs = logits - tf.reduce_max(logits, axis=-1, keepdims=True)
    return -tf.reduce_mean(tf.gather(log_probs, targets, axis=1, batch_dims=1))
''',
}

RIGHT = {
    "sparse_softmax_cross_entropy_with_logits": '''
def next_token_loss(W, h, targets):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=h @ W))
''',
    "logsumexp minus the target's logit": '''
def next_token_loss(W, h, targets):
    logits = tf.matmul(h, W)
    picked = tf.gather(logits, targets, axis=1, batch_dims=1)
    return tf.reduce_mean(tf.reduce_logsumexp(logits, axis=-1) - picked)
''',
}
