"""Why is this gradient zero, or inf/NaN? Evaluate the traced graph once and look at the values along the path."""
from __future__ import annotations

import numpy as np

from . import op_kinds, paths
from .none_causes import classify_cut
from .op_kinds import is_float
from .report import Finding
from .source import op_location


def _f(name, status, cause, op, detail) -> Finding:
    return Finding(name=name, status=status, cause=cause, op=op.name if op is not None else None,
                   op_type=op_kinds.describe(op) if op is not None else None,
                   location=op_location(op) if op is not None else None, detail=detail)


def _grad(trace, t):
    return trace.value("grad:" + t.name)


def _val(trace, t):
    return trace.value(t.name)


def _dead(g) -> bool:        # no gradient signal at all
    return g is None or not np.any(g)


def _finite(a) -> bool:
    return a is None or bool(np.all(np.isfinite(a)))


def _dying_op(trace, vpath, dead, alive):
    """Nearest the loss: an op whose on-path outputs carry a live gradient but whose on-path inputs do not."""
    found = None
    for op in paths.topological(vpath.ops, trace.graph):
        ins = [t for t in paths.on_path_inputs(op, vpath.ops, vpath.source) if is_float(t.dtype)]
        outs = [t for t in paths.on_path_outputs(op, vpath.ops, trace.output) if is_float(t.dtype)]
        if not ins or not outs:
            continue
        if all(dead(_grad(trace, t)) for t in ins) and any(alive(_grad(trace, t)) for t in outs):
            found = op
    return found


# --- zero ---------------------------------------------------------------------------------------------------

def _saturation_evidence(trace, op) -> str | None:
    out = _val(trace, op.outputs[0]) if op.outputs else None
    x = _val(trace, op.inputs[0]) if op.inputs else None
    if out is None:
        return None
    n = out.size
    t = op.type
    if t == "Sigmoid" or t == "Softmax":
        k = int(np.sum((out == 0) | (out == 1)))
        return f"{k} of {n} outputs of {t} are exactly 0 or 1 (inputs up to |x| = {np.max(np.abs(x)):.3g})" if k else None
    if t == "Tanh":
        k = int(np.sum(np.abs(out) == 1))
        return f"{k} of {n} outputs of Tanh are exactly ±1 (inputs up to |x| = {np.max(np.abs(x)):.3g})" if k else None
    if t in ("Relu", "Relu6", "Elu", "Selu", "LeakyRelu") and x is not None:
        k = int(np.sum(x <= 0))
        return f"{k} of {x.size} inputs of {t} are <= 0 (a dead ReLU)" if k else None
    if t in ("Minimum", "Maximum", "ClipByValue"):
        return f"the {t} picks its other (constant) operand for every element: the values are clipped"
    if t == "Abs":
        return None
    return None


def _underflow_evidence(trace, op) -> str | None:
    """Did this op produce an exact 0 that the mathematics says is not 0?"""
    if not op.outputs or not is_float(op.outputs[0].dtype):
        return None
    out = _val(trace, op.outputs[0])
    if out is None or not np.any(out == 0):
        return None
    ins = [_val(trace, t) for t in op.inputs if is_float(t.dtype)]
    if any(i is None for i in ins):
        return None
    t = op.type
    zeros = int(np.sum(out == 0))
    try:
        if t in ("Exp", "Softmax", "Sigmoid"):
            return f"{zeros} of {out.size} outputs of {t} underflowed to 0"
        if t == "Cast" and ins:
            b = np.broadcast_to(ins[0], out.shape)
            k = int(np.sum((out == 0) & (b != 0)))
            return f"{k} nonzero values became 0 when cast to {out.dtype}" if k else None
        if t in ("Mul", "Square", "Pow", "RealDiv", "Div") and ins:
            nonzero = np.ones(out.shape, bool)
            for i in ins[:1] if t in ("RealDiv", "Div", "Pow") else ins:
                nonzero &= np.broadcast_to(i != 0, out.shape)
            k = int(np.sum((out == 0) & nonzero))
            return f"{k} of {out.size} outputs of {t} underflowed to 0 (its inputs were nonzero)" if k else None
        if t == "Prod" and ins and np.all(ins[0] != 0):
            return f"the product underflowed to 0 although no factor is 0 (smallest |factor| {np.min(np.abs(ins[0])):.3g})"
    except ValueError:  # shapes that do not broadcast simply: no evidence
        return None
    return None


