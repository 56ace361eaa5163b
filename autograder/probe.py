"""Probes: run a function on hidden inputs and record its forward value and gradients.

The same probe runs on the learner's function (in the learner's or a sandboxed process) and on the reference
(in a trusted process); only the recorded arrays are ever compared.
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

Result = dict[str, "np.ndarray | None"]


def to_numpy(value) -> np.ndarray:
    import tensorflow as tf
    if isinstance(value, tf.IndexedSlices):
        value = tf.convert_to_tensor(value)
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def gradients(fn: Callable[[], object], sources: dict[str, object]) -> Result:
    """Call ``fn`` under a tape and differentiate its result with respect to each named source."""
    import tensorflow as tf
    with tf.GradientTape(persistent=False) as tape:
        for v in sources.values():
            if not isinstance(v, tf.Variable):
                tape.watch(v)
        y = fn()
    out: Result = {"forward": to_numpy(y)}
    if not tf.is_tensor(y):
        # A NumPy or Python result has no tape history: every gradient is absent.
        out.update({f"grad/{k}": None for k in sources})
        return out
    grads = tape.gradient(y, list(sources.values()))
    for name, g in zip(sources, grads):
        out[f"grad/{name}"] = None if g is None else to_numpy(g)
    return out


def generic_probe(wrt: Iterable[str]) -> Callable:
    """Probe for ``fn(**case)``: names in ``wrt`` become ``tf.Variable``s, the rest constants."""
    wrt = tuple(wrt)

    def probe(fn: Callable, case: dict[str, np.ndarray]) -> Result:
        import tensorflow as tf
        variables = {k: tf.Variable(case[k], name=k) for k in wrt}
        args = {k: variables.get(k, tf.constant(v)) for k, v in case.items()}
        return gradients(lambda: fn(**args), variables)

    return probe

