WRONG = {
    "model.losses forgotten": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
    return loss, tape.gradient(loss, model.trainable_variables)
''',
    "model.losses read inside the tape but before the forward pass: the add_loss term is the previous call's": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape() as tape:
        penalties = tf.add_n(model.losses)
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(pred - y)) + penalties
    return loss, tape.gradient(loss, model.trainable_variables)
''',
    "only the first layer's losses": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(pred - y)) + tf.add_n(model.layers[0].losses)
    return loss, tape.gradient(loss, model.trainable_variables)
''',
    "penalties added after the tape closed (recomputed, but not recorded)": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        data_loss = tf.reduce_mean(tf.square(pred - y))
    loss = data_loss + tf.add_n(model.losses)
    return loss, tape.gradient(data_loss, model.trainable_variables)
''',
}

RIGHT = {
    "sum(model.losses) with keras.ops": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = keras.ops.mean(keras.ops.square(pred - y)) + sum(model.losses)
    return loss, tape.gradient(loss, model.trainable_variables)
''',
    "penalties added one by one in a loop": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
        for penalty in model.losses:
            loss = loss + penalty
    grads = tape.gradient(loss, model.trainable_variables)
    return loss, grads
''',
}
