"""The cut search without a graph trace: record one eager run of the loss as a small graph of the ops it ran.

Tracing a big Keras model into a FuncGraph costs several eager steps (Keras builds every layer again in graph
mode). For a None gradient the doctor only needs the ops between each variable and the loss, where each op was
created, and which tensors on those paths have a gradient. One eager run gives all three: an op callback
records every op with its input and output tensors (kept alive, so their ids stay unique) and the learner's
line that ran it; the same callback watches every float output on a tape, so that one ``tape.gradient`` call
gives the gradient of the loss with respect to every tensor on the paths, as ``tf.gradients`` would in a graph.

``record`` returns an object with the parts of ``graph_trace.Trace`` that the None-cause code, the picture and
the location helpers read (``graph``, ``output``, ``var_paths``, ``grads``, ``ancestors``); the recorded ops and
tensors answer the same questions as graph ops (``type``, ``name``, ``inputs``, ``outputs``, ``consumers()``,
``traceback``, ``get_attr``), so that code runs unchanged on either.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

from . import path_analysis


class RecordedTensor:
    __slots__ = ("op", "value_index", "dtype", "value", "_consumers")

    def __init__(self, op, value_index, dtype, value):
        self.op, self.value_index, self.dtype, self.value = op, value_index, dtype, value
        self._consumers: list = []

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    def consumers(self) -> list:
        return self._consumers

    def __repr__(self) -> str:
        return f"<recorded {self.name} {self.dtype.name}>"


class RecordedOp:
    __slots__ = ("type", "name", "inputs", "outputs", "attrs", "traceback", "graph", "__weakref__")

    def __init__(self, op_type, name, attrs, location, graph):
        self.type, self.name, self.attrs, self.graph = op_type, name, attrs, graph
        self.inputs: list = []
        self.outputs: list = []
        # (file, line) of the learner's code that ran the op, in the shape source.user_location reads
        self.traceback = [location] if location else []

    def get_attr(self, name):
        if name not in self.attrs:
            raise ValueError(f"no attr {name!r} on recorded op {self.name}")
        return self.attrs[name]

    def __repr__(self) -> str:
        return f"<recorded op {self.name}>"


class RecordedGraph:
    """The ops of one eager run, in execution order (a topological order, as creation order is in a graph)."""

    def __init__(self):
        self._ops: list = []
        self._by_name: dict = {}
        self.captures: list = []   # (external tensor, its stand-in): what the run read from outside

    def get_operations(self) -> list:
        return self._ops

    def get_operation_by_name(self, name):
        return self._by_name[name]

    def _add(self, op):
        self._ops.append(op)
        self._by_name[op.name] = op


@dataclass
class EagerTrace:
    """What ``graph_trace.Trace`` offers the None-cause analysis, from an eager run."""
    graph: RecordedGraph | None = None
    output: RecordedTensor | None = None
    handles: dict = field(default_factory=dict)      # id(variable) -> stand-in of its resource handle
    grads: dict = field(default_factory=dict)        # tensor name -> gradient (eager tensor) or None
    error: BaseException | None = None
    lookup_error: LookupError | None = None
    values: list | None = None                      # [] once ``evaluate`` made the run's values readable

    def value(self, key):
        """A value of the recorded run, by tensor name, or (``grad:`` + name) the loss's gradient there: the
        run's own tensors, nothing evaluated again."""
        import numpy as np
        import tensorflow as tf
        if self.values is None or self.graph is None:
            return None
        if key.startswith("grad:"):
            g = self.grads.get(key[len("grad:"):])
            return None if g is None else np.asarray(tf.convert_to_tensor(g))
        op_name, _, index = key.rpartition(":")
        op = self.graph._by_name.get(op_name)
        if op is None or not index.isdigit() or int(index) >= len(op.outputs):
            return None
        return np.asarray(op.outputs[int(index)].value)

    def release(self) -> None:
        """Let go of the run's tensors now (ops, tensors and the graph refer to each other: a cycle that would
        otherwise keep every activation of a big model alive until the garbage collector's next full pass)."""
        if self.graph is not None:
            for op in self.graph._ops:
                for t in op.outputs:
                    t.value, t._consumers = None, []
                op.inputs, op.outputs = [], []
            self.graph._ops, self.graph._by_name, self.graph.captures = [], {}, []
        self.grads, self.output = {}, None

    def evaluate(self) -> bool:
        """The values are already there (the record keeps the run's tensors): make them readable."""
        self.values = []
        return True


def _attrs_dict(attrs) -> dict:
    """Op callbacks get attrs as a flat tuple (name, value, name, value, ...)."""
    out = {}
    try:
        items = list(attrs or ())
        for k in range(0, len(items) - 1, 2):
            key = items[k].decode() if isinstance(items[k], bytes) else str(items[k])
            out[key] = items[k + 1]
    except Exception:
        pass
    if "DstT" in out:
        import tensorflow as tf
        try:
            out["DstT"] = tf.as_dtype(out["DstT"])
        except Exception:
            pass
    return out


class _Locator:
    """The learner's (file, line) that ran the current op: the innermost frame that is the learner's code, found
    by walking the frames (cheap: a cached verdict per file), as ``source.user_location`` does on a traceback."""

    def __init__(self):
        from .source import _PACKAGE, is_user_frame
        self._package, self._is_user, self._kind = _PACKAGE, is_user_frame, {}

    def __call__(self):
        frame = sys._getframe(2)
        kind = self._kind
        while frame is not None:
            filename = frame.f_code.co_filename
            k = kind.get(filename)
            if k is None:
                k = kind[filename] = ("package" if filename.startswith(self._package)
                                      else "user" if self._is_user(filename) else "library")
            if k == "user":
                return (filename, frame.f_lineno)
            if k == "package":
                return None   # reached the doctor calling the loss: what is further out is its caller
            frame = frame.f_back
        return None


