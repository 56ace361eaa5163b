WRONG = {
    "star values 0..K-1 instead of 1..K": '''
def rating_loss(logits, ratings):
    stars = tf.range(logits.shape[-1], dtype=tf.float32)
    expected = tf.reduce_sum(tf.nn.softmax(logits, axis=-1) * stars, axis=-1)
    return tf.reduce_mean(tf.square(expected - ratings))
''',
    "no softmax: logits used as weights": '''
def rating_loss(logits, ratings):
    stars = tf.range(1, logits.shape[-1] + 1, dtype=tf.float32)
    return tf.reduce_mean(tf.square(tf.reduce_sum(logits * stars, axis=-1) - ratings))
''',
    "a sharpened softmax (temperature 0.1) to stay close to argmax": '''
def rating_loss(logits, ratings):
    stars = tf.range(1, logits.shape[-1] + 1, dtype=tf.float32)
    expected = tf.reduce_sum(tf.nn.softmax(logits / 0.1, axis=-1) * stars, axis=-1)
    return tf.reduce_mean(tf.square(expected - ratings))
''',
    "reduce_mean for reduce_sum in the expectation (near-twin)": '''
def rating_loss(logits, ratings):
    stars = tf.range(1, logits.shape[-1] + 1, dtype=tf.float32)
    expected = tf.reduce_mean(tf.nn.softmax(logits, axis=-1) * stars, axis=-1)
    return tf.reduce_mean(tf.square(expected - ratings))
''',
    "argmax cast back to float: still no gradient": '''
def rating_loss(logits, ratings):
    predicted = tf.cast(tf.argmax(logits, axis=-1), tf.float32) + 1.0
    return tf.reduce_mean(tf.square(predicted - ratings))
''',
}

RIGHT = {
    "matvec with the star values": '''
def rating_loss(logits, ratings):
    stars = tf.range(1, tf.shape(logits)[-1] + 1, dtype=logits.dtype)
    expected = tf.linalg.matvec(tf.nn.softmax(logits), stars)
    return tf.reduce_mean((expected - ratings) ** 2)
''',
    "softmax written with logsumexp, matmul": '''
def rating_loss(logits, ratings):
    probs = tf.exp(logits - tf.reduce_logsumexp(logits, axis=-1, keepdims=True))
    stars = tf.cast(tf.range(1, logits.shape[-1] + 1), tf.float32)[:, None]
    expected = tf.squeeze(probs @ stars, axis=-1)
    return tf.reduce_mean(tf.square(expected - ratings))
''',
}
