"""The gradient doctor, proved on a table of broken examples (each must get its cause) and their fixes (each
must be all ok: no false alarms), and on every exercise in the catalog (broken answer -> the spec's CAUSE,
solution -> all ok)."""
from __future__ import annotations

import contextlib
import io
import os
import textwrap
from dataclasses import dataclass

import nbformat
import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autograder import catalog, diagnose  # noqa: E402
from autograder.doctor import CAUSES  # noqa: E402
from autograder.doctor.cli import load_script, main  # noqa: E402
from autograder.doctor.exercise import diagnose_entry  # noqa: E402
from autograder.notebook import exercise_of, role  # noqa: E402

tf = pytest.importorskip("tensorflow")

# Shared set-up for the snippets (prepended to each; kept short so line numbers stay easy to read).
PRELUDE = """\
import numpy as np
import tensorflow as tf
import keras
w = tf.Variable([[0.5], [-1.0]], name="w")
b = tf.Variable(0.1, name="b")
x = tf.constant([[1.0, 2.0], [0.3, -0.7], [2.0, 0.1]])
y = tf.constant([[1.0], [0.0], [-1.0]])
"""


@dataclass
class Example:
    id: str
    cause: str
    broken: str     # defines loss_fn and variables (or model, batch, loss); the culprit line ends with "# BUG"
    fixed: str
    status: str | None = None   # expected status of the broken version, when it matters
    every: bool = False         # every variable must get the cause (not just one of them)


