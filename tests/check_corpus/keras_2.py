WRONG = {
    "no ReLU on the hidden layer": '''
class MLPHead(keras.layers.Layer):
    def __init__(self, hidden_units, num_outputs, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(hidden_units)
        self.out = keras.layers.Dense(num_outputs)

    def call(self, x):
        return self.out(self.hidden(x))
''',
    "ReLU on the output layer as well": '''
class MLPHead(keras.layers.Layer):
    def __init__(self, hidden_units, num_outputs, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(hidden_units, activation="relu")
        self.out = keras.layers.Dense(num_outputs, activation="relu")

    def call(self, x):
        return self.out(self.hidden(x))
''',
    "output layer frozen (trainable=False)": '''
class MLPHead(keras.layers.Layer):
    def __init__(self, hidden_units, num_outputs, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(hidden_units, activation="relu")
        self.out = keras.layers.Dense(num_outputs, trainable=False)

    def call(self, x):
        return self.out(self.hidden(x))
''',
}

RIGHT = {
    "both layers created in build()": '''
class MLPHead(keras.layers.Layer):
    def __init__(self, hidden_units, num_outputs, **kwargs):
        super().__init__(**kwargs)
        self.hidden_units, self.num_outputs = hidden_units, num_outputs

    def build(self, input_shape):
        self.hidden = keras.layers.Dense(self.hidden_units, activation="relu")
        self.out = keras.layers.Dense(self.num_outputs)

    def call(self, x):
        return self.out(self.hidden(x))
''',
    "a Sequential of the two layers, ReLU applied by hand": '''
class MLPHead(keras.layers.Layer):
    def __init__(self, hidden_units, num_outputs, **kwargs):
        super().__init__(**kwargs)
        self.first = keras.layers.Dense(hidden_units)
        self.second = keras.layers.Dense(num_outputs)

    def call(self, x):
        return self.second(tf.nn.relu(self.first(x)))
''',
}
