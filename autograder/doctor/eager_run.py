"""The ground truth: run the loss under a GradientTape exactly as a training step would, and classify each
variable's gradient as ok, none, zero or nan."""
from __future__ import annotations

import contextlib
import traceback
from dataclasses import dataclass, field

import numpy as np


@dataclass
class EagerResult:
    loss: object = None                 # the loss tensor (or whatever loss_fn returned)
    grads: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    call_error: BaseException | None = None       # loss_fn raised
    gradient_error: BaseException | None = None   # tape.gradient raised (LookupError: no gradient)
    own_grads: list | None = None       # a training step returned (loss, gradients): its own tape's answer
    outer_statuses: list | None = None  # ... and what a tape around the whole step sees
    conversions: list = field(default_factory=list)  # (what, file:line): a taped tensor turned into Python/NumPy
    op_types: set = field(default_factory=set)   # op types the run executed (or built into a tf.function)
    learner_ops: set = field(default_factory=set)  # ... of those, the ones only interesting from the learner's code
    custom_gradient: bool = False                # a tf.custom_gradient function ran
    watched: set = field(default_factory=set)    # ids of the tensors the learner's own tapes were told to watch
    read_variables: list = field(default_factory=list)  # trainable variables the run read (the tape's own list)


# Op types whose presence makes a healthy-looking gradient worth a closer look in the traced graph: the
# learner's stop_gradient, assignments read back, Python functions, not-differentiable ops, clipping and
# saturating activations (partial saturation), and calls of compiled functions whose contents the eager run
# cannot see.
_WATCH_FROM_LEARNER = {"StopGradient"}


@contextlib.contextmanager
def recording_ops(res: "EagerResult"):
    """Record which op types the loss runs, cheaply, so that a healthy loss can skip the graph trace."""
    from tensorflow.python.framework import op_callbacks
    from tensorflow.python.ops import custom_gradient as cg
    from .source import called_from_learner

    assigned: set = set()

    def callback(op_type, inputs, attrs, outputs, op_name=None, graph=None):
        t = op_type.decode() if isinstance(op_type, bytes) else str(op_type)
        if t in _WATCH_FROM_LEARNER:
            if called_from_learner(traceback.extract_stack()[:-1]):
                res.learner_ops.add(t)
        elif t.startswith("Assign") and inputs:
            assigned.add(id(inputs[0]))
        elif t == "ReadVariableOp" and inputs and id(inputs[0]) in assigned:
            res.op_types.add("read-after-assign")   # a value stored with assign and read back (RNN state)
        else:
            res.op_types.add(t)
        return None

    saved = cg._eager_mode_decorator, cg._graph_mode_decorator

    def eager(f, args, kwargs):
        res.custom_gradient |= _learners(f)
        return saved[0](f, args, kwargs)

    def graph(f, args, kwargs):
        res.custom_gradient |= _learners(f)
        return saved[1](f, args, kwargs)

    import tensorflow as tf
    tape_watch = tf.GradientTape.watch

    def watch(self, tensor):
        if self is not getattr(res, "_watcher", None):
            res.watched.update(id(t) for t in tf.nest.flatten(tensor))
        return tape_watch(self, tensor)

    cg._eager_mode_decorator, cg._graph_mode_decorator = eager, graph
    tf.GradientTape.watch = watch
    op_callbacks.add_op_callback(callback)
    try:
        yield res
    finally:
        op_callbacks.remove_op_callback(callback)
        cg._eager_mode_decorator, cg._graph_mode_decorator = saved
        tf.GradientTape.watch = tape_watch


def _learners(f) -> bool:
    """Is this custom-gradient function the learner's (Keras' own, such as its memory-saving silu, are trusted, as
    the graph checks trust them)? When the code cannot be found, assume it is."""
    from .source import is_user_frame
    code = getattr(f, "__code__", None) or getattr(getattr(f, "__func__", None), "__code__", None)
    return code is None or is_user_frame(code.co_filename)


_CONVERSIONS = ("__float__", "__int__", "__index__", "numpy", "__array__", "tolist")


@contextlib.contextmanager
def recording_conversions(found: list):
    """Record where the learner's code turns a tensor that a tape is following (it depends on a watched variable)
    into a Python number or a NumPy array: float(t), int(t), t.numpy(), np.asarray(t). The tape cannot follow the
    result, so a tensor rebuilt from it is a constant."""
    from tensorflow.python.eager import record
    from tensorflow.python.framework import ops
    from .source import user_location
    cls = ops._EagerTensorBase
    saved = {name: cls.__dict__[name] for name in _CONVERSIONS if name in cls.__dict__}

    def wrap(name, original):
        def converted(self, *args, **kwargs):
            try:
                if len(found) < 20 and record.should_record_backprop([self]):
                    loc = user_location(traceback.extract_stack()[:-1])
                    if loc:
                        found.append((name.strip("_") + "()", loc))
            except Exception:
                pass
            return original(self, *args, **kwargs)
        return converted

    for name, original in saved.items():
        setattr(cls, name, wrap(name, original))
    try:
        yield found
    finally:
        for name, original in saved.items():
            setattr(cls, name, original)


