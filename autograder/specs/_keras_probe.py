"""Shared probe for exercises whose answer is a Keras layer class (not an exercise: the name starts with "_").

The learner's layer and the reference layer are built the same way, every variable the forward pass uses gets the
same known values, and then the gradient is taken with respect to what the layer *reports* in
``layer.trainable_variables``: a weight Keras does not track has no entry there, exactly as in training.
"""
from __future__ import annotations

import numpy as np

from autograder.probe import gradients, to_numpy


def probe_layer(layer, x: np.ndarray, weights: dict[str, np.ndarray], upstream: np.ndarray) -> dict:
    """Probe an unbuilt layer on input ``x``; ``weights`` maps names to values, matched to variables by shape."""
    import keras
    import tensorflow as tf

    x = tf.constant(x)
    keras.utils.set_random_seed(0)
    layer(x)                                    # build
    with tf.GradientTape() as tape:
        layer(x)
    by_shape = {tuple(np.shape(w)): name for name, w in weights.items()}
    for v in tape.watched_variables():          # every variable the forward pass reads, tracked or not
        name = by_shape.get(tuple(v.shape))
        if name is not None:
            v.assign(weights[name])
    tracked: dict[str, object] = {}
    for v in layer.trainable_variables:
        name = by_shape.get(tuple(v.shape))
        if name is not None and name not in tracked:
            tracked[name] = getattr(v, "value", v)  # a keras.Variable wraps a tf.Variable
    keras.utils.set_random_seed(0)              # a layer rebuilt inside call() gets the same weights every run
    res = gradients(lambda: layer(x) * upstream, tracked)
    out: dict = {}
    for name in weights:
        if name in tracked:
            out[f"grad/{name} (from layer.trainable_variables)"] = res[f"grad/{name}"]
    out["forward"] = res["forward"]
    out["number of trainable variables"] = np.array(len(layer.trainable_variables))
    return out
