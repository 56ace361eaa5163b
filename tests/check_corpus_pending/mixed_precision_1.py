WRONG = {
    "the gradients scaled after the backward pass: what underflowed stays zero": '''
def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(tf.cast(pred, tf.float32) - y))
    grads = [optimizer.scale_loss(g) for g in tape.gradient(loss, model.trainable_variables)]
    optimizer.apply(grads, model.trainable_variables)
    return loss
''',
    "scaled, then unscaled by hand before apply(), which unscales again": '''
def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(tf.cast(pred, tf.float32) - y))
        scaled_loss = optimizer.scale_loss(loss)
    grads = tape.gradient(scaled_loss, model.trainable_variables)
    grads = [g / optimizer.scale_loss(1.0) for g in grads]
    optimizer.apply(grads, model.trainable_variables)
    return loss
''',
    "scaled, but applied with the inner optimizer: never unscaled, no overflow check": '''
def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(tf.cast(pred, tf.float32) - y))
        scaled_loss = optimizer.scale_loss(loss)
    grads = tape.gradient(scaled_loss, model.trainable_variables)
    optimizer.inner_optimizer.apply(grads, model.trainable_variables)
    return loss
''',
    "a fixed hand-made scale of 1024 with the inner optimizer: no skip when a gradient overflows": '''
def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(tf.cast(pred, tf.float32) - y))
        scaled_loss = loss * 1024.0
    grads = [g / 1024.0 for g in tape.gradient(scaled_loss, model.trainable_variables)]
    optimizer.inner_optimizer.apply(grads, model.trainable_variables)
    return loss
''',
    "returns the scaled loss": '''
def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(tf.cast(pred, tf.float32) - y))
        loss = optimizer.scale_loss(loss)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply(grads, model.trainable_variables)
    return loss
''',
}

RIGHT = {
    "apply_gradients with (gradient, variable) pairs": '''
def train_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.reduce_mean(tf.square(tf.cast(pred, tf.float32) - y))
        scaled = optimizer.scale_loss(loss)
    grads = tape.gradient(scaled, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
''',
    "keras.ops for the loss, variables taken once": '''
def train_step(model, optimizer, x, y):
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        err = keras.ops.cast(model(x, training=True), "float32") - y
        loss = keras.ops.mean(keras.ops.square(err))
        scaled = optimizer.scale_loss(loss)
    optimizer.apply(tape.gradient(scaled, variables), variables)
    return loss
''',
}
