WRONG = {
    "add_weight with a zeros initializer: the layer starts by outputting 0": '''
class RMSNorm(keras.layers.Layer):
    def __init__(self, dim, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.gain = self.add_weight(shape=(dim,), initializer="zeros", name="gain")

    def call(self, x):
        mean_square = tf.reduce_mean(tf.square(x), axis=-1, keepdims=True)
        return x * tf.math.rsqrt(mean_square + self.epsilon) * self.gain
''',
    "add_weight(trainable=False): tracked, but not trainable": '''
class RMSNorm(keras.layers.Layer):
    def __init__(self, dim, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.gain = self.add_weight(shape=(dim,), initializer="ones", name="gain", trainable=False)

    def call(self, x):
        mean_square = tf.reduce_mean(tf.square(x), axis=-1, keepdims=True)
        return x * tf.math.rsqrt(mean_square + self.epsilon) * self.gain
''',
    "an unused add_weight next to the raw tf.Variable": '''
class RMSNorm(keras.layers.Layer):
    def __init__(self, dim, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.scale = self.add_weight(shape=(dim,), initializer="ones", name="scale")
        self.gain = tf.Variable(tf.ones((dim,)), name="gain")

    def call(self, x):
        mean_square = tf.reduce_mean(tf.square(x), axis=-1, keepdims=True)
        return x * tf.math.rsqrt(mean_square + self.epsilon) * self.gain
''',
    "a larger epsilon (1e-3): a different layer": '''
class RMSNorm(keras.layers.Layer):
    def __init__(self, dim, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.gain = self.add_weight(shape=(dim,), initializer="ones", name="gain")

    def call(self, x):
        mean_square = tf.reduce_mean(tf.square(x), axis=-1, keepdims=True)
        return x * tf.math.rsqrt(mean_square + self.epsilon) * self.gain
''',
}

RIGHT = {
    "gain created in build() from the input's last dimension": '''
class RMSNorm(keras.layers.Layer):
    def __init__(self, dim, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gain")

    def call(self, x):
        rms = tf.sqrt(tf.reduce_mean(x * x, axis=-1, keepdims=True) + self.epsilon)
        return self.gain * x / rms
''',
    "a keras.Variable attribute": '''
class RMSNorm(keras.layers.Layer):
    def __init__(self, dim, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.gain = keras.Variable(np.ones((dim,), "float32"), name="gain")

    def call(self, x):
        mean_square = tf.reduce_mean(tf.square(x), axis=-1, keepdims=True)
        return x * tf.math.rsqrt(mean_square + self.epsilon) * self.gain
''',
}
