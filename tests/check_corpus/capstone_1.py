WRONG = {
    "add_weight initialised with init, not log(init)": '''
class LogitScale(keras.layers.Layer):
    def __init__(self, init=10.0, **kwargs):
        super().__init__(**kwargs)
        self.log_scale = self.add_weight(shape=(), name="log_scale", initializer=keras.initializers.Constant(init))

    def call(self, similarities):
        return similarities * tf.exp(self.log_scale)
''',
    "add_weight(trainable=False)": '''
class LogitScale(keras.layers.Layer):
    def __init__(self, init=10.0, **kwargs):
        super().__init__(**kwargs)
        self.log_scale = self.add_weight(shape=(), name="log_scale", trainable=False,
                                         initializer=keras.initializers.Constant(np.log(init)))

    def call(self, similarities):
        return similarities * tf.exp(self.log_scale)
''',
    "the log-scale used without exp": '''
class LogitScale(keras.layers.Layer):
    def __init__(self, init=10.0, **kwargs):
        super().__init__(**kwargs)
        self.log_scale = self.add_weight(shape=(), name="log_scale",
                                         initializer=keras.initializers.Constant(np.log(init)))

    def call(self, similarities):
        return similarities * self.log_scale
''',
    "the raw tf.Variable kept, marked trainable": '''
class LogitScale(keras.layers.Layer):
    def __init__(self, init=10.0, **kwargs):
        super().__init__(**kwargs)
        self.log_scale = tf.Variable(np.log(init), dtype=tf.float32, name="log_scale", trainable=True)

    def call(self, similarities):
        return similarities * tf.exp(self.log_scale)
''',
}

RIGHT = {
    "add_weight(shape=(1,)) for the scalar": '''
class LogitScale(keras.layers.Layer):
    def __init__(self, init=10.0, **kwargs):
        super().__init__(**kwargs)
        self.log_scale = self.add_weight(shape=(1,), name="log_scale",
                                         initializer=keras.initializers.Constant(np.log(init)))

    def call(self, similarities):
        return similarities * tf.exp(self.log_scale)
''',
    "a keras.Variable, differently named": '''
class LogitScale(keras.layers.Layer):
    def __init__(self, init=10.0, **kwargs):
        super().__init__(**kwargs)
        self.temperature_log = keras.Variable(np.log(init).astype("float32"), name="temperature_log")

    def call(self, similarities):
        return tf.exp(self.temperature_log) * similarities
''',
    "created in build()": '''
class LogitScale(keras.layers.Layer):
    def __init__(self, init=10.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.log_scale = self.add_weight(shape=(), initializer=keras.initializers.Constant(np.log(self.init)))

    def call(self, similarities):
        return similarities * tf.exp(self.log_scale)
''',
}