EXAMPLES = [
    Example("constant-input", "not_watched", """
        w_const = tf.constant([[0.5], [-1.0]])
        def loss_fn():
            return tf.reduce_mean(tf.square(x @ w_const - y))  # BUG
        variables = [w_const]
    """, """
        def loss_fn():
            return tf.reduce_mean(tf.square(x @ w - y))
        variables = [w]
    """, "none"),
    Example("frozen-variable", "not_watched", """
        frozen = tf.Variable([[0.5], [-1.0]], trainable=False)
        def loss_fn():
            return tf.reduce_mean(tf.square(x @ frozen - y))  # BUG
        variables = [frozen]
    """, """
        thawed = tf.Variable([[0.5], [-1.0]])
        def loss_fn():
            return tf.reduce_mean(tf.square(x @ thawed - y))
        variables = [thawed]
    """, "none"),
    Example("integer-variable", "integer_input", """
        counts = tf.Variable([1, 2, 3])
        def loss_fn():
            return tf.reduce_sum(tf.cast(counts, tf.float32) ** 2)
        variables = [counts]
    """, """
        counts = tf.Variable([1.0, 2.0, 3.0])
        def loss_fn():
            return tf.reduce_sum(counts ** 2)
        variables = [counts]
    """, "none"),
    Example("keras-raw-variable", "untracked_variable", """
        class Scale(keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.gain = tf.Variable(2.0)  # BUG
            def call(self, t):
                return t * self.gain
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1), Scale()])
        batch = (x, y)
        loss = keras.losses.MeanSquaredError()
    """, """
        class Scale(keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.gain = self.add_weight(shape=(), initializer="ones")
            def call(self, t):
                return t * self.gain
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1), Scale()])
        batch = (x, y)
        loss = keras.losses.MeanSquaredError()
    """, "none"),
    Example("keras-layer-in-call", "untracked_variable", """
        class Head(keras.layers.Layer):
            def call(self, t):
                return keras.layers.Dense(1)(t)  # BUG
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), Head()])
        batch = (x, y)
        loss = "mse"
    """, """
        class Head(keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.out = keras.layers.Dense(1)
            def call(self, t):
                return self.out(t)
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), Head()])
        batch = (x, y)
        loss = "mse"
    """, "none"),
    Example("prediction-before-tape", "outside_tape", """
        pred = x @ w + b  # BUG
        def loss_fn():
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w, b]
    """, """
        def loss_fn():
            pred = x @ w + b
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w, b]
    """, "none"),
    Example("step-features-before-tape", "outside_tape", """
        w_head = tf.Variable([[1.0]])
        def loss_fn():
            features = tf.tanh(x @ w)
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(features @ w_head - y))
            return loss, tape.gradient(loss, [w, w_head])
        variables = [w, w_head]
    """, """
        w_head = tf.Variable([[1.0]])
        def loss_fn():
            with tf.GradientTape() as tape:
                features = tf.tanh(x @ w)
                loss = tf.reduce_mean(tf.square(features @ w_head - y))
            return loss, tape.gradient(loss, [w, w_head])
        variables = [w, w_head]
    """, "none"),
    Example("cast-to-int", "non_differentiable_op", """
        labels = tf.constant([[1], [0], [-1]])
        def loss_fn():
            pred = tf.cast(x @ w + b, tf.int32)  # BUG
            return tf.reduce_mean(tf.cast(tf.square(pred - labels), tf.float32))
        variables = [w, b]
    """, """
        labels = tf.constant([[1], [0], [-1]])
        def loss_fn():
            pred = x @ w + b
            return tf.reduce_mean(tf.square(pred - tf.cast(labels, tf.float32)))
        variables = [w, b]
    """, "none"),
    Example("argmax-accuracy", "non_differentiable_op", """
        logits_w = tf.Variable(tf.random.stateless_normal((2, 3), seed=(1, 2)))
        onehot = tf.one_hot([0, 2, 1], 3)
        def loss_fn():
            pred = tf.one_hot(tf.argmax(x @ logits_w, axis=-1), 3)  # BUG
            return tf.reduce_mean(tf.square(pred - onehot))
        variables = [logits_w]
    """, """
        logits_w = tf.Variable(tf.random.stateless_normal((2, 3), seed=(1, 2)))
        onehot = tf.one_hot([0, 2, 1], 3)
        def loss_fn():
            pred = tf.nn.softmax(x @ logits_w, axis=-1)
            return tf.reduce_mean(tf.square(pred - onehot))
        variables = [logits_w]
    """, "none"),
    Example("round-in-tf-function", "non_differentiable_op", """
        @tf.function
        def loss_fn():
            return tf.reduce_mean(tf.square(tf.round(x @ w) - y))  # BUG
        variables = [w]
    """, """
        @tf.function
        def loss_fn():
            return tf.reduce_mean(tf.square(x @ w - y))
        variables = [w]
    """, "none"),
    Example("round-in-tensor-if", "non_differentiable_op", """
        def loss_fn():
            pred = x @ w
            if tf.reduce_mean(pred) > 0:  # a Python if on a tensor: AutoGraph makes it a tf.cond
                pred = tf.round(pred)  # BUG
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w]
    """, """
        def loss_fn():
            pred = x @ w
            if tf.reduce_mean(pred) > 0:
                pred = pred * 0.5
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w]
    """, "none"),
    Example("stop-gradient", "stop_gradient", """
        def loss_fn():
            pred = tf.stop_gradient(x @ w)  # BUG
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w]
    """, """
        def loss_fn():
            pred = x @ w
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w]
    """, "none"),
    Example("numpy-call", "left_tensorflow", """
        def loss_fn():
            pred = np.tanh((x @ w).numpy())  # BUG
            return tf.reduce_mean(tf.square(tf.constant(pred) - y))
        variables = [w]
    """, """
        def loss_fn():
            pred = tf.tanh(x @ w)
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w]
    """, "none"),
    Example("numpy-statistics", "left_tensorflow", """
        def loss_fn():
            pred = x @ w
            pred = (pred - np.mean(pred)) / np.std(pred)  # BUG
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w]
    """, """
        def loss_fn():
            pred = x @ w
            pred = (pred - tf.reduce_mean(pred)) / tf.math.reduce_std(pred)
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w]
    """, "wrong"),
    Example("numpy-function", "left_tensorflow", """
        def loss_fn():
            pred = tf.numpy_function(np.tanh, [x @ w], tf.float32)  # BUG
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w]
    """, """
        def loss_fn():
            pred = tf.tanh(x @ w)
            return tf.reduce_mean(tf.square(pred - y))
        variables = [w]
    """, "none"),
    Example("numpy-in-tf-function", "left_tensorflow", """
        @tf.function
        def loss_fn():
            scale = float((x @ w).numpy().max())  # BUG
            return tf.reduce_mean(tf.square(x @ w / scale - y))
        variables = [w]
    """, """
        @tf.function
        def loss_fn():
            scale = tf.reduce_max(x @ w)
            return tf.reduce_mean(tf.square(x @ w / scale - y))
        variables = [w]
    """, "none"),
    Example("assign-then-read", "stateful_op", """
        hidden = tf.Variable(tf.zeros((3, 1)))
        def loss_fn():
            hidden.assign(tf.tanh(x @ w))  # BUG
            return tf.reduce_mean(tf.square(hidden - y))
        variables = [w]
    """, """
        hidden = tf.Variable(tf.zeros((3, 1)))
        def loss_fn():
            h = tf.tanh(x @ w)
            hidden.assign(h)
            return tf.reduce_mean(tf.square(h - y))
        variables = [w]
    """, "none"),
    Example("unique", "no_gradient_registered", """
        def loss_fn():
            errors = tf.square(tf.squeeze(x @ w, 1) - tf.squeeze(y, 1))
            distinct, _ = tf.unique(errors)  # BUG
            return tf.reduce_mean(distinct)
        variables = [w]
    """, """
        def loss_fn():
            errors = tf.square(tf.squeeze(x @ w, 1) - tf.squeeze(y, 1))
            return tf.reduce_mean(errors)
        variables = [w]
    """, "none"),
    Example("resize-area", "no_gradient_registered", """
        image = tf.Variable(tf.random.stateless_normal((1, 4, 4, 1), seed=(3, 4)))
        def loss_fn():
            small = tf.image.resize(image, (2, 2), method="area")  # BUG
            return tf.reduce_sum(tf.square(small))
        variables = [image]
    """, """
        image = tf.Variable(tf.random.stateless_normal((1, 4, 4, 1), seed=(3, 4)))
        def loss_fn():
            small = tf.nn.avg_pool2d(image, 2, 2, "VALID")
            return tf.reduce_sum(tf.square(small))
        variables = [image]
    """, "none"),
    Example("exp-underflow", "underflow", """
        def loss_fn():
            p = tf.exp(-200.0 * tf.square(x @ w - 3.0))  # BUG
            return -tf.reduce_mean(p)
        variables = [w]
    """, """
        def loss_fn():
            log_p = -200.0 * tf.square(x @ w - 3.0)
            return -tf.reduce_mean(log_p)
        variables = [w]
    """, "zero"),
    Example("product-underflow", "underflow", """
        probs = tf.Variable(tf.fill((400,), 0.1))
        def loss_fn():
            likelihood = tf.reduce_prod(probs)  # BUG
            return -tf.math.log(likelihood + 1e-30)
        variables = [probs]
    """, """
        probs = tf.Variable(tf.fill((400,), 0.1))
        def loss_fn():
            return -tf.reduce_sum(tf.math.log(probs))
        variables = [probs]
    """, "zero"),
    Example("sigmoid-saturation", "saturation", """
        def loss_fn():
            p = tf.sigmoid(100.0 * (x @ w) + 60.0)  # BUG
            return tf.reduce_mean(tf.square(p - 0.5))
        variables = [w]
    """, """
        def loss_fn():
            p = tf.sigmoid(x @ w)
            return tf.reduce_mean(tf.square(p - 0.5))
        variables = [w]
    """, "zero"),
    Example("dead-relu", "saturation", """
        def loss_fn():
            h = tf.nn.relu(x @ w - 10.0)  # BUG
            return tf.reduce_mean(tf.square(h - y))
        variables = [w]
    """, """
        def loss_fn():
            h = tf.nn.leaky_relu(x @ w - 10.0, alpha=0.1)
            return tf.reduce_mean(tf.square(h - y))
        variables = [w]
    """, "zero"),
    Example("log-of-sigmoid", "nan_forward", """
        labels = tf.constant([[1.0], [0.0], [1.0]])
        def loss_fn():
            p = tf.sigmoid(50.0 * (x @ w))
            log_1mp = tf.math.log(1.0 - p)  # BUG
            return -tf.reduce_mean(labels * tf.math.log(p) + (1.0 - labels) * log_1mp)
        variables = [w]
    """, """
        labels = tf.constant([[1.0], [0.0], [1.0]])
        def loss_fn():
            logits = 50.0 * (x @ w)
            return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
        variables = [w]
    """, "nan"),
    Example("norm-at-zero", "nan_backward", """
        offset = tf.Variable([0.0, 0.0])
        def loss_fn():
            return tf.norm(offset) + tf.reduce_sum(offset)  # BUG
        variables = [offset]
    """, """
        offset = tf.Variable([0.0, 0.0])
        def loss_fn():
            return tf.sqrt(tf.reduce_sum(tf.square(offset)) + 1e-12) + tf.reduce_sum(offset)
        variables = [offset]
    """, "nan"),
    Example("where-log", "nan_backward", """
        v = tf.Variable([0.0, 2.0])
        def loss_fn():
            return tf.reduce_sum(tf.where(v > 0, tf.math.log(v), 0.0))  # BUG
        variables = [v]
    """, """
        v = tf.Variable([0.0, 2.0])
        def loss_fn():
            safe = tf.where(v > 0, v, 1.0)
            return tf.reduce_sum(tf.where(v > 0, tf.math.log(safe), 0.0))
        variables = [v]
    """, "nan"),
    Example("custom-gradient-factor", "wrong_custom_gradient", """
        @tf.custom_gradient
        def square(t):
            def grad(up):  # BUG
                return up * t  # forgot the factor 2
            return t * t, grad
        def loss_fn():
            return tf.reduce_mean(square(x @ w - y))
        variables = [w]
    """, """
        @tf.custom_gradient
        def square(t):
            def grad(up):
                return up * 2.0 * t
            return t * t, grad
        def loss_fn():
            return tf.reduce_mean(square(x @ w - y))
        variables = [w]
    """, "wrong"),
    Example("custom-gradient-ignores-dy", "wrong_custom_gradient", """
        @tf.custom_gradient
        def binarize(t):
            def grad(dy):  # BUG
                return tf.cast(tf.abs(t) <= 1.0, t.dtype)  # straight-through, but dy is forgotten
            return tf.sign(t), grad
        def loss_fn():
            return tf.reduce_mean(tf.square(x @ binarize(w) - y))
        variables = [w]
    """, """
        @tf.custom_gradient
        def binarize(t):
            def grad(dy):
                return dy * tf.cast(tf.abs(t) <= 1.0, t.dtype)
            return tf.sign(t), grad
        def loss_fn():
            return tf.reduce_mean(tf.square(x @ binarize(w) - y))
        variables = [w]
    """, "wrong"),
    Example("stop-gradient-in-norm", "stop_gradient", """
        def loss_fn():
            pred = x @ w
            unit = pred / tf.stop_gradient(tf.norm(pred))  # BUG
            return tf.reduce_sum(unit * y)
        variables = [w]
    """, """
        def loss_fn():
            pred = x @ w
            unit = pred / tf.norm(pred)
            return tf.reduce_sum(unit * y)
        variables = [w]
    """, "wrong"),
    Example("shape-error", "loss_error", """
        def loss_fn():
            return tf.reduce_mean(tf.square(w @ x - y))  # BUG
        variables = [w]
    """, """
        def loss_fn():
            return tf.reduce_mean(tf.square(x @ w - y))
        variables = [w]
    """, "none"),
    # --- patterns from real bug reports (issue 16): each cause named, with the learner's line ---------------
    Example("float-per-element", "left_tensorflow", """
        def loss_fn():
            values = [float(v) for v in tf.reshape(x @ w + b, [-1])]  # BUG
            pred = tf.constant(values)
            return tf.reduce_mean(tf.square(pred - tf.reshape(y, [-1])))
        variables = [w, b]
    """, """
        def loss_fn():
            pred = tf.reshape(x @ w + b, [-1])
            return tf.reduce_mean(tf.square(pred - tf.reshape(y, [-1])))
        variables = [w, b]
    """, "none", every=True),
    Example("dataset-reduce", "data_pipeline", """
        rows = tf.data.Dataset.from_tensor_slices(x)
        def loss_fn():
            return rows.reduce(0.0, lambda s, r: s + tf.reduce_sum(r * tf.squeeze(w)))  # BUG
        variables = [w]
    """, """
        rows = tf.data.Dataset.from_tensor_slices(x)
        def loss_fn():
            total = 0.0
            for r in rows:
                total += tf.reduce_sum(r * tf.squeeze(w))
            return total
        variables = [w]
    """, "none"),
    Example("dataset-loop-in-tf-function", "data_pipeline", """
        batches = tf.data.Dataset.from_tensor_slices(x).batch(2)
        @tf.function
        def loss_fn():
            total = 0.0
            for batch in batches:  # BUG
                total += tf.reduce_sum(batch @ w)
            return total
        variables = [w]
    """, """
        batch = next(iter(tf.data.Dataset.from_tensor_slices(x).batch(2)))
        @tf.function
        def loss_fn():
            return tf.reduce_sum(batch @ w)
        variables = [w]
    """, "none"),
    Example("custom-gradient-arity", "loss_error", """
        @tf.custom_gradient
        def scaled(t, s):
            def grad(dy):  # BUG
                return dy * s  # two inputs, one gradient
            return t * s, grad
        def loss_fn():
            return tf.reduce_sum(scaled(x @ w, b))
        variables = [w, b]
    """, """
        @tf.custom_gradient
        def scaled(t, s):
            def grad(dy):
                return dy * s, tf.reduce_sum(dy * t)
            return t * s, grad
        def loss_fn():
            return tf.reduce_sum(scaled(x @ w, b))
        variables = [w, b]
    """, "none", every=True),
    Example("lookup-error-two-variables", "no_gradient_registered", """
        def loss_fn():
            errors = tf.squeeze(x @ w, 1) + b
            distinct, _ = tf.unique(errors)  # BUG
            return tf.reduce_sum(distinct)
        variables = [w, b]
    """, """
        def loss_fn():
            errors = tf.squeeze(x @ w, 1) + b
            return tf.reduce_sum(errors)
        variables = [w, b]
    """, "none", every=True),
    Example("gradient-penalty-through-resize", "non_differentiable_op", """
        image = tf.random.stateless_normal((1, 4, 4, 1), seed=(5, 5))
        critic = tf.Variable(tf.random.stateless_normal((1, 8, 8, 1), seed=(6, 6)))
        def loss_fn():
            with tf.GradientTape() as inner:
                inner.watch(image)
                score = tf.reduce_sum(tf.image.resize(image, (8, 8)) * critic)
            slope = inner.gradient(score, image)  # BUG
            return score + 10.0 * tf.reduce_sum(tf.square(slope))
        variables = [critic]
    """, """
        image = tf.random.stateless_normal((1, 4, 4, 1), seed=(5, 5))
        critic = tf.Variable(tf.random.stateless_normal((1, 8, 8, 1), seed=(6, 6)))
        def loss_fn():
            with tf.GradientTape() as inner:
                inner.watch(image)
                big = tf.repeat(tf.repeat(image, 2, axis=1), 2, axis=2)
                score = tf.reduce_sum(big * critic)
            slope = inner.gradient(score, image)
            return score + 10.0 * tf.reduce_sum(tf.square(slope))
        variables = [critic]
    """, "wrong"),
    Example("float16-backward-underflow", "underflow", """
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="tanh", dtype="mixed_float16"),
                                  keras.layers.Dense(1)])
        batch = (x, y)
        def loss(y_true, y_pred):
            return 1e-9 * tf.reduce_mean(tf.square(y_true - y_pred))
    """, """
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="tanh"),
                                  keras.layers.Dense(1)])
        batch = (x, y)
        def loss(y_true, y_pred):
            return 1e-9 * tf.reduce_mean(tf.square(y_true - y_pred))
    """, "zero"),
    Example("watched-too-late", "outside_tape", """
        point = tf.constant([1.0, 2.0])
        def loss_fn():
            with tf.GradientTape() as tape:
                tape.watch(point)
            value = tf.reduce_sum(point ** 2)  # BUG
            return value, tape.gradient(value, point)
        variables = [point]
    """, """
        point = tf.constant([1.0, 2.0])
        def loss_fn():
            with tf.GradientTape() as tape:
                tape.watch(point)
                value = tf.reduce_sum(point ** 2)
            return value, tape.gradient(value, point)
        variables = [point]
    """, "none"),
    Example("integer-token-ids", "integer_input", """
        embed = keras.layers.Embedding(10, 4)
        token_ids = tf.constant([[1, 2, 3]])
        def loss_fn():
            return tf.reduce_sum(tf.square(embed(token_ids)))  # BUG
        variables = [token_ids]
    """, """
        embed = keras.layers.Embedding(10, 4)
        token_ids = tf.constant([[1, 2, 3]])
        embed(token_ids)
        def loss_fn():
            return tf.reduce_sum(tf.square(embed(token_ids)))
        variables = embed.trainable_variables
    """, "none"),
    Example("fully-masked-attention-row", "nan_forward", """
        wq = tf.Variable(tf.random.stateless_normal((4, 4), seed=(1, 1)))
        wv = tf.Variable(tf.random.stateless_normal((4, 4), seed=(1, 2)))
        h = tf.random.stateless_normal((3, 4), seed=(2, 2))
        mask = tf.constant([[True, True, False], [True, True, True], [False, False, False]])  # row 3: padding
        valid = tf.constant([[1.0], [1.0], [0.0]])
        def loss_fn():
            scores = tf.where(mask, (h @ wq) @ tf.transpose(h) / 2.0, -np.inf)
            attention = tf.nn.softmax(scores, axis=-1)  # BUG
            out = attention @ (h @ wv)
            return tf.reduce_sum(tf.where(valid > 0, out, 0.0))
        variables = [wq, wv]
    """, """
        wq = tf.Variable(tf.random.stateless_normal((4, 4), seed=(1, 1)))
        wv = tf.Variable(tf.random.stateless_normal((4, 4), seed=(1, 2)))
        h = tf.random.stateless_normal((3, 4), seed=(2, 2))
        mask = tf.constant([[True, True, False], [True, True, True], [False, False, False]])
        valid = tf.constant([[1.0], [1.0], [0.0]])
        def loss_fn():
            scores = tf.where(mask, (h @ wq) @ tf.transpose(h) / 2.0, -1e9)
            attention = tf.nn.softmax(scores, axis=-1)
            out = attention @ (h @ wv)
            return tf.reduce_sum(tf.where(valid > 0, out, 0.0))
        variables = [wq, wv]
    """, "nan"),
]

