WRONG = {
    "unconnected_gradients=ZERO hides the None for w_enc": '''
def loss_and_gradients(w_enc, w_head, x, y):
    features = tf.tanh(tf.matmul(x, w_enc))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(features, w_head) - y))
    return loss, tape.gradient(loss, [w_enc, w_head], unconnected_gradients=tf.UnconnectedGradients.ZERO)
''',
    "tape.watch(features): the cached features are watched, w_enc still is not reached": '''
def loss_and_gradients(w_enc, w_head, x, y):
    features = tf.tanh(tf.matmul(x, w_enc))
    with tf.GradientTape() as tape:
        tape.watch(features)
        loss = tf.reduce_mean(tf.square(tf.matmul(features, w_head) - y))
    return loss, tape.gradient(loss, [w_enc, w_head])
''',
    "encoder inside the tape, but behind tf.stop_gradient": '''
def loss_and_gradients(w_enc, w_head, x, y):
    with tf.GradientTape() as tape:
        features = tf.stop_gradient(tf.tanh(tf.matmul(x, w_enc)))
        loss = tf.reduce_mean(tf.square(tf.matmul(features, w_head) - y))
    return loss, tape.gradient(loss, [w_enc, w_head])
''',
    "relu for tanh (near-twin)": '''
def loss_and_gradients(w_enc, w_head, x, y):
    with tf.GradientTape() as tape:
        features = tf.nn.relu(tf.matmul(x, w_enc))
        loss = tf.reduce_mean(tf.square(tf.matmul(features, w_head) - y))
    return loss, tape.gradient(loss, [w_enc, w_head])
''',
}

RIGHT = {
    "a persistent tape, one gradient call per weight": '''
def loss_and_gradients(w_enc, w_head, x, y):
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(tf.square(tf.tanh(x @ w_enc) @ w_head - y))
    grads = [tape.gradient(loss, w_enc), tape.gradient(loss, w_head)]
    del tape
    return loss, grads
''',
    "a forward function called inside the tape, gradients for a dict": '''
def loss_and_gradients(w_enc, w_head, x, y):
    def forward():
        return tf.reduce_mean(tf.square(tf.matmul(tf.tanh(tf.matmul(x, w_enc)), w_head) - y))
    with tf.GradientTape() as tape:
        loss = forward()
    g = tape.gradient(loss, {"enc": w_enc, "head": w_head})
    return loss, [g["enc"], g["head"]]
''',
}
