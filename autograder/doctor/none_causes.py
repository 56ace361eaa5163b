"""Why is this gradient None? Find the op where the path from the variable to the loss is cut."""
from __future__ import annotations

import re

from . import op_kinds, paths
from .op_kinds import is_float
from .report import Finding
from .source import op_location


def _finding(name, cause, op=None, detail="", status="none") -> Finding:
    return Finding(name=name, status=status, cause=cause, op=op.name if op is not None else None,
                   op_type=op_kinds.describe(op) if op is not None else None,
                   location=op_location(op) if op is not None else None, detail=detail)


def classify_cut(name: str, op, status: str = "none") -> Finding:
    t = op.type
    if op_kinds.custom_gradient_name(op):
        f = _finding(name, "wrong_custom_gradient", op, "a custom gradient on the path returns None for "
                     "this input", status)
        f.op_type, f.location = "custom gradient", op_kinds.custom_gradient_source(op) or f.location
        return f
    if t in op_kinds.STOP_GRADIENT:
        return _finding(name, "stop_gradient", op, "tf.stop_gradient blocks the only path(s) to the loss", status)
    if t in op_kinds.PY_FUNCS:
        f = _finding(name, "left_tensorflow", op, f"the path goes through a Python/NumPy function ({t}), "
                     "which the tape cannot differentiate", status)
        if op_kinds.gradient_kind(t) == "not_differentiable":
            f.also = ("non_differentiable_op",)
            f.detail += f"; {t} is registered as not differentiable"
        return f
    if op_kinds.is_assign(t):
        return _finding(name, "stateful_op", op, "the value reaches the loss only through an assignment", status)
    kind = op_kinds.gradient_kind(t)
    if kind == "missing":
        return _finding(name, "no_gradient_registered", op, f"no gradient is registered for op type {t}", status)
    if kind == "not_differentiable":
        why = f"{t} is registered as not differentiable"
    elif t == "Cast":
        why = f"{op_kinds.describe(op)}: gradients only flow between floating-point dtypes"
    elif not any(is_float(o.dtype) for o in op.outputs):
        why = f"{t} outputs {', '.join(o.dtype.name for o in op.outputs)}, which carries no gradient"
    else:
        why = f"the gradient of {t} is None for the input that comes from this variable"
    return _finding(name, "non_differentiable_op", op, why, status)


def dataset_cut(name, trace, vpath, status="none"):
    """The tf.data op nearest the variable on its path to the loss, as a finding (or None)."""
    if not hasattr(trace, "_dataset_ops"):
        trace._dataset_ops = [op for op in trace.graph.get_operations() if op_kinds.is_dataset_op(op.type)]
    for op in [op for op in trace._dataset_ops if op in vpath.descendants]:
        if op_kinds.is_dataset_op(op.type) and (op in vpath.ops or trace.output.op not in vpath.descendants):
            return _finding(name, "data_pipeline", op, f"the variable is captured by a tf.data function ({op.type}): "
                            "dataset ops are not differentiable, so the values the pipeline returns carry no "
                            "gradient", status)
    return None


def _cut_candidates(trace) -> list:
    """Ops (in creation order) with a float input whose gradient is None and no float output known to have a
    None gradient: the only ops ``find_cut`` can pick, found once for all variables."""
    cached = getattr(trace, "_cut_candidates", None)
    if cached is None:
        grads = trace.grads
        cached = []
        for op in paths.topological(trace.ancestors, trace.graph):
            if not any(is_float(t.dtype) and t.name in grads and grads[t.name] is None for t in op.inputs):
                continue
            if any(is_float(o.dtype) and o.name in grads and grads[o.name] is None for o in op.outputs):
                continue
            cached.append(op)
        trace._cut_candidates = cached
    return cached


def find_cut(trace, vpath):
    """The op nearest the loss whose on-path float input has no gradient while what it feeds does."""
    ordered = [op for op in _cut_candidates(trace) if op in vpath.ops] if getattr(trace, "ancestors", None) else []
    if not ordered:
        ordered = paths.topological(vpath.ops, trace.graph)
    cuts = []
    for op in ordered:
        ins = [t for t in paths.on_path_inputs(op, vpath.ops, vpath.source) if is_float(t.dtype)]
        if not ins or any(trace.grads.get(t.name) is not None for t in ins):
            continue
        outs = paths.on_path_outputs(op, vpath.ops, trace.output)
        if all((not is_float(o.dtype)) or trace.grads.get(o.name) is not None for o in outs):
            cuts.append(op)
    return cuts[-1] if cuts else None