# Every cause the brief asks for is exercised by the table.
REQUIRED = {"not_watched", "untracked_variable", "outside_tape", "non_differentiable_op", "stop_gradient",
            "left_tensorflow", "stateful_op", "no_gradient_registered", "underflow", "saturation", "nan_forward",
            "nan_backward", "wrong_custom_gradient", "integer_input", "data_pipeline", "loss_error"}


def test_table_covers_every_cause():
    assert REQUIRED <= {e.cause for e in EXAMPLES}
    assert {e.cause for e in EXAMPLES} <= set(CAUSES)


def _run(tmp_path, name: str, body: str):
    path = tmp_path / f"{name}.py"
    path.write_text(PRELUDE + textwrap.dedent(body))
    return path, load_script(str(path))


def _bug_line(path) -> int | None:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if line.rstrip().endswith("# BUG"):
            return i
    return None


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: e.id)
def test_broken_example_gets_its_cause(ex, tmp_path):
    path, kwargs = _run(tmp_path, ex.id.replace("-", "_"), ex.broken)
    report = diagnose(**kwargs)
    text = str(report)
    assert ex.cause in report.causes, text
    bad = [f for f in report if f.cause == ex.cause]
    if ex.every:
        assert len(bad) == len(report), text
    if ex.status:
        assert all(f.status == ex.status for f in bad), text
    line = _bug_line(path)
    if line is not None:  # the doctor points at the learner's line
        assert (all if ex.every else any)(f.location == f"{path}:{line}" or (f.location or "").endswith(f"{path.name}:{line}")
                   for f in bad), text
    assert ex.cause in text and "fix:" in text


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: e.id)
def test_fixed_example_is_ok(ex, tmp_path):
    _, kwargs = _run(tmp_path, ex.id.replace("-", "_") + "_fixed", ex.fixed)
    report = diagnose(**kwargs)
    assert report.ok, str(report)
    assert "all gradients ok" in str(report)