_HALF = {"float16": 6e-8, "bfloat16": 9.2e-41}   # about the smallest positive (subnormal) value


def _half_underflow(trace, op, vpath) -> str | None:
    """The backward pass reaches a float16/bfloat16 tensor with a gradient too small for that dtype: the
    gradient (not the forward value) underflows to 0, as in mixed precision without loss scaling."""
    ins = [t for t in paths.on_path_inputs(op, vpath.ops, vpath.source) if t.dtype.name in _HALF]
    outs = [t for t in paths.on_path_outputs(op, vpath.ops, trace.output) if is_float(t.dtype)]
    if not ins:
        return None
    upstream = [np.abs(_grad(trace, t)) for t in outs if _grad(trace, t) is not None]
    largest = max((float(np.max(g)) for g in upstream if g.size), default=0.0)
    tiny = _HALF[ins[0].dtype.name]
    if 0.0 < largest < 2 * tiny:
        return (f"the gradient reaching {op.type} is at most {largest:.2g}, below the smallest {ins[0].dtype.name} "
                f"value (about {tiny:.0e}): it becomes exactly 0 on its way into {ins[0].dtype.name} in the backward "
                "pass (mixed precision needs loss scaling: keras.mixed_precision.LossScaleOptimizer)")
    return None


def explain_zero(name, trace, vpath) -> Finding:
    op = _dying_op(trace, vpath, _dead, lambda g: g is not None and bool(np.any(g)))
    if op is None:
        return Finding(name=name, status="zero", cause="flat_region",
                       detail="the gradient is zero all along the path, right from the loss")
    ev = _half_underflow(trace, op, vpath)
    if ev:
        return _f(name, "zero", "underflow", op, ev)
    if op_kinds.custom_gradient_name(op):
        f = _f(name, "zero", "wrong_custom_gradient", op, "a custom gradient on the path returns zeros")
        f.op_type, f.location = "custom gradient", op_kinds.custom_gradient_source(op) or f.location
        return f
    if op.type in op_kinds.ZERO_BY_DEFINITION:
        return _f(name, "zero", "non_differentiable_op", op, f"the gradient of {op.type} is defined as 0 everywhere")
    if op.type in op_kinds.SATURATING:
        ev = _saturation_evidence(trace, op)
        if ev:
            return _f(name, "zero", "saturation", op, ev)
    ev = _underflow_evidence(trace, op)
    if ev:
        return _f(name, "zero", "underflow", op, ev)
    # The zero may come from another operand: find an op upstream whose output underflowed.
    order = paths.topological(paths.ancestors(op.outputs[0]) if op.outputs else set(), trace.graph)
    for up in order:
        ev = _underflow_evidence(trace, up)
        if ev:
            return _f(name, "zero", "underflow", up, ev + f"; that zero kills the gradient at {op.type}")
    if op.outputs and op.outputs[0].dtype.name in ("float16", "bfloat16"):
        return _f(name, "zero", "underflow", op, f"the gradient itself underflowed to 0 in {op.outputs[0].dtype.name} "
                  f"at {op.type} (use loss scaling or float32)")
    return _f(name, "zero", "flat_region", op, f"the gradient becomes exactly 0 at {op.type}")


# --- nan ----------------------------------------------------------------------------------------------------

def _no_nan(a) -> bool:
    return a is None or not bool(np.any(np.isnan(a)))