def record(loss_fn, variables: list, statuses: list, partial_ops=frozenset()) -> EagerTrace:
    """Run ``loss_fn`` once more, recording its ops, and find each variable's path to the loss and the gradients
    along the paths of the variables whose status is not ok, or whose path has an op of ``partial_ops`` (to check
    for partial saturation). ``error`` is set when the run cannot answer (the loss is not an output of a
    recorded op, the run built a graph (a tf.function), or it raised)."""
    import tensorflow as tf
    from tensorflow.python.eager import context
    from tensorflow.python.eager import record as record_lib
    from tensorflow.python.eager import tape as tape_lib
    from tensorflow.python.framework import op_callbacks

    result = EagerTrace()
    graph = result.graph = RecordedGraph()
    by_id: dict = {}          # id(eager tensor) -> RecordedTensor (the eager tensors stay alive in .value)
    counts: dict = {}
    locate = _Locator()
    ctx = context.context()
    built_graph = []

    def stand_in(t):
        """A Placeholder-like op for a tensor the run did not produce (a variable's handle, the batch, ...)."""
        op = RecordedOp("Placeholder", f"external_{len(graph.captures)}", {}, None, graph)
        rt = RecordedTensor(op, 0, t.dtype, t)
        op.outputs.append(rt)
        graph._add(op)
        graph.captures.append((t, rt))
        by_id[id(t)] = rt
        return rt

    def callback(op_type, inputs, attrs, outputs, op_name=None, graph_=None):
        if graph_ is not None:   # building a graph (a tf.function being traced): the eager record is partial
            built_graph.append(op_type)
            return None
        t = op_type.decode() if isinstance(op_type, bytes) else str(op_type)
        base = f"{ctx.scope_name or ''}{t}"
        n = counts.get(base, 0)
        counts[base] = n + 1
        op = RecordedOp(t, base if n == 0 else f"{base}_{n}", _attrs_dict(attrs), locate(), graph)
        for x in inputs or ():
            rt = by_id.get(id(x)) or stand_in(x)
            op.inputs.append(rt)
            rt._consumers.append(op)
        for k, out in enumerate(outputs or ()):
            rt = RecordedTensor(op, k, out.dtype, out)
            op.outputs.append(rt)
            by_id[id(out)] = rt
            if rt.dtype.is_floating or rt.dtype.is_complex:
                tape_lib.watch(tape._tape, out)   # (the tape below: open whenever the callback runs)
        graph._add(op)
        return None

    def recorded_without_an_op(op_type, output_tensors, input_tensors, backward_function, forward_function=None):
        """The tape records an op that no op callback sees (a tf.custom_gradient: its outputs then come from this
        op for the tape, not from the Identity ops that made them): the record gets it too, as graph mode makes
        an IdentityN with the gradient override."""
        real_record_operation(op_type, output_tensors, input_tensors, backward_function, forward_function)
        name = op_type.decode() if isinstance(op_type, bytes) else str(op_type)
        op = RecordedOp("IdentityN", f"{ctx.scope_name or ''}{name}_{len(graph._ops)}",
                        {"_gradient_op_type": name}, locate(), graph)
        for x in input_tensors:
            rt = by_id.get(id(x)) or stand_in(x)
            op.inputs.append(rt)
            rt._consumers.append(op)
        for k, out in enumerate(output_tensors):
            rt = RecordedTensor(op, k, out.dtype, out)
            op.outputs.append(rt)
            by_id[id(out)] = rt
        graph._add(op)

    real_record_operation = record_lib.record_operation
    try:
        with tf.GradientTape() as tape:
            op_callbacks.add_op_callback(callback)
            record_lib.record_operation = recorded_without_an_op
            try:
                y = loss_fn()
            finally:
                record_lib.record_operation = real_record_operation
                op_callbacks.remove_op_callback(callback)
    except Exception as exc:
        result.error = exc
        return result
    from .eager_run import split_step
    step = split_step(y, len(variables))
    if step is not None:
        y = step[0]
    if built_graph or not tf.is_tensor(y) or id(y) not in by_id or by_id[id(y)].op.type == "Placeholder":
        result.error = RuntimeError("the eager record cannot answer: "
                                    + ("the run built a graph" if built_graph else "the loss is not a recorded op"))
        return result
    result.output = by_id[id(y)]
    for v in variables:
        handle = getattr(v, "handle", None)
        if handle is not None and id(handle) in by_id:
            result.handles[id(v)] = by_id[id(handle)]
    # A read the callback did not see (TensorFlow reads some variables without a ReadVariableOp it reports):
    # the record would wrongly show no path, so it does not answer.
    read = {id(getattr(w, "handle", w)) for w in tape.watched_variables()}
    unseen = [v for v in variables if id(getattr(v, "handle", v)) in read and id(v) not in result.handles]
    if unseen:
        result.error = RuntimeError(f"the eager record missed the read of {len(unseen)} variable(s)")
        return result

    def gradients(y_rt, tensors):
        return tape.gradient(y_rt.value, [t.value for t in tensors],
                             unconnected_gradients=tf.UnconnectedGradients.NONE)

    try:
        path_analysis.find_paths(result, variables, statuses, gradients, partial_ops)
        failed = getattr(result, "gradient_build_error", None) or result.lookup_error
        if failed is not None:   # the graph trace turns that failure into evidence; the record cannot
            raise failed
    except Exception as exc:   # the record is an optimisation: any surprise sends the doctor to the graph trace
        result.error = exc
    return result