def test_healthy_keras_model_with_dropout_and_batchnorm_is_ok():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dropout(0.2), keras.layers.Dense(1)])
    x = tf.random.stateless_normal((16, 4), seed=(1, 1))
    y = tf.random.stateless_normal((16, 1), seed=(2, 2))
    model(x, training=True)  # build
    before = [v.numpy().copy() for v in model.variables]
    report = diagnose(model, batch=(x, y), loss=keras.losses.MeanSquaredError())
    assert report.ok, str(report)
    assert len(report) == len(model.trainable_variables)
    # the doctor's extra training-mode passes leave the model as it was (batch-norm statistics included)
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(before, model.variables))


def test_never_raises_on_bad_input():
    report = diagnose(lambda: 1 / 0, [tf.Variable(1.0)])
    assert report[0].cause == "loss_error" and "ZeroDivisionError" in report[0].detail
    report = diagnose(lambda: np.float32(3.0), [tf.Variable(1.0)])
    assert report[0].cause == "left_tensorflow"
    report = diagnose("not a function", [tf.Variable(1.0)])
    assert report[0].status == "none" and report[0].cause in CAUSES


def test_report_round_trips_through_json():
    import json
    from autograder.doctor import Report
    report = diagnose(lambda: tf.reduce_sum(tf.round(tf.Variable([1.5]))), [tf.Variable([1.0], name="v")])
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert str(again) == str(report) and again.summary() == report.summary()