def first_nonfinite_forward(trace, ops=None):
    """The first op (in execution order) whose output is inf/NaN although its float inputs are finite. An inf
    written as a constant is deliberate (a -inf mask before a softmax) and so is what merely passes it on; an op
    that turns such infs into NaN (softmax of a row that is all -inf) is where the numbers stop meaning anything."""
    order = paths.topological(trace.ancestors if ops is None else ops, trace.graph)
    deliberate: set = set()
    source = None
    for op in order:
        outs = [t for t in op.outputs if is_float(t.dtype)]
        if not outs or all(_finite(_val(trace, t)) for t in outs):
            continue
        if op.type in ("Placeholder", "Const"):
            deliberate.update(t.name for t in outs)
            source = source or op
            continue
        bad_ins = [t for t in op.inputs if is_float(t.dtype) and not _finite(_val(trace, t))]
        if not bad_ins:
            return op
        if all(t.name in deliberate for t in bad_ins):
            if any(not _no_nan(_val(trace, t)) for t in outs):
                return op
            deliberate.update(t.name for t in outs)
    return source


def _nan_evidence(trace, op) -> str:
    out = _val(trace, op.outputs[0])
    ins = [_val(trace, t) for t in op.inputs if is_float(t.dtype)]
    extra = ""
    if op.type in ("Softmax", "LogSoftmax") and ins and ins[0] is not None and ins[0].ndim:
        rows = np.all(np.isneginf(ins[0]), axis=-1)
        if np.any(rows):
            extra = f": {int(np.sum(rows))} row(s) of its input are all -inf (a fully masked row), and exp(-inf) " \
                    "sums to 0, so the row divides 0 by 0"
    what = "NaN" if np.any(np.isnan(out)) else "inf"
    return f"{int(np.sum(~np.isfinite(out)))} of {out.size} outputs of {op.type} are {what}{extra}"


_SINGULAR_AT_ZERO = {"Log", "RealDiv", "Div", "Reciprocal", "Inv", "Rsqrt", "Pow", "Xlogy", "Log1p", "Xdivy"}


def _underflow_behind(trace, op):
    """(op, evidence) when ``op`` blows up on an exact 0 that an upstream op produced by underflowing."""
    if op.type not in _SINGULAR_AT_ZERO:
        return None
    for t in op.inputs:
        v = _val(trace, t)
        if v is None or not np.any(v == 0):
            continue
        for up in paths.topological(paths.ancestors(t), trace.graph):
            ev = _underflow_evidence(trace, up)
            if ev:
                return up, ev
    return None


# --- partly zero: saturated elements the loss still pushes on --------------------------------------------------

PARTIAL_CANDIDATES = {"Sigmoid", "Tanh", "Minimum", "Maximum", "ClipByValue"}


def _blocked(trace, op, vpath):
    """(elements blocked, of total, largest blocked |upstream gradient|, largest passed one) for one op; the same
    for every variable whose path enters the op by the same inputs, so computed once for them all."""
    ins = tuple(t for t in op.inputs if t.op in vpath.ops or t is vpath.source)
    cache = trace.__dict__.setdefault("_blocked_cache", {})
    key = (op, tuple(t.name for t in ins) if op.type not in ("Sigmoid", "Tanh") else ())  # (tensors: unhashable)
    if key not in cache:
        cache[key] = _blocked_by(trace, op, ins)
    return cache[key]


def _blocked_by(trace, op, ins):
    out_t = op.outputs[0]
    out, g = _val(trace, out_t), _grad(trace, out_t)
    if out is None or g is None or not is_float(out_t.dtype):
        return None
    g = np.abs(np.broadcast_to(g, out.shape))
    if op.type == "Sigmoid":
        mask = (out == 0) | (out == 1)
    elif op.type == "Tanh":
        mask = np.abs(out) == 1
    else:
        if len(ins) != 1 or _val(trace, ins[0]) is None:
            return None
        try:
            mask = np.broadcast_to(_val(trace, ins[0]), out.shape) != out
        except ValueError:
            return None
    if not np.any(mask):
        return None
    blocked = float(np.max(g[mask]))
    passed = float(np.max(g[~mask])) if np.any(~mask) else 0.0
    return int(np.sum(mask)), out.size, blocked, passed


def _partial_candidates(trace, vpath) -> list:
    """The saturating ops on the variable's path, in creation order (the ordered list of all of them on the way
    to the loss is made once per trace, not sorted again for each variable)."""
    if getattr(trace, "ancestors", None) is None:
        return [op for op in paths.topological(vpath.ops, trace.graph) if op.type in PARTIAL_CANDIDATES]
    ordered = getattr(trace, "_partial_ordered", None)
    if ordered is None:
        ordered = trace._partial_ordered = [op for op in paths.topological(trace.ancestors, trace.graph)
                                            if op.type in PARTIAL_CANDIDATES]
    return [op for op in ordered if op in vpath.ops]


