"""How long does the gradient doctor take on a small Keras model, next to one plain forward+backward pass?

Target: doctor time <= 2 x (one forward+backward pass) + 1 second. Run: .venv/bin/python benchmarks/doctor_bench.py
Prints the measured figures; exits 1 if the target is missed.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograder  # noqa: E402

tf = autograder.quiet_start()
import keras  # noqa: E402


def build(broken: bool, head: str | None = None):
    keras.utils.set_random_seed(0)

    class Scale(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            # broken: a raw tf.Variable, which Keras does not track
            self.gain = tf.Variable(1.0) if broken else self.add_weight(shape=(), initializer="ones")

        def call(self, t):
            return t * self.gain

    return keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"),
                             keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation=head), Scale()])


def timed(fn, repeat: int) -> tuple[float, float]:
    """(first call, median of the next ``repeat`` calls), in seconds."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    rest = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        rest.append(time.perf_counter() - t0)
    return first, statistics.median(rest)


def main() -> int:
    x = tf.random.stateless_normal((32, 20), seed=(1, 2))
    y = tf.random.stateless_uniform((32,), seed=(3, 4), maxval=10, dtype=tf.int32)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    ok = True
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}; model: 20-64-64-10 MLP, batch 32")
    print(f"{'model':8} {'step':28} {'first call':>11} {'median of 5':>12}")
    y0, loss0 = y, loss
    # healthy: nothing to explain; broken: a raw tf.Variable Keras does not track; sigmoid: a sigmoid head with
    # binary cross-entropy, which makes the doctor evaluate the traced graph (the partial-saturation check).
    for label in ("healthy", "broken", "sigmoid"):
        broken = label == "broken"
        model = build(broken, "sigmoid" if label == "sigmoid" else None)
        if label == "sigmoid":
            loss = keras.losses.BinaryCrossentropy()
            y = tf.cast(tf.random.stateless_uniform((32, 10), seed=(5, 6)) > 0.5, tf.float32)

        if label != "sigmoid":
            y, loss = y0, loss0

        def step():
            with tf.GradientTape() as tape:
                value = loss(y, model(x, training=True))
            return tape.gradient(value, model.trainable_variables)

        def doctor():
            return autograder.diagnose(model, batch=(x, y), loss=loss)

        s_first, s_med = timed(step, 5)
        d_first, d_med = timed(doctor, 5)
        report = doctor()
        print(f"{label:8} {'forward+backward (eager)':28} {s_first:10.3f}s {s_med:11.3f}s")
        print(f"{label:8} {'diagnose(model, batch, loss)':28} {d_first:10.3f}s {d_med:11.3f}s")
        budget_first, budget_med = 2 * s_first + 1.0, 2 * s_med + 1.0
        met = d_first <= budget_first and d_med <= budget_med
        ok &= met
        print(f"{label:8} budget 2 x step + 1 s: first {budget_first:.3f}s, median {budget_med:.3f}s -> "
              f"{'met' if met else 'MISSED'}; causes found: {sorted(report.causes) or 'none'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
