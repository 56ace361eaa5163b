WRONG = {
    "unconnected_gradients=ZERO hides the None": '''
def score_and_saliency(w1, w2, images, label):
    with tf.GradientTape() as tape:
        logits = tf.matmul(tf.tanh(tf.matmul(images, w1)), w2)
        scores = tf.gather(logits, label, axis=1)
    return scores, tape.gradient(scores, images, unconnected_gradients=tf.UnconnectedGradients.ZERO)
''',
    "tape.watch after the forward pass": '''
def score_and_saliency(w1, w2, images, label):
    with tf.GradientTape() as tape:
        logits = tf.matmul(tf.tanh(tf.matmul(images, w1)), w2)
        scores = tf.gather(logits, label, axis=1)
        tape.watch(images)
    return scores, tape.gradient(scores, images)
''',
    "the gradient of every class's logit, not the label's score": '''
def score_and_saliency(w1, w2, images, label):
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = tf.matmul(tf.tanh(tf.matmul(images, w1)), w2)
    scores = tf.gather(logits, label, axis=1)
    return scores, tape.gradient(logits, images)
''',
    "hard-coded saliency": '''
def score_and_saliency(w1, w2, images, label):
    logits = tf.matmul(tf.tanh(tf.matmul(images, w1)), w2)
    return tf.gather(logits, label, axis=1), tf.ones_like(images)
''',
}

RIGHT = {
    "the images as a tf.Variable (watched automatically)": '''
def score_and_saliency(w1, w2, images, label):
    pixels = tf.Variable(images)
    with tf.GradientTape() as tape:
        scores = tf.gather(tf.tanh(pixels @ w1) @ w2, label, axis=1)
    return scores, tape.gradient(scores, pixels)
''',
    "the chain rule by hand": '''
def score_and_saliency(w1, w2, images, label):
    hidden = tf.tanh(images @ w1)
    scores = tf.gather(hidden @ w2, label, axis=1)
    back = (1.0 - hidden ** 2) * tf.gather(w2, label, axis=1)[None, :]
    return scores, back @ tf.transpose(w1)
''',
}