def test_dict_of_variables_names_the_findings():
    a, c = tf.Variable(1.0), tf.constant(2.0)
    report = diagnose(lambda: a * c, {"a": a, "c": c})
    assert report["a"].ok and report["c"].cause == "not_watched"


def test_cli_main(tmp_path, capsys):
    path = tmp_path / "broken.py"
    path.write_text(PRELUDE + "def loss_fn():\n    return tf.reduce_sum(tf.round(x @ w))\nvariables = [w]\n")
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "non_differentiable_op" in out and "Round" in out and f"{path.name}:9" in out
    path.write_text(PRELUDE + "def loss_fn():\n    return tf.reduce_sum(x @ w)\nvariables = [w]\n")
    assert main([str(path)]) == 0
    assert "all gradients ok" in capsys.readouterr().out


# --- finite differences at a jump ----------------------------------------------------------------------------

@pytest.mark.parametrize("start", [[[0.125], [-0.625]], [[0.1251], [-0.9]]], ids=["on-a-tie", "next-to-a-tie"])
def test_straight_through_estimator_at_a_rounding_jump_is_a_surrogate_not_wrong(start):
    # 0.125 and -0.625 lie exactly half-way between two grid points (step 0.25); 0.1251 within the first finite-
    # difference step of one: the loss jumps there, and the jump over a step is no slope to compare with
    w = tf.Variable(start, name="w")
    x = tf.constant([[1.0, 2.0], [0.3, -0.7], [2.0, 0.1]])
    y = tf.constant([[1.0], [0.0], [-1.0]])

    def loss_fn():
        w_q = tf.round(w / 0.25) * 0.25
        return tf.reduce_mean(tf.square(x @ (w + tf.stop_gradient(w_q - w)) - y))

    report = diagnose(loss_fn, [w])
    assert report.ok, report
    assert any("piecewise constant" in note and "surrogate" in note for note in report.notes), report.notes


