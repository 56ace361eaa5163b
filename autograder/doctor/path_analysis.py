"""Inside the trace: find each variable's path to the loss and add the graph-level gradients the doctor needs."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import paths
from .op_kinds import is_float


@dataclass
class VarPath:
    source: object                 # placeholder of the variable's resource handle
    descendants: set               # every op fed (transitively) by the variable
    ops: set                       # ops on a data path variable -> loss
    tensors: list = field(default_factory=list)   # float tensors on the path (incl. the variable's reads)


def analyse(trace, variables: list, statuses: list, want_values: bool, partial_ops=frozenset()):
    """Callback for ``graph_trace.trace``: returns the tensors to fetch when values are needed (``want_values``,
    or an ok variable whose path has an op in ``partial_ops`` to check for partial saturation)."""
    import tensorflow as tf
    y = trace.output
    trace.partial_check = set()
    anc = paths.ancestors(y)
    trace.var_paths = {}
    xs: dict = {}
    present = [(v, status, trace.handles[id(v)]) for v, status in zip(variables, statuses) if id(v) in trace.handles]
    every = paths.descendants_of_each([src for _, _, src in present], trace.graph)
    for (v, status, src), desc in zip(present, every):
        on = desc & anc
        tensors = []
        for op in on:
            for t in op.outputs:
                if is_float(t.dtype) and (t is y or any(c in on for c in t.consumers())):
                    tensors.append(t)
        trace.var_paths[id(v)] = VarPath(src, desc, on, tensors)
        if status == "ok" and partial_ops and any(op.type in partial_ops for op in on):
            trace.partial_check.add(id(v))
            want_values = True
        if status != "ok" or id(v) in trace.partial_check:
            for t in tensors:
                xs[t.name] = t
    fetch = []
    if xs:
        names = list(xs)
        try:
            grads = tf.gradients(y, [xs[n] for n in names])
        except LookupError as exc:
            trace.lookup_error = exc
            grads = [None] * len(names)
        except Exception as exc:  # gradient construction failing is evidence too; keep analysing
            trace.gradient_build_error = exc
            grads = [None] * len(names)
        trace.grads = dict(zip(names, grads))
        if want_values:
            for n, g in trace.grads.items():
                if g is not None:
                    trace.fetch_index["grad:" + n] = len(fetch)
                    fetch.append(tf.convert_to_tensor(g))
    if want_values:
        for op in anc:
            for t in op.outputs:
                if is_float(t.dtype) and t.name not in trace.fetch_index:
                    trace.fetch_index[t.name] = len(fetch)
                    fetch.append(t)
    trace.ancestors = anc
    return fetch