def missing_gradient_op(trace, vpath, op_type: str | None = None):
    for op in paths.topological(vpath.ops, trace.graph):
        if (op_type is None or op.type == op_type) and op_kinds.gradient_kind(op.type) == "missing":
            if any(is_float(t.dtype) for t in paths.on_path_inputs(op, vpath.ops, vpath.source)):
                return op
    return None


def lookup_op_type(exc: BaseException) -> str | None:
    m = re.search(r"no entry for: (\w+)", str(exc)) or re.search(r"op type: (\w+)", str(exc))
    return m.group(1) if m else None


def explain_none(name: str, trace, vpath) -> Finding:
    """A variable the trace saw, whose gradient is None."""
    data = dataset_cut(name, trace, vpath)
    if data is not None:
        return data
    if trace.output.op not in vpath.descendants:
        # No data path at all: an assignment or a NumPy detour may have swallowed it, else it is outside.
        for op in paths.topological(vpath.descendants, trace.graph):
            if op_kinds.is_assign(op.type) and op.inputs[0] is not vpath.source:
                return _finding(name, "stateful_op", op, "the variable's value is written into another "
                                "variable (assign), and the loss reads that variable: assignments have no gradient")
        for op in vpath.descendants:
            if op.type in op_kinds.PY_FUNCS:
                return _finding(name, "left_tensorflow", op, "the value goes into a Python/NumPy function")
        return Finding(name=name, status="none", cause="outside_tape",
                       detail="the loss has no data dependency on this variable inside the loss computation: "
                              "it was used before the tape (or not at all)")
    if trace.lookup_error is not None:
        op = missing_gradient_op(trace, vpath, lookup_op_type(trace.lookup_error)) or missing_gradient_op(trace, vpath)
        if op is not None:
            return classify_cut(name, op)
    reads = [t for op in vpath.source.consumers() if op in vpath.ops for t in op.outputs if is_float(t.dtype)]
    if any(trace.grads.get(t.name) is not None for t in reads):
        # The graph differentiates fine, the eager run did not: the cut sits in the branch of an `if`/`while`
        # on tensor values that ran (the graph keeps both branches).
        found = _cut_in_control_flow(trace, vpath)
        if found is not None:
            f = classify_cut(name, found)
            f.detail += "; it sits in a branch of a tensor-dependent if/while: the branch taken at run time cuts it"
            return f
        return Finding(name=name, status="none", cause="unknown", detail=(
            "the traced graph has a gradient here but the eager run has not: it depends on which branch of an "
            "if/while ran"))
    op = find_cut(trace, vpath)
    if op is not None:
        return classify_cut(name, op)
    return Finding(name=name, status="none", cause="unknown",
                   detail="the loss depends on this variable in the traced graph, yet no op on the path cuts it")


_CONTROL_FLOW = {"If", "StatelessIf", "While", "StatelessWhile", "Case", "StatelessCase"}


def _suspicious(op) -> bool:
    t = op.type
    if t in op_kinds.STOP_GRADIENT or t in op_kinds.PY_FUNCS or op_kinds.custom_gradient_name(op):
        return True
    if not any(is_float(i.dtype) for i in op.inputs) or t in ("Identity", "Placeholder"):
        return False
    if t == "Cast":
        return not any(is_float(o.dtype) for o in op.outputs)
    return op_kinds.gradient_kind(t) != "registered" or t in ("Round", "Floor", "Ceil", "Rint", "ArgMax", "ArgMin")


def _branch_graphs(op):
    for attr in ("then_branch", "else_branch", "body", "cond", "branches"):
        try:
            value = op.get_attr(attr)
        except Exception:
            continue
        for fn in value if isinstance(value, list) else [value]:
            try:
                yield op.graph._get_function(fn.name).graph
            except Exception:
                continue


def _cut_in_control_flow(trace, vpath):
    stack = [op for op in paths.topological(vpath.ops, trace.graph) if op.type in _CONTROL_FLOW]
    seen = set()
    while stack:
        cf = stack.pop(0)
        for g in _branch_graphs(cf):
            if id(g) in seen:
                continue
            seen.add(id(g))
            for op in g.get_operations():
                if _suspicious(op):
                    return op
                if op.type in _CONTROL_FLOW:
                    stack.append(op)
    return None