def test_stop_gradient_on_a_strongly_curved_normalisation_is_still_wrong():
    # capstone-3's regime: rows 1e5 times apart in length, so the finite-difference steps (scaled to the whole
    # variable) are huge for the short row and the loss is far from linear over them; it moves at every step,
    # so it is no jump, and the missing term of the gradient must still be found
    rng = np.random.default_rng(0)
    start = rng.normal(size=(3, 4)).astype("float32")
    start[1] *= 1e3
    start[2] *= 1e-2
    v = tf.Variable(start, name="rows")
    weights = tf.constant(rng.normal(size=(3, 4)).astype("float32"))

    def loss_fn():
        norm = tf.maximum(tf.norm(v, axis=-1, keepdims=True), 1e-12)
        return tf.reduce_sum(weights * (v / tf.stop_gradient(norm)))

    report = diagnose(loss_fn, [v])
    assert report[0].status == "wrong" and report[0].cause == "stop_gradient", report


# --- a Keras model: one eager run when healthy, an eager record (not a graph trace) to find a cut -------------

# A layer body that cuts every gradient upstream, the op the doctor must blame, its cause.
KERAS_CUTS = [
    ("integer-cast", "return tf.cast(tf.cast(t * 10.0, tf.int32), t.dtype) / 10.0  # BUG", "Cast to int32"),
    ("round", "return tf.round(t * 4.0) / 4.0  # BUG", "Round"),
    ("argmax", "return tf.one_hot(tf.argmax(t, -1), 3)  # BUG", "ArgMax"),
    ("comparison", "return tf.cast(t > 0.0, tf.float32)  # BUG", "Greater"),
    # a graph trace folds zeros_like of a known shape into a constant and sees no path at all; the eager run
    # still has the op, on the learner's line
    ("zeros-like", "return tf.zeros_like(t) + 1.0  # BUG", "ZerosLike"),
]

_KERAS_MODEL = """
    class Middle(keras.layers.Layer):
        def call(self, t):
            {body}
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), keras.layers.BatchNormalization(),
                              Middle(), keras.layers.Dense(1)])
    batch, loss = (x, y), keras.losses.MeanSquaredError()
"""


@pytest.fixture
def traces(monkeypatch):
    """The graph traces the doctor makes (each one is still made, and counted)."""
    from autograder.doctor import graph_trace
    made, real = [], graph_trace.trace
    monkeypatch.setattr(graph_trace, "trace", lambda *a, **k: made.append(a) or real(*a, **k))
    return made