def split_step(y, n: int):
    """``(loss, gradients)`` when ``loss_fn`` is a training step that returns its own gradients, else None."""
    import tensorflow as tf
    if (n == 1 and isinstance(y, (tuple, list)) and len(y) == 2 and tf.is_tensor(y[0])
            and (y[1] is None or tf.is_tensor(y[1]) or isinstance(y[1], tf.IndexedSlices))):
        return y[0], [y[1]]   # (loss, gradient) for a single source
    if (isinstance(y, (tuple, list)) and len(y) == 2 and isinstance(y[1], (tuple, list)) and len(y[1]) == n
            and n > 0 and all(g is None or tf.is_tensor(g) or isinstance(g, tf.IndexedSlices) for g in y[1])):
        return y[0], list(y[1])
    return None


def status_of(grad) -> str:
    if grad is None:
        return "none"
    import tensorflow as tf
    if isinstance(grad, tf.IndexedSlices):
        grad = tf.convert_to_tensor(grad)
    g = np.asarray(grad.numpy() if hasattr(grad, "numpy") else grad)
    if g.dtype.kind not in "fc":
        return "ok"
    if not np.all(np.isfinite(g)):
        return "nan"
    if g.size and not np.any(g):
        return "zero"
    return "ok"


def watchable(v) -> bool:
    import tensorflow as tf
    return isinstance(v, tf.Variable) or tf.is_tensor(v) or hasattr(v, "handle")


def run(loss_fn, variables, created_at: dict | None = None) -> EagerResult:
    """``created_at`` (if given) receives id(variable) -> the learner's line, for each variable the run creates."""
    import tensorflow as tf
    from .keras_model import recording_creations
    res = EagerResult()
    # Plain tensors are watched by a second, outer tape only: a training step that watched them too late
    # ("watched, but the value was computed after the block closed") is told apart from one that never did.
    tensors = [v for v in variables if tf.is_tensor(v) and not hasattr(v, "handle")]
    try:
        with (tf.GradientTape() if tensors else contextlib.nullcontext()) as watcher, \
                recording_conversions(res.conversions), recording_ops(res), recording_creations(created_at):
            if tensors:
                res._watcher = watcher
                watcher.watch(tensors)
            with tf.GradientTape() as tape:
                res.loss = loss_fn()
            res.read_variables = list(tape.watched_variables())
    except Exception as exc:  # the learner's code failing is a diagnosis, not a crash
        res.call_error = exc
        return res
    step = split_step(res.loss, len(variables))
    if step is not None:
        res.loss, res.own_grads = step
    if not tf.is_tensor(res.loss) or not (res.loss.dtype.is_floating or res.loss.dtype.is_complex):
        res.grads = [None] * len(variables)
        res.statuses = ["none"] * len(variables)
        return res
    sources = [v for v in variables if watchable(v)]
    try:
        grads = tape.gradient(res.loss, sources) if sources else []
    except Exception as exc:
        res.gradient_error = exc
        return res
    it = iter(grads)
    res.grads = [next(it) if watchable(v) else None for v in variables]
    res.statuses = [status_of(g) for g in res.grads]
    if res.own_grads is not None:
        if tensors:
            try:
                seen = watcher.gradient(res.loss, tensors)
                by_id = {id(t): g for t, g in zip(tensors, seen)}
                res.statuses = [status_of(by_id[id(v)]) if id(v) in by_id else s
                                for v, s in zip(variables, res.statuses)]
            except Exception:
                pass
        res.outer_statuses = res.statuses
        res.grads = res.own_grads
        res.statuses = [status_of(g) for g in res.own_grads]
    return res


def run_one(loss_fn, variable) -> tuple[str, BaseException | None]:
    """Status of one variable alone (used when tape.gradient raised for the whole list)."""
    import tensorflow as tf
    try:
        with tf.GradientTape() as tape:
            y = loss_fn()
        step = split_step(y, 1)
        if not tf.is_tensor(y) and step is None:
            return "none", None
        if step is not None:
            return status_of(step[1][0]), None
        return status_of(tape.gradient(y, variable)), None
    except Exception as exc:
        return "none", exc


def loss_value(loss) -> float | None:
    try:
        arr = np.asarray(loss.numpy() if hasattr(loss, "numpy") else loss, dtype=float)
        return float(arr.sum()) if arr.size != 1 else float(arr.reshape(()))
    except Exception:
        return None
