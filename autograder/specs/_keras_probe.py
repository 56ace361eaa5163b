"""Shared probe for exercises whose answer is a Keras layer class (not an exercise: the name starts with "_").

The learner's layer and the reference layer are built the same way, every variable the forward pass uses gets the
same known values, and then the gradient is taken with respect to what the layer *reports* in
``layer.trainable_variables``: a weight Keras does not track has no entry there, exactly as in training.

Hidden weights are matched to the layer's variables by role, not by exact shape: a variable whose name says the
role (``log_scale``), else one with the same number of elements (a scalar stored as shape ``(1,)`` is the same
weight), so a correct layer written differently is not rejected.
"""
from __future__ import annotations

import numpy as np

from autograder.probe import gradients, to_numpy

UNTRACKED = ("requirement/`{name}` is used by the layer's forward pass but is not in `layer.trainable_variables`, "
             "so Keras (and `fit`, or any optimizer loop) would never train it")
TRAINABLE_COUNT = "count/the number of variables in `layer.trainable_variables`"
INITIAL = ("forward/the value your layer returns when freshly built (before any training) is not the exercise's: "
           "its weights must start where the exercise says (check the initializer)")


def _short_name(v) -> str:
    name = str(getattr(v, "path", None) or getattr(v, "name", ""))
    return name.rsplit("/", 1)[-1].split(":", 1)[0]


def _match(variables, weights: dict[str, np.ndarray]) -> dict[int, str]:
    """{id(variable): hidden weight name}: by name when it is unambiguous, else by element count and shape."""
    out: dict[int, str] = {}
    for v in variables:
        size = int(np.prod(v.shape))
        fits = [n for n, w in weights.items() if np.size(w) == size]
        named = [n for n in fits if n == _short_name(v)]
        same_shape = [n for n in fits if tuple(np.shape(weights[n])) == tuple(v.shape)]
        pick = named or same_shape or (fits if len(fits) == 1 else [])
        if pick:
            out[id(v)] = pick[0]
    return out


def probe_layer(layer, x: np.ndarray, weights: dict[str, np.ndarray], upstream: np.ndarray,
                initial: bool = False) -> dict:
    """Probe an unbuilt layer on input ``x``; ``weights`` maps names to values (see the module docstring).

    ``initial``: also record the forward value before any weight is set (for layers whose initial value is
    part of the exercise, e.g. a scale that starts at a given value).
    """
    import keras
    import tensorflow as tf

    x = tf.constant(x)
    keras.utils.set_random_seed(0)
    first = layer(x)                            # build
    with tf.GradientTape() as tape:
        layer(x)
    used = list(tape.watched_variables())       # every variable the forward pass reads, tracked or not
    matched = _match(used, weights)
    for v in used:
        name = matched.get(id(v))
        if name is not None:
            v.assign(np.reshape(weights[name], v.shape))
    trainable = list(layer.trainable_variables)
    # A trainable variable stands for a hidden weight only if the forward pass reads it (a keras.Variable wraps
    # the tf.Variable the tape sees), so an unused extra weight cannot pass for the real one.
    read = {id(u) for u in used}
    matched.update(_match([v for v in trainable if id(getattr(v, "value", v)) in read or id(v) in read], weights))
    tracked: dict[str, object] = {}
    for v in trainable:
        name = matched.get(id(v))
        if name is not None and name not in tracked:
            tracked[name] = getattr(v, "value", v)  # a keras.Variable wraps a tf.Variable
    keras.utils.set_random_seed(0)              # a layer rebuilt inside call() gets the same weights every run
    res = gradients(lambda: layer(x) * upstream, tracked)
    out: dict = {}
    used_names = {matched.get(id(v)) for v in used}
    for name in weights:
        # Only a weight the forward pass uses must be tracked (one rebuilt inside call() is used, then lost).
        if name in used_names or name in tracked:
            out[UNTRACKED.format(name=name)] = np.float32(name in tracked)
        if name in tracked:
            g = res[f"grad/{name}"]
            out[f"grad/{name}"] = None if g is None else np.reshape(g, np.shape(weights[name]))
    out["forward"] = res["forward"]
    out[TRAINABLE_COUNT] = np.array(len(trainable))
    if initial:
        out[INITIAL] = to_numpy(first)
    return out