@pytest.mark.parametrize("case", KERAS_CUTS, ids=lambda c: c[0])
def test_keras_cut_is_found_from_the_eager_run_without_a_trace(case, tmp_path, traces):
    name, body, op_type = case
    path, kwargs = _run(tmp_path, name.replace("-", "_"), _KERAS_MODEL.format(body=body))
    report = diagnose(**kwargs)
    cut = [f for f in report if not f.ok]
    assert [f.name.split("/")[-1] for f in cut] == ["kernel", "bias", "gamma", "beta"], report  # all upstream
    assert {(f.status, f.cause, f.op_type) for f in cut} == {("none", "non_differentiable_op", op_type)}, report
    assert all(f.location.endswith(f"{path.name}:{_bug_line(path)}") for f in cut), report
    assert report.paths and report.paths[0]["mark"] is not None   # the picture has the cut marked
    assert traces == [], "the eager record should have named the cut"


def test_keras_cut_behind_keras_own_custom_gradient_needs_no_trace(tmp_path, traces):
    # silu is a tf.custom_gradient inside Keras (trusted, as the graph checks trust it) and holds a Sigmoid (a
    # partial-saturation candidate): the record sees the custom gradient's op and the sigmoid's values
    body = _KERAS_MODEL.format(body=KERAS_CUTS[0][1]).replace(
        "keras.layers.Dense(3), keras.layers.BatchNormalization()",
        "keras.layers.Dense(3, activation='silu'), keras.layers.Dense(3, activation='silu')")
    path, kwargs = _run(tmp_path, "silu_cut", body)
    report = diagnose(**kwargs)
    cut = [f for f in report if not f.ok]
    assert len(cut) == 4 and {(f.cause, f.op_type) for f in cut} == {("non_differentiable_op", "Cast to int32")}, report
    assert all(f.location.endswith(f"{path.name}:{_bug_line(path)}") for f in cut), report
    assert traces == []


def test_partial_saturation_of_a_keras_model_from_the_eager_record(traces):
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.layers[0].kernel.assign([[2.0], [2.0]])
    x = tf.constant([[1.0, 2.0], [0.3, -0.7], [20.0, 30.0]])   # the last row saturates the sigmoid at exactly 1
    report = diagnose(model, batch=(x, tf.constant([[0.0], [1.0], [0.0]])), loss="mse")   # ... and wants 0
    assert [(f.status, f.cause, f.op_type) for f in report] == [("partial", "saturation", "Sigmoid")] * 2, report
    assert traces == []


def test_healthy_keras_model_costs_one_taped_run_and_no_trace(traces):
    keras = pytest.importorskip("keras")
    calls = []

    class Counted(keras.layers.Layer):
        def call(self, t):
            calls.append(1)
            return t

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), Counted(), keras.layers.Dense(1)])
    calls.clear()
    report = diagnose(model, batch=(tf.ones((3, 2)), tf.zeros((3, 1))), loss="mse")
    assert report.ok and len(report) == 4
    assert len(calls) == 1 and traces == []   # one forward pass (and its backward), nothing traced


def test_eager_record_that_misses_a_read_hands_over_to_the_trace(tmp_path, traces):
    # A raw tf.Variable multiplied in call() is read inside TensorFlow's C++ fast path, which no op callback
    # reports: the record would see no path from it, so the graph trace (made once) answers instead.
    body = _KERAS_MODEL.replace("    class Middle(keras.layers.Layer):\n", """    class Middle(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.gain = tf.Variable(2.0)
""").format(body="return tf.cast(tf.cast(t * self.gain, tf.int32), tf.float32)  # BUG")
    path, kwargs = _run(tmp_path, "missed_read", body)
    report = diagnose(**kwargs)
    assert len(traces) == 1, report
    assert report["Variable"].cause == "untracked_variable", report
    cut = [f for f in report if f.cause == "non_differentiable_op"]
    assert len(cut) == 4 and all(f.location.endswith(f"{path.name}:{_bug_line(path)}") for f in cut), report


# --- every exercise in the catalog ---------------------------------------------------------------------------

def _namespace(nb_path, ex_id: str) -> dict:
    nb = nbformat.read(nb_path, as_version=4)
    ns: dict = {"__name__": "__main__"}
    for i, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code" or role(cell) in ("setup", "check"):
            continue
        code = compile(cell.source, f"<{nb_path.name} cell {i + 1}>", "exec")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                exec(code, ns)
            except Exception:
                if role(cell) == "answer" and exercise_of(cell) == ex_id:
                    raise
    return ns


def _diagnose_exercise(ex, folder):
    ns = _namespace(folder / ex.notebook, ex.id)
    entry = ns.get(ex.entry)
    if entry is None:
        pytest.fail(f"{ex.notebook} does not define {ex.entry}")
    report = diagnose_entry(ex, entry, ex.cases(1234)[0])
    if report is None:
        pytest.skip(f"{ex.id}: {diagnose_entry.last_reason}")
    return report