def explain_partial(name, trace, vpath) -> Finding | None:
    """Saturated or clipped elements where the loss pushes at least as hard as anywhere else: their share of
    the gradient is exactly 0, so the worst examples stop teaching the model."""
    for op in _partial_candidates(trace, vpath):
        b = _blocked(trace, op, vpath)
        if b is None:
            continue
        k, n, blocked, passed = b
        if blocked > 0 and blocked >= passed:
            what = "saturated" if op.type in ("Sigmoid", "Tanh") else "clipped"
            return _f(name, "partial", "saturation", op,
                      f"{k} of {n} elements are {what} at {op.type}: their gradient is exactly 0 although the loss "
                      f"pushes on them hardest (upstream |gradient| {blocked:.3g} there vs at most {passed:.3g} "
                      "elsewhere)")
    return None


def _count_bad(a) -> str:
    return f"{int(np.sum(~np.isfinite(a)))} of {a.size}"


def explain_nan(name, trace, vpath, loss_finite: bool) -> Finding:
    first = first_nonfinite_forward(trace)
    if not loss_finite:
        root = _underflow_behind(trace, first) if first is not None else None
        if root is not None:
            up, ev = root
            f = _f(name, "nan", "underflow", up, f"{ev}; then {first.type} of that 0 gives inf/NaN "
                   f"(at {op_location(first) or first.name}), and the loss inherits it")
            f.also = ("nan_forward",)
            return f
        if first is not None:
            out = _val(trace, first.outputs[0])
            if first.type in ("Placeholder", "Const"):
                return _f(name, "nan", "nan_forward", first, f"{_count_bad(out)} values of an input (data or a "
                          "constant) are inf/NaN, and the loss inherits them")
            return _f(name, "nan", "nan_forward", first, _nan_evidence(trace, first) + ", and the loss inherits "
                      "them")
        return Finding(name=name, status="nan", cause="nan_forward", detail="the loss is inf/NaN")
    hidden = first_nonfinite_forward(trace)
    if hidden is not None and hidden.type not in ("Placeholder", "Const") and not all(
            _no_nan(_val(trace, t)) for t in hidden.outputs if is_float(t.dtype)):
        # A NaN in the forward pass that the loss hides (tf.where, masking): the backward pass multiplies by it.
        return _f(name, "nan", "nan_forward", hidden, _nan_evidence(trace, hidden) + "; the loss hides it (a "
                  "tf.where or a mask after it), the gradient does not: 0 * NaN is NaN")
    op = _dying_op(trace, vpath, lambda g: g is not None and not _finite(g), lambda g: g is not None and _finite(g))
    if op is not None:
        if op_kinds.custom_gradient_name(op):
            f = _f(name, "nan", "wrong_custom_gradient", op, "a custom gradient on the path returns inf/NaN")
            f.op_type, f.location = "custom gradient", op_kinds.custom_gradient_source(op) or f.location
            return f
        fwd = [_val(trace, t) for t in op.outputs if is_float(t.dtype)]
        ins = [_val(trace, t) for t in op.inputs if is_float(t.dtype)]
        hidden = " (its forward output is inf/NaN too, but a later op hides that from the loss)" if not all(
            _finite(o) for o in fwd) else ""
        zero = " at an input of exactly 0" if any(i is not None and np.any(i == 0) for i in ins) else ""
        return _f(name, "nan", "nan_backward", op, f"the derivative of {op.type} is infinite{zero}: the "
                  f"backward pass turns finite into inf/NaN here{hidden}")
    if first is not None:
        return _f(name, "nan", "nan_backward", first, f"{first.type} produces inf/NaN in the forward pass; the loss "
                  "hides it, the gradient does not")
    return Finding(name=name, status="nan", cause="nan_backward", detail="the gradient is inf/NaN")


__all__ = ["explain_zero", "explain_nan", "classify_cut"]
