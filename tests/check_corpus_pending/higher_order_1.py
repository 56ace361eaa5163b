_HEAD = '''
def critic_loss_and_gradients(w1, w2, real, fake, eps):
    def critic(x):
        return tf.tanh(x @ w1) @ w2
    mixed = eps * real + (1.0 - eps) * fake
'''

WRONG = {
    "penalty computed before the outer tape: a constant, its gradient is missing": _HEAD + '''
    with tf.GradientTape() as gp_tape:
        gp_tape.watch(mixed)
        d_mixed = critic(mixed)
    grad_mixed = gp_tape.gradient(d_mixed, mixed)
    penalty = tf.reduce_mean(tf.square(tf.norm(grad_mixed, axis=1) - 1.0))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real)) + 10.0 * penalty
    return loss, tape.gradient(loss, [w1, w2])
''',
    "tf.stop_gradient on the inner gradient": _HEAD + '''
    with tf.GradientTape() as tape:
        wasserstein = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real))
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(mixed)
            d_mixed = critic(mixed)
        grad_mixed = tf.stop_gradient(gp_tape.gradient(d_mixed, mixed))
        loss = wasserstein + 10.0 * tf.reduce_mean(tf.square(tf.norm(grad_mixed, axis=1) - 1.0))
    return loss, tape.gradient(loss, [w1, w2])
''',
    "the penalty dropped to make the gradients exist": _HEAD + '''
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real))
    return loss, tape.gradient(loss, [w1, w2])
''',
    "norm over the whole batch instead of per example": _HEAD + '''
    with tf.GradientTape() as tape:
        wasserstein = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real))
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(mixed)
            d_mixed = critic(mixed)
        grad_mixed = gp_tape.gradient(d_mixed, mixed)
        loss = wasserstein + 10.0 * tf.square(tf.norm(grad_mixed) - 1.0)
    return loss, tape.gradient(loss, [w1, w2])
''',
}

RIGHT = {
    "one persistent tape for the outer gradient, inner gradient inside it, sqrt of the sum of squares": _HEAD + '''
    with tf.GradientTape(persistent=True) as tape:
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(mixed)
            d_mixed = critic(mixed)
        g = gp_tape.gradient(d_mixed, mixed)
        norms = tf.sqrt(tf.reduce_sum(g * g, axis=1))
        loss = (tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real))
                + 10.0 * tf.reduce_mean((norms - 1.0) ** 2))
    grads = [tape.gradient(loss, w1), tape.gradient(loss, w2)]
    del tape
    return loss, grads
''',
    "the inner gradient computed by a helper called inside the outer tape": '''
def critic_loss_and_gradients(w1, w2, real, fake, eps):
    def critic(x):
        return tf.tanh(x @ w1) @ w2

    def input_gradient(points):
        with tf.GradientTape() as inner:
            inner.watch(points)
            score = critic(points)
        return inner.gradient(score, points)

    with tf.GradientTape() as tape:
        g = input_gradient(eps * real + (1.0 - eps) * fake)
        penalty = tf.reduce_mean(tf.square(tf.norm(g, axis=1) - 1.0))
        loss = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real)) + 10.0 * penalty
    return loss, tape.gradient(loss, [w1, w2])
''',
}
