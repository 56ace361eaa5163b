"""Run the doctor on a learner's answer to a catalog exercise, the way the exercise's own probe calls it.

``diagnose_entry(ex, entry, case)`` calls the spec's probe with a stand-in for the learner's entry that records
the arguments (so the doctor sees exactly the variables the probe creates), then diagnoses:
- a function: ``diagnose(lambda: entry(*args, **kwargs), variables)``, where the variables are the tf.Variables
  the probe passed, or else the arguments named by the probe's ``grad/<name>`` keys (a function that watches
  plain tensors itself);
- a Keras layer class: ``diagnose(layer, batch=(x, upstream), loss=sum(y_pred * upstream))``, with the layer the
  probe built and ``x``/``upstream`` from the case.
Returns a Report, or None (with the reason in ``diagnose_entry.last_reason``) when there is nothing to diagnose.
"""
from __future__ import annotations

from .diagnose import diagnose
from .report import Report


class _Spy:
    def __init__(self, target):
        self.target, self.calls, self.results = target, [], []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        out = self.target(*args, **kwargs)
        self.results.append(out)
        return out


def _is_layer_class(entry) -> bool:
    try:
        import keras
    except ImportError:
        return False
    return isinstance(entry, type) and issubclass(entry, keras.layers.Layer)


def diagnose_entry(ex, entry, case: dict) -> Report | None:
    import numpy as np
    import tensorflow as tf
    diagnose_entry.last_reason = ""
    spy = _Spy(entry)
    try:
        ex.probe(spy, case)
    except Exception:
        pass  # broken code may fail inside the probe: the recorded call is all we need
    if not spy.calls:
        diagnose_entry.last_reason = f"the probe never called `{ex.entry}`"
        return None
    if _is_layer_class(entry):
        upstream = case.get("upstream")
        # The layer's input: `x`, else the array shaped like the upstream gradient (the layer's output).
        names = [k for k in case if k != "upstream" and np.ndim(case[k]) > 0
                 and (upstream is None or np.shape(case[k]) == np.shape(upstream))]
        name = "x" if "x" in case else (names[0] if names else None)
        if not spy.results or name is None:
            diagnose_entry.last_reason = "a layer exercise whose cases have no recognisable input"
            return None
        target = tf.constant(upstream if upstream is not None else np.ones_like(case[name]))
        return diagnose(spy.results[0], batch=(tf.constant(case[name]), target),
                        loss=lambda y_true, y_pred: tf.reduce_sum(y_pred * y_true))
    if not callable(entry):
        diagnose_entry.last_reason = f"`{ex.entry}` is neither a function nor a Keras layer class"
        return None
    args, kwargs = spy.calls[0]
    variables = [v for v in list(args) + list(kwargs.values()) if isinstance(v, tf.Variable)]
    if not variables:
        try:
            keys = ex.probe(ex.reference, case)
        except Exception:
            keys = {}
        names = [k.split("/", 1)[1] for k in keys if k.startswith("grad/")]
        variables = [kwargs[n] for n in names if n in kwargs]
    if not variables:
        diagnose_entry.last_reason = f"the probe passes no tf.Variable to `{ex.entry}` and names no gradient source"
        return None
    return diagnose(lambda: entry(*args, **kwargs), variables)


diagnose_entry.last_reason = ""