EXERCISES = catalog.all_exercises()


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_exercise_broken_answer_gets_spec_cause(ex):
    if not ex.cause:
        pytest.skip(f"{ex.id}: the spec has no CAUSE")
    assert ex.cause in CAUSES, f"{ex.id}: CAUSE {ex.cause!r} is not a doctor cause"
    report = _diagnose_exercise(ex, catalog.EXERCISES_DIR)
    assert ex.cause in report.causes, f"{ex.id}: expected {ex.cause}\n{report}"


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_exercise_solution_is_ok(ex):
    if not (catalog.SOLUTIONS_DIR / ex.notebook).exists():
        pytest.skip(f"{ex.id}: no solution notebook yet")
    report = _diagnose_exercise(ex, catalog.SOLUTIONS_DIR)
    assert report.ok, f"{ex.id}: the solution should be all ok\n{report}"


# --- during training ------------------------------------------------------------------------------------------

def _fit_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    return x, (x.sum(1, keepdims=True) > 0).astype("float32")


def _small_model(middle=None):
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    layers = [keras.Input((4,)), keras.layers.Dense(8, activation="relu")] + ([middle] if middle else [])
    model = keras.Sequential(layers + [keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_gradient_watch_diagnoses_the_first_bad_fit_step_and_can_stop():
    keras = pytest.importorskip("keras")
    from autograder.doctor import GradientWatch

    class Quantise(keras.layers.Layer):
        def call(self, t):
            return tf.cast(tf.round(t * 4.0), t.dtype) / 4.0

    x, y = _fit_data()
    model, printed = _small_model(Quantise()), []
    watch = GradientWatch(stop=True, print_fn=printed.append)
    history = model.fit(x, y, batch_size=8, epochs=3, callbacks=[watch], verbose=0)
    assert watch.step == 1 and len(history.history["loss"]) == 1       # stopped in the first epoch
    assert watch.report is not None and watch.report.causes == {"non_differentiable_op"}, watch.report
    assert [f.op_type for f in watch.report if not f.ok] == ["Round", "Round"]
    assert len(printed) == 1 and "None" in printed[0]
    assert "apply_gradients" not in vars(model.optimizer)                # unwrapped after fit


def test_gradient_watch_sees_nan_gradients_inside_the_compiled_step():
    keras = pytest.importorskip("keras")
    from autograder.doctor import GradientWatch

    class RootOfRelu(keras.layers.Layer):   # finite output, NaN gradient: sqrt'(0) = inf times relu'(x<0) = 0
        def call(self, t):
            return tf.sqrt(tf.nn.relu(t))

    x, y = _fit_data()
    model = _small_model(RootOfRelu())
    watch = GradientWatch(print_fn=lambda *_: None)
    history = model.fit(x, y, batch_size=8, epochs=2, callbacks=[watch], verbose=0)
    assert len(history.history["loss"]) == 2                            # stop=False: training went on
    assert watch.step == 1 and "inf/NaN" in watch.summary, watch.summary
    assert watch.report is not None and "nan_backward" in watch.report.causes, watch.report


def test_gradient_watch_is_silent_on_a_healthy_fit():
    from autograder.doctor import GradientWatch
    x, y = _fit_data()
    model = _small_model()
    watch = GradientWatch(print_fn=pytest.fail)
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[watch], verbose=0)
    assert watch.report is None and watch._flags is not None and not np.any(watch._flags.numpy())


def test_gradient_guard_in_a_custom_loop():
    from autograder.doctor import GradientGuard, GradientProblem
    v = tf.Variable([1.0, 2.0], name="v")
    guard = GradientGuard(stop=True, print_fn=lambda *_: None)
    for step in range(3):
        scale = 1.0 if step < 2 else 0.0          # the third step multiplies the loss by an exact zero
        loss_fn = lambda: scale * tf.reduce_sum(v ** 2)  # noqa: E731
        with tf.GradientTape() as tape:
            loss = loss_fn()
        grads = tape.gradient(loss, [v])
        if step < 2:
            assert guard.check(grads, [v], loss_fn) is None
        else:
            with pytest.raises(GradientProblem) as info:
                guard.check(grads, [v], loss_fn)
    assert guard.step == 3 and info.value.report[0].status == "zero"


# --- the picture ----------------------------------------------------------------------------------------------

def test_cli_graph_draws_the_path_with_the_cut(tmp_path, capsys):
    path = tmp_path / "cut.py"
    path.write_text(PRELUDE + "def loss_fn():\n    return tf.reduce_sum(tf.cast(tf.cast(x @ w, tf.int32), "
                    "tf.float32))\nvariables = [w]\n")
    out = tmp_path / "out.svg"
    assert main([str(path), "--graph", str(out)]) == 1
    svg = out.read_text()
    assert "Cast to int32" in svg and "cut (non_differentiable_op)" in svg and f"{path.name}:9" in svg
    assert str(out) in capsys.readouterr().out


def test_picture_marks_the_nan_origin_off_the_variables_path(tmp_path):
    ex = next(e for e in EXAMPLES if e.id == "fully-masked-attention-row")
    _, kwargs = _run(tmp_path, "masked", ex.broken)
    report = diagnose(**kwargs)
    out = report.draw(str(tmp_path / "nan.svg"))
    svg = open(out).read()
    assert "Softmax" in svg and "NaN origin" in svg
