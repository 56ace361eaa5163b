WRONG = {
    "training=False said explicitly": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=False) - y))
    return loss, tape.gradient(loss, model.trainable_variables)
''',
    "gradients for model.variables: None for the moving statistics, and the frozen weights included": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
    return loss, tape.gradient(loss, model.variables)
''',
    "batch norm written by hand with batch statistics: ignores a frozen batch-norm layer and never updates the moving mean": '''
def loss_and_gradients(model, x, y):
    hidden, norm, out = model.get_layer("hidden"), model.get_layer("norm"), model.get_layer("out")
    with tf.GradientTape() as tape:
        h = hidden(x)
        mean, var = tf.nn.moments(h, axes=[0])
        h = norm.gamma * (h - mean) / tf.sqrt(var + norm.epsilon) + norm.beta
        loss = tf.reduce_mean(tf.square(out(tf.nn.relu(h)) - y))
    return loss, tape.gradient(loss, model.trainable_variables)
''',
    "training=True on a second call after the loss was computed in inference mode": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    model(x, training=True)
    return loss, tape.gradient(loss, model.trainable_variables)
''',
}

RIGHT = {
    "training passed as a keyword through __call__ with keras.ops": '''
def loss_and_gradients(model, x, y):
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        pred = model.__call__(x, training=True)
        loss = keras.ops.mean(keras.ops.square(pred - y))
    return loss, tape.gradient(loss, variables)
''',
    "a persistent tape and one gradient call per variable": '''
def loss_and_gradients(model, x, y):
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    grads = [tape.gradient(loss, v) for v in model.trainable_variables]
    del tape
    return loss, grads
''',
}
