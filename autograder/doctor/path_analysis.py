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


def find_paths(trace, variables: list, statuses: list, gradients, partial_ops=frozenset()) -> bool:
    """Each variable's path to the loss (``trace.var_paths``), and ``trace.grads``: the gradient of the loss with
    respect to every float tensor on the paths of the variables that are not ok (or, with ``partial_ops``, whose
    path has such an op to check for partial saturation), from ``gradients(loss, tensors)`` (graph-level
    ``tf.gradients`` on a trace, the tape on an eager record). One pass over the graph for all the variables.
    Returns whether some ok variable needs the partial-saturation check."""
    y = trace.output
    trace.partial_check = set()
    anc = paths.ancestors(y)
    trace.ancestors = anc
    trace.var_paths = {}
    xs: dict = {}
    present = [(v, status, trace.handles[id(v)]) for v, status in zip(variables, statuses) if id(v) in trace.handles]
    every = paths.descendants_of_each([src for _, _, src in present], trace.graph)
    # A float output of an op on a variable's path is on that path when the loss is it, or when one of its
    # consumers is an ancestor of the loss (the consumer is fed by the variable, so it is on the path too): the
    # same for every variable, so found once per op, not once per variable and op.
    leads: dict = {}
    for op in anc:
        outs = [t for t in op.outputs if is_float(t.dtype) and (t is y or any(c in anc for c in t.consumers()))]
        if outs:
            leads[op] = outs
    for (v, status, src), desc in zip(present, every):
        on = desc & anc
        tensors = [t for op in on for t in leads.get(op, ())]
        trace.var_paths[id(v)] = VarPath(src, desc, on, tensors)
        if status == "ok" and partial_ops and any(op.type in partial_ops for op in on):
            trace.partial_check.add(id(v))
        if status != "ok" or id(v) in trace.partial_check:
            for t in tensors:
                xs[t.name] = t
    trace.grads = {}
    if xs:
        names = list(xs)
        try:
            grads = gradients(y, [xs[n] for n in names])
        except LookupError as exc:
            trace.lookup_error = exc
            grads = [None] * len(names)
        except Exception as exc:  # gradient construction failing is evidence too; keep analysing
            trace.gradient_build_error = exc
            grads = [None] * len(names)
        trace.grads = dict(zip(names, grads))
    return bool(trace.partial_check)


def analyse(trace, variables: list, statuses: list, want_values: bool, partial_ops=frozenset()):
    """Callback for ``graph_trace.trace``: returns the tensors to fetch when values are needed (``want_values``,
    or an ok variable whose path has an op in ``partial_ops`` to check for partial saturation)."""
    import tensorflow as tf
    want_values |= find_paths(trace, variables, statuses, tf.gradients, partial_ops)
    fetch = []
    if want_values:
        for n, g in trace.grads.items():
            if g is not None:
                trace.fetch_index["grad:" + n] = len(fetch)
                fetch.append(tf.convert_to_tensor(g))
        for op in trace.ancestors:
            for t in op.outputs:
                if is_float(t.dtype) and t.name not in trace.fetch_index:
                    trace.fetch_index[t.name] = len(fetch)
                    fetch.append(t)
    return fetch
