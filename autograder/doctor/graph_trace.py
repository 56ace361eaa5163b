"""Trace the loss into a graph (a FuncGraph) so the doctor can walk the ops between each variable and the loss.

Nested ``tf.function``s are inlined (``run_functions_eagerly`` is on while tracing, so their Python bodies run
inside our graph): their ops keep the learner's source lines. Tracing only builds the graph; ops run only if
``Trace.evaluate`` is called.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Trace:
    graph: object = None
    output: object = None                            # the loss tensor inside the graph
    handles: dict = field(default_factory=dict)      # id(variable) -> placeholder of its resource handle
    error: BaseException | None = None               # tracing failed: the evidence
    fetch_index: dict = field(default_factory=dict)  # key -> position in the fetched values
    lookup_error: LookupError | None = None          # tf.gradients met an op without gradient
    grads: dict = field(default_factory=dict)        # tensor name -> gradient tensor or None (graph-level)
    concrete: object = None
    values: list | None = None

    def value(self, key):
        if self.values is None or key not in self.fetch_index:
            return None
        return self.values[self.fetch_index[key]]

    def evaluate(self) -> bool:
        """Run the traced graph once (forward values and gradients of the fetched tensors)."""
        if self.concrete is None or not self.fetch_index:
            return False
        import numpy as np
        out = self.concrete()
        self.values = [np.asarray(v) for v in out]
        return True


def _to_loss_tensor(y, n: int = 0):
    import tensorflow as tf
    from .eager_run import split_step
    step = split_step(y, n)
    if step is not None:
        y = step[0]
    if tf.is_tensor(y):
        return y
    flat = [t for t in tf.nest.flatten(y) if tf.is_tensor(t)]
    if flat and len(flat) == len(tf.nest.flatten(y)):
        return tf.add_n([tf.reduce_sum(tf.cast(t, tf.float32)) for t in flat])
    return None


def trace(loss_fn: Callable, variables: list, analyse: Callable | None = None) -> Trace:
    """Trace ``loss_fn`` into a graph; ``analyse(trace)`` runs inside the trace (it may add gradient ops and
    return a list of tensors to fetch)."""
    import tensorflow as tf
    result = Trace()

    created: list = []
    counter = [0]

    def reuse_variables(next_creator, **kwargs):
        # tf.function traces twice when the code creates variables, and refuses new ones the second time: hand
        # back the variables of the first trace, in creation order (a loss that builds a tf.Variable per call).
        i = counter[0]
        counter[0] += 1
        if i < len(created):
            return created[i]
        v = next_creator(**kwargs)
        created.append(v)
        return v

    def wrapper():
        counter[0] = 0
        result.handles.clear()
        result.fetch_index.clear()
        with tf.variable_creator_scope(reuse_variables):
            y = target()
        out = _to_loss_tensor(y, len(variables))
        graph = tf.compat.v1.get_default_graph()
        result.graph = graph
        if out is None:
            result.error = TypeError(f"the loss is a {type(y).__name__}, not a tensor")
            return []
        result.output = out
        by_id = {id(ext): internal for ext, internal in graph.captures}
        for v in variables:
            handle = getattr(v, "handle", None)
            if handle is not None and id(handle) in by_id:
                result.handles[id(v)] = by_id[id(handle)]
            elif tf.is_tensor(v) and id(v) in by_id:   # a plain (eager) tensor the loss reads
                result.handles[id(v)] = by_id[id(v)]
        fetch = tf.autograph.experimental.do_not_convert(analyse)(result) if analyse else []
        return list(fetch) or [tf.constant(0.0)]

    # The learner's own tf.function: trace its Python body, so that AutoGraph (on the retry) converts it as
    # tf.function would; run eagerly inside our graph it would run unconverted (a `for` over a dataset never ends).
    target = getattr(loss_fn, "python_function", None) if isinstance(
        loss_fn, tf.types.experimental.PolymorphicFunction) else None
    target = target or loss_fn
    previous = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    quiet = warnings.catch_warnings()
    quiet.__enter__()
    # tf.data warns that run_functions_eagerly does not reach dataset functions: true, and nothing to act on
    warnings.filterwarnings("ignore", message=".*does not apply to tf.data functions")
    try:
        # Without AutoGraph first: converting Keras' and the learner's source costs seconds. Code with Python
        # control flow on tensors (an `if` on a tensor, `for` over a tensor or a dataset) fails that trace in
        # several ways (OperatorNotAllowedInGraphError, tf.data's "get_next() calls" ValueError, ...): any error
        # gets one retry with AutoGraph, as the learner's own tf.function would convert it; the retry's error is
        # the evidence when both fail.
        for autograph in (False, True):
            created.clear()
            result.error = None
            try:
                result.concrete = tf.function(wrapper, autograph=autograph).get_concrete_function()
                break
            except Exception as exc:  # untraceable code is itself evidence (.numpy(), NumPy on tensors, ...)
                result.error, result.concrete = exc, None
    finally:
        tf.config.run_functions_eagerly(previous)
        quiet.__exit__(None, None, None)
    return result
