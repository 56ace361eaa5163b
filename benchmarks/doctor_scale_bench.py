"""Does the gradient doctor's cost scale? MobileNetV2 (weights=None, 96x96, ~160 variables) and a transformer
block, each healthy and broken (one bad cast), timed next to one plain eager forward+backward pass of the same
model in the same run. Goals: healthy <= 1.5 x step + 0.5 s; broken <= 4 x step + 2 s.

Run: .venv/bin/python benchmarks/doctor_scale_bench.py [--repeat N] [--only mobilenet|transformer]
Prints the figures (and the machine's load: the ratios are what to compare); exits 1 if a goal is missed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograder  # noqa: E402

tf = autograder.quiet_start()
import keras  # noqa: E402
from doctor_bench import timed  # noqa: E402  (the same first-call / median timer as the small-model bench)


class BadCast(keras.layers.Layer):
    """The bug: features rounded through an integer cast (a 'quantisation' that cuts every gradient upstream)."""

    def call(self, t):
        return tf.cast(tf.cast(t * 10.0, tf.int32), t.dtype) / 10.0


def mobilenet(broken: bool):
    keras.utils.set_random_seed(0)
    backbone = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3),
                                              pooling="avg")
    inputs = keras.Input((96, 96, 3))
    h = backbone(inputs)
    if broken:
        h = BadCast()(h)
    model = keras.Model(inputs, keras.layers.Dense(10)(h))
    x = tf.random.stateless_uniform((8, 96, 96, 3), seed=(1, 2))
    y = tf.random.stateless_uniform((8,), seed=(3, 4), maxval=10, dtype=tf.int32)
    return model, x, y


def transformer(broken: bool):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 64))
    attn = keras.layers.MultiHeadAttention(num_heads=4, key_dim=16)(inputs, inputs)
    if broken:
        attn = BadCast()(attn)
    h = keras.layers.LayerNormalization()(inputs + attn)
    ff = keras.layers.Dense(64)(keras.layers.Dense(256, activation="gelu")(h))
    h = keras.layers.LayerNormalization()(h + ff)
    model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.GlobalAveragePooling1D()(h)))
    x = tf.random.stateless_normal((8, 32, 64), seed=(1, 2))
    y = tf.random.stateless_uniform((8,), seed=(3, 4), maxval=10, dtype=tf.int32)
    return model, x, y


class _StepClock(keras.callbacks.Callback):
    """Wall time from the end of the first step to the end of training: steady-state steps only (the first
    step includes compiling the train function, which GradientWatch rebuilds once per fit)."""

    def on_train_batch_end(self, batch, logs=None):
        if batch == 0 and not hasattr(self, "start"):
            self.start = time.perf_counter()
        self.steps = getattr(self, "steps", 0) + 1

    def on_train_end(self, logs=None):
        self.per_step = (time.perf_counter() - self.start) / max(1, self.steps - 1)


def callback_overhead(repeat: int) -> bool:
    """Time per healthy training step with and without GradientWatch (goal: under 5% slower)."""
    from autograder.doctor import GradientWatch
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8192, 32)).astype("float32")
    y = rng.integers(0, 10, size=(8192,))
    results: dict = {}
    for label in ("plain", "watched") * max(2, repeat):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(256, activation="relu"),
                                  keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        clock = _StepClock()
        callbacks = [clock] + ([GradientWatch(print_fn=lambda *_: None)] if label == "watched" else [])
        model.fit(x, y, batch_size=64, epochs=1, verbose=0, callbacks=callbacks)
        results.setdefault(label, []).append(clock.per_step)
    plain, watched = statistics.median(results["plain"]), statistics.median(results["watched"])
    overhead = watched / plain - 1.0
    print(f"GradientWatch on healthy steps (MLP 32-256-256-10, batch 64, 127 steady steps, median of "
          f"{len(results['plain'])}): plain {1e3 * plain:.2f} ms/step, watched {1e3 * watched:.2f} ms/step -> "
          f"overhead {100 * overhead:+.1f}% (goal < 5%): {'met' if overhead < 0.05 else 'MISSED'}; "
          f"load average {os.getloadavg()[0]:.2f}")
    return overhead < 0.05


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("mobilenet", "transformer"))
    parser.add_argument("--callback", action="store_true", help="measure only GradientWatch's overhead")
    args = parser.parse_args(argv)
    if args.callback:
        return 0 if callback_overhead(args.repeat) else 1
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}; load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs; median of {args.repeat} after a first call")
    print(f"{'model':22} {'vars':>4} {'step':>8} {'doctor':>8} {'ratio':>6} {'goal':>8}  result / causes")
    ok = True
    builders = {"mobilenet": mobilenet, "transformer": transformer}
    for name, build in builders.items():
        if args.only and name != args.only:
            continue
        for broken in (False, True):
            model, x, y = build(broken)

            def step():
                with tf.GradientTape() as tape:
                    value = loss(y, model(x, training=True))
                return tape.gradient(value, model.trainable_variables)

            def doctor():
                return autograder.diagnose(model, batch=(x, y), loss=loss)

            _, s_med = timed(step, args.repeat)
            d_first, d_med = timed(doctor, args.repeat)
            report = doctor()
            goal = (4 * s_med + 2.0) if broken else (1.5 * s_med + 0.5)
            met = d_med <= goal
            ok &= met
            label = f"{name} {'broken' if broken else 'healthy'}"
            print(f"{label:22} {len(model.trainable_variables):4d} {s_med:7.3f}s {d_med:7.3f}s {d_med / s_med:5.1f}x "
                  f"{goal:7.2f}s  {'met' if met else 'MISSED'} (first call {d_first:.2f}s); "
                  f"causes: {sorted(report.causes) or 'none'}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
