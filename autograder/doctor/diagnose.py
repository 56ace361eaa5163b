"""``diagnose(loss_fn, variables)``: why is each variable's gradient None, zero, NaN or wrong?

Steps: (1) run the loss under a GradientTape, exactly as a training step would: that decides each variable's
status (for a healthy Keras model that is all); (2) trace the loss into a graph and walk the ops between each
variable and the loss to name the cause of every problem (for a Keras model whose problems are None gradients,
walk a recorded eager run instead, ``eager_graph``, and trace only if it cannot answer); (3) only when needed,
evaluate the traced graph once (zero/NaN) or compare against finite differences (custom gradients). Never
raises on the learner's code: errors become findings.
"""
from __future__ import annotations

from . import eager_graph, eager_run, graph_trace, keras_model, op_kinds, paths
from .none_causes import explain_none, lookup_op_type, missing_gradient_op, classify_cut
from .path_analysis import analyse
from .report import Finding, Report
from .source import exception_location, first_line
from .value_causes import PARTIAL_CANDIDATES, explain_nan, explain_partial, explain_zero


def _name(v, i: int) -> str:
    for attr in ("path", "name"):
        n = getattr(v, attr, None)
        if isinstance(n, str) and n:
            return n[:-2] if n.endswith(":0") else n
    return f"input {i}"


def _is_trainable_variable(v) -> bool:
    import tensorflow as tf
    return (isinstance(v, tf.Variable) or hasattr(v, "handle")) and getattr(v, "trainable", True)


def _not_watched(name: str, v) -> Finding | None:
    import tensorflow as tf
    dtype = getattr(v, "dtype", None)
    integer = dtype is not None and (tf.as_dtype(dtype).is_integer or tf.as_dtype(dtype).is_bool)
    if integer and (hasattr(v, "handle") or tf.is_tensor(v)):
        what = "variable" if hasattr(v, "handle") else "tensor"
        return Finding(name, "none", "integer_input", detail=f"it is an {tf.as_dtype(dtype).name} {what}: tapes "
                       "only follow floating-point values, so integers (token ids, indices) never get a gradient")
    if hasattr(v, "handle") and getattr(v, "trainable", True):
        return None
    if hasattr(v, "handle"):
        what = "a variable created with trainable=False"
    elif tf.is_tensor(v):
        what = "a constant tensor (not a tf.Variable), and nothing called tape.watch on it"
    else:
        what = f"a {type(v).__name__}, not a TensorFlow variable"
    return Finding(name, "none", "not_watched", detail=f"it is {what}")


def _error_report(names, exc, cause=None) -> list[Finding]:
    msg = first_line(exc)
    if cause is None:
        cause = "left_tensorflow" if _left_tf_error(exc) else "loss_error"
    loc = exception_location(exc)
    return [Finding(n, "none", cause, location=loc, detail=msg) for n in names]


def _left_tf_error(exc) -> bool:
    """The error a graph trace raises when code needs a tensor's concrete value (.numpy(), np.* on a tensor)."""
    text = str(exc)
    return isinstance(exc, (NotImplementedError, TypeError, AttributeError)) and (
        "numpy() is only available" in text or "Cannot convert a symbolic" in text
        or ("numpy" in text and "SymbolicTensor" in text))


def _diagnose(loss_fn, variables, check_custom_gradients=True, n_locate: int = 0,
              may_skip_trace: bool = False, eager=None) -> Report:
    """``n_locate``: for the last n variables (the untracked ones), also find where the loss first reads them.
    ``eager``: the eager run of exactly these variables, when the caller has already made it."""
    import tensorflow as tf
    variables = list(variables)
    names = [_name(v, i) for i, v in enumerate(variables)]
    report = Report()
    eager = eager or eager_run.run(loss_fn, variables)
    if eager.call_error is not None:
        report.findings = _error_report(names, eager.call_error)
        report.notes.append("calling the loss raised, so no gradient exists; the message and line are above")
        return report
    report.loss = eager_run.loss_value(eager.loss)
    statuses = list(eager.statuses)
    if eager.gradient_error is not None:
        statuses = [eager_run.run_one(loss_fn, v)[0] if eager_run.watchable(v) else "none" for v in variables]
    if not tf.is_tensor(eager.loss):
        findings = [_not_watched(n, v) or Finding(n, "none", "left_tensorflow",
                    detail=f"the loss is a {type(eager.loss).__module__}.{type(eager.loss).__name__}, not a tensor")
                    for n, v in zip(names, variables)]
        tr = graph_trace.trace(loss_fn, [])
        if tr.error is not None and _left_tf_error(tr.error):
            loc = exception_location(tr.error)
            for f in findings:
                if f.cause == "left_tensorflow":
                    f.location, f.detail = loc, f.detail + f"; inside a graph this line fails: {first_line(tr.error)}"
        report.findings = findings
        return report

    findings: list[Finding | None] = [None] * len(variables)
    for i, (n, v, s) in enumerate(zip(names, variables, statuses)):
        if s == "none":
            findings[i] = _not_watched(n, v)
        late = (findings[i] is not None and findings[i].cause == "not_watched" and tf.is_tensor(v)
                and id(v) in eager.watched and eager.outer_statuses and eager.outer_statuses[i] != "none")
        if late:  # a step that called tape.watch, then computed the loss after its `with` block closed
            findings[i] = Finding(n, "none", "outside_tape", detail=(
                "your step's tape returned None, yet a tape watching this tensor around the whole call sees the "
                "loss depend on it: the loss was computed after your `with tf.GradientTape()` block closed "
                "(tape.watch only helps for what runs inside the block)"))
        elif s == "none" and findings[i] is None and eager.outer_statuses and eager.outer_statuses[i] != "none":
            findings[i] = Finding(n, "none", "outside_tape", detail=(
                "your function's own tape returned None, yet a tape around the whole call sees the loss depend on "
                "this variable: that dependency was computed outside your `with tf.GradientTape()` block (before "
                "it opened, or after it closed)"))
    error = eager.gradient_error
    if error is not None and not isinstance(error, LookupError):
        # tape.gradient itself raised (a custom gradient returning the wrong number of gradients, ...): that
        # error is the cause; the trace below only adds where (the custom gradient on the path).
        for i, n in enumerate(names):
            if statuses[i] != "ok" and findings[i] is None:
                findings[i] = _error_report([n], error)[0]
    need = [s != "ok" and findings[i] is None for i, s in enumerate(statuses)]
    want_values = any(s in ("zero", "nan") for s in statuses)

    if may_skip_trace and all(s == "ok" for s in statuses) and not _worth_tracing(eager):
        # A Keras model whose gradients are all ok, and whose run used nothing that can make an ok-looking
        # gradient wrong or partly zero: no trace (the cost that matters on a big, healthy model). Plain loss
        # functions are always traced: NumPy on a tensor (np.mean(t)) leaves no trace in the eager run.
        report.findings = [f or Finding(n, "ok") for n, f in zip(names, findings)]
        return report
    tr = None
    if may_skip_trace and _eager_record_can_answer(eager, statuses):
        # A Keras model with None gradients (or saturating ops to check) and nothing else the graph-only checks
        # look at: one more eager run, recorded, answers (a trace of a big model costs several steps). Anything it
        # cannot name sends the doctor to the graph trace as before.
        rec = eager_graph.record(loss_fn, variables, [s if need[i] else "ok" for i, s in enumerate(statuses)],
                                 PARTIAL_CANDIDATES)
        if rec.error is not None:
            rec.release()
        else:
            trial, scratch = list(findings), Report()
            _explain(rec, loss_fn, variables, names, statuses, eager, need, want_values, check_custom_gradients,
                     trial, scratch)
            if all(trial[i] is not None and trial[i].cause != "unknown" for i in range(len(need)) if need[i]):
                tr, findings[:] = rec, trial
                report.notes.extend(scratch.notes)
            else:
                rec.release()
    if tr is None:
        tr = graph_trace.trace(loss_fn, variables,
                               lambda t: analyse(t, variables, [s if need[i] else "ok" for i, s in enumerate(statuses)],
                                                 want_values, PARTIAL_CANDIDATES))
    if tr.error is not None:
        if _left_tf_error(tr.error):
            _check_numpy_detour(loss_fn, variables, names, statuses, eager.grads, tr.error, findings, report)
        for i, n in enumerate(names):
            if need[i]:
                if _left_tf_error(tr.error):
                    findings[i] = Finding(n, statuses[i], "left_tensorflow", location=exception_location(tr.error),
                                          detail=f"this line needs a concrete value ({first_line(tr.error)}): "
                                                 "the tape cannot see through NumPy or .numpy()")
                else:
                    findings[i] = Finding(n, statuses[i], "unknown", location=exception_location(tr.error),
                                          detail=f"could not trace the loss into a graph: {first_line(tr.error)}")
        report.notes.append("the loss could not be traced into a graph, so causes are limited to what the eager "
                            "run shows")
    elif not isinstance(tr, eager_graph.EagerTrace):   # the record's explanation is already in the findings
        _explain(tr, loss_fn, variables, names, statuses, eager, need, want_values, check_custom_gradients,
                 findings, report)
    if error is not None and not isinstance(error, LookupError) and tr.graph is not None:
        _locate_error(findings, variables, tr)
    _python_detours(findings, eager.conversions)
    if tr.graph is not None:
        _locate_inputs(findings, variables, tr, loss_fn)
    report.findings = [f or Finding(n, "ok") for n, f in zip(names, findings)]
    if eager_run.status_of(eager.loss) == "nan":
        report.notes.append("the loss itself is inf/NaN")
    for f in report.findings:
        if f.status == "ok" and f.cause:
            f.status = "wrong" if f.cause == "wrong_custom_gradient" else f.status
    if tr.graph is not None and not report.ok:
        from .picture import chains
        try:
            report.paths = chains(report.findings, tr, variables)
        except Exception as exc:  # the picture is a bonus: never lose the diagnosis over it
            report.notes.append(f"no path drawing: {first_line(exc)}")
    if tr is not None and n_locate:
        report._first_use = [_first_use(tr, v) if tr.graph is not None else None for v in variables[-n_locate:]]
    if isinstance(tr, eager_graph.EagerTrace):
        tr.release()
    return report


def _explain(tr, loss_fn, variables, names, statuses, eager, need, want_values, check_custom_gradients,
             findings, report):
    """Name the cause of each problem (``need``) from a trace or an eager record, and run the checks of the ok
    gradients that only a graph can suggest (custom gradients, state, dropped second-order paths)."""
    if want_values or getattr(tr, "partial_check", None):
        try:
            tr.evaluate()
        except Exception as exc:
            report.notes.append(f"evaluating the traced graph failed: {first_line(exc)}")
    loss_finite = eager_run.status_of(eager.loss) != "nan"
    var_paths = getattr(tr, "var_paths", {})
    for i, (n, v, s) in enumerate(zip(names, variables, statuses)):
        if not need[i]:
            continue
        vp = var_paths.get(id(v))
        if vp is None:
            findings[i] = Finding(n, s, "outside_tape", detail="the traced loss never reads this variable: it "
                                  "was used before the tape started, or not at all")
            continue
        if s == "none" and eager.gradient_error is not None and isinstance(eager.gradient_error, LookupError):
            op = missing_gradient_op(tr, vp, lookup_op_type(eager.gradient_error))
            if op is not None:
                findings[i] = classify_cut(n, op)
                continue
        if s == "none":
            findings[i] = explain_none(n, tr, vp)
        elif s == "zero":
            findings[i] = explain_zero(n, tr, vp)
        elif s == "nan":
            findings[i] = explain_nan(n, tr, vp, loss_finite)
    if tr.values is not None:
        for i, (n, v) in enumerate(zip(names, variables)):
            if findings[i] is None and statuses[i] == "ok" and id(v) in tr.partial_check:
                findings[i] = explain_partial(n, tr, var_paths[id(v)])
    if check_custom_gradients and tr.graph is not None:
        _check_custom(loss_fn, variables, names, statuses, eager.grads, tr, findings, report)
        _check_state(loss_fn, variables, names, statuses, eager.grads, tr, findings)
        _check_dropped_paths(loss_fn, variables, names, statuses, eager.grads, tr, findings)


def _eager_record_can_answer(eager, statuses) -> bool:
    """Only None gradients to explain (no zero or NaN: their values come from the graph's evaluation), no error,
    and none of the ops the graph-only checks look at except the saturating ones (the record has their values)."""
    return (eager.gradient_error is None and all(s in ("ok", "none") for s in statuses)
            and not _worth_tracing(eager, partial=False))


def _worth_tracing(eager, partial: bool = True) -> bool:
    """Could an ok gradient still be wrong or (with ``partial``) partly zero? Only near the ops the later checks
    look at."""
    types = eager.op_types
    suspicious = (op_kinds.PY_FUNCS | (set(PARTIAL_CANDIDATES) if partial else set())) & types
    calls = any("PartitionedCall" in t or t.startswith("__inference") for t in types)
    assigns_read = "read-after-assign" in types
    not_diff = any(op_kinds.gradient_kind(t) == "not_differentiable" and t not in _HARMLESS for t in types)
    return bool(eager.learner_ops or eager.custom_gradient or suspicious or calls or assigns_read or not_diff
                or eager.conversions)


# Not differentiable, and never on a float path that matters (shapes, constants, random numbers, comparisons).
_HARMLESS = {"Shape", "ShapeN", "Size", "Rank", "ZerosLike", "OnesLike", "Fill", "RandomUniform",
             "RandomStandardNormal", "StatelessRandomUniformV2", "StatelessRandomNormalV2",
             "StatelessRandomGetKeyCounter", "BroadcastGradientArgs", "Greater", "GreaterEqual", "Less",
             "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr", "LogicalNot", "ArgMax", "ArgMin",
             "Range", "VarIsInitializedOp", "VarHandleOp", "Const", "Floor", "Round", "Ceil", "Sign", "IsFinite",
             "IsNan", "IsInf", "StatelessRandomUniformFullIntV2", "RandomUniformInt", "OneHot"}


def _first_use(tr, v) -> str | None:
    """The learner's line where the traced loss first reads ``v`` (on its way to the loss, if it gets there)."""
    from .source import op_location
    vp = getattr(tr, "var_paths", {}).get(id(v))
    if vp is None:
        return None
    for op in paths.topological(vp.ops or vp.descendants, tr.graph):
        loc = op_location(op)
        if loc:
            return loc
    return None


def _locate_error(findings, variables, tr):
    """tape.gradient raised: if a custom gradient lies on the variable's path, point at its gradient function."""
    var_paths = getattr(tr, "var_paths", {})
    for f, v in zip(findings, variables):
        vp = var_paths.get(id(v))
        if f is None or f.cause != "loss_error" or vp is None:
            continue
        for op in paths.topological(vp.ops, tr.graph):
            if op_kinds.custom_gradient_name(op):
                f.location = op_kinds.custom_gradient_source(op) or f.location
                f.op, f.op_type, f.also = op.name, "custom gradient", ("wrong_custom_gradient",)
                f.detail += "; it comes from the custom gradient on this variable's path"
                break


def _python_detours(findings, conversions):
    """A cause the trace could not name, while the eager run saw the learner turn a tensor that depends on a
    variable into a Python number or NumPy array (float(t) per element, then a new tensor from the numbers)."""
    if not conversions:
        return
    what, loc = conversions[0]
    for i, f in enumerate(findings):
        if f is not None and (f.cause == "unknown" or (f.cause == "left_tensorflow" and not f.location)):
            findings[i] = Finding(f.name, f.status, "left_tensorflow", location=loc, detail=(
                f"this line calls {what} on a tensor that depends on the variables: the result is a Python/NumPy "
                "value the tape cannot follow, and any tensor built from it again is a constant"))


def _locate_inputs(findings, variables, tr, loss_fn):
    """A line for the causes that have no op to blame: where the loss reads the unwatched input, or where the
    value it used instead was computed."""
    for f, v in zip(findings, variables):
        if f is None or f.location or f.cause not in ("not_watched", "integer_input", "outside_tape"):
            continue
        if f.cause == "outside_tape" and f.detail.startswith("your function's own tape"):
            continue   # a step's tape opened late or closed early: the first use of the variable may be inside it
        f.location = _first_use(tr, v)
        if f.location is None and f.cause == "outside_tape":
            found = _captured_value(loss_fn, tr)
            if found:
                name, loc = found
                f.location = loc
                f.detail += (f"; the loss reads `{name}`, a tensor computed before the loss function ran"
                             + (f" (assigned at {loc})" if loc else ""))


def _captured_value(loss_fn, tr):
    """(name, file:line of its assignment) of a tensor the loss function reads from outside (a global or a
    closure variable) and that feeds the traced loss: the value computed before the tape could record it."""
    import tensorflow as tf
    from .source import assignment_line
    fn = getattr(loss_fn, "python_function", loss_fn)
    code = getattr(fn, "__code__", None)
    if code is None or tr.graph is None:
        return None
    outside = {}
    for k, name in enumerate(code.co_freevars):
        try:
            outside[name] = fn.__closure__[k].cell_contents
        except (ValueError, IndexError, TypeError):
            pass
    for name in code.co_names:
        if name in getattr(fn, "__globals__", {}):
            outside[name] = fn.__globals__[name]
    captured = {id(ext): internal for ext, internal in tr.graph.captures}
    ancestors = getattr(tr, "ancestors", set())
    for name, value in outside.items():
        if (tf.is_tensor(value) and not hasattr(value, "handle") and value.dtype.is_floating
                and id(value) in captured and captured[id(value)].op in ancestors):
            return name, assignment_line(code.co_filename, name)
    return None


def _check_numpy_detour(loss_fn, variables, names, statuses, grads, error, findings, report):
    """The loss runs eagerly but not in a graph because it converts a tensor to NumPy. If that value depends
    on a variable, the gradient exists but is wrong (the NumPy part counts as a constant): finite differences
    tell."""
    from .finite_differences import directional_check
    loc = exception_location(error)
    flagged = False
    for i, v in enumerate(variables):
        if statuses[i] != "ok" or findings[i] is not None or grads[i] is None or not hasattr(v, "assign"):
            continue
        agrees, evidence = directional_check(loss_fn, v, grads[i])
        if not agrees:
            flagged = True
            findings[i] = Finding(names[i], "wrong", "left_tensorflow", location=loc, detail=(
                f"{evidence}: the value computed with NumPy at this line depends on the variable, but the "
                f"tape treats it as a constant ({first_line(error)})"))
    if not flagged:
        report.notes.append(f"the loss converts a tensor to NumPy at {loc or 'some line'}; the gradients agree with "
                            "finite differences, so that value does not depend on the variables checked")


def _ordered_of(tr, key: str, keep, within: set) -> list:
    """The ops of the graph that ``keep`` selects, in creation order, found once per trace (under ``key``), then
    those ``within`` one variable's path: per-variable work that does not sort the whole path again."""
    ordered = getattr(tr, key, None)
    if ordered is None:
        ordered = [op for op in tr.graph.get_operations() if keep(op)]
        setattr(tr, key, ordered)
    return [op for op in ordered if op in within]


def _state_suspect(tr, vp):
    """An assign fed by this variable whose target is read later on a path to the loss, or None."""
    order = paths.creation_order(tr.graph)   # cached for the graph: not rebuilt for each variable and assign
    for op in _ordered_of(tr, "_assigns", lambda o: op_kinds.is_assign(o.type), vp.descendants):
        if not op.inputs:
            continue
        target = op.inputs[0]
        for reader in target.consumers():
            if reader.type == "ReadVariableOp" and reader in tr.ancestors and order[reader] > order[op]:
                return op
    return None


def _check_state(loss_fn, variables, names, statuses, grads, tr, findings):
    """A loss that stores a value with assign and reads it back later (an RNN state) still has a gradient
    through its other paths, but it misses the paths through the assignment: finite differences tell."""
    from .finite_differences import directional_check
    from .source import op_location
    var_paths = getattr(tr, "var_paths", {})
    for i, v in enumerate(variables):
        vp = var_paths.get(id(v))
        if statuses[i] != "ok" or vp is None or findings[i] is not None or i >= len(grads) or grads[i] is None:
            continue
        op = _state_suspect(tr, vp)
        if op is None:
            continue
        agrees, evidence = directional_check(loss_fn, v, grads[i])
        if not agrees:
            findings[i] = Finding(names[i], "wrong", "stateful_op", op=op.name, op_type=op.type,
                                  location=op_location(op), detail=(
                                      f"{evidence}: the value written by {op.type} and read back later carries no "
                                      "gradient, so every path through the assignment is missing"))


def _registered_not_differentiable(op) -> bool:
    return op.type not in op_kinds.STOP_GRADIENT and op_kinds.gradient_kind(op.type) == "not_differentiable"


def _dropped_path_op(tr, vp):
    """An op registered as non-differentiable that the variable's float value flows through on its way to the
    loss, while the loss still has a gradient: typically a gradient op inside a gradient penalty (the second
    derivative through ResizeBilinearGrad, ...), whose own gradient TensorFlow silently treats as zero."""
    from .source import op_location
    for op in _ordered_of(tr, "_not_differentiable", _registered_not_differentiable, vp.ops):
        ins = [t for t in paths.on_path_inputs(op, vp.ops, vp.source) if op_kinds.is_float(t.dtype)]
        if ins and any(op_kinds.is_float(o.dtype) for o in op.outputs) and op_location(op):
            return op
    return None


def _check_dropped_paths(loss_fn, variables, names, statuses, grads, tr, findings):
    """Second-order gradients through a not-differentiable op are dropped without a word: the gradient looks
    fine but misses a term. Finite differences decide."""
    from .finite_differences import directional_check
    from .source import op_location
    var_paths = getattr(tr, "var_paths", {})
    for i, v in enumerate(variables):
        vp = var_paths.get(id(v))
        if statuses[i] != "ok" or vp is None or findings[i] is not None or i >= len(grads) or grads[i] is None:
            continue
        op = _dropped_path_op(tr, vp)
        if op is None or not hasattr(v, "assign"):
            continue
        agrees, evidence = directional_check(loss_fn, v, grads[i])
        if not agrees:
            findings[i] = Finding(names[i], "wrong", "non_differentiable_op", op=op.name, op_type=op.type,
                                  location=op_location(op), detail=(
                                      f"{evidence}: the path through {op.type} (created by a gradient computed "
                                      f"inside the loss, e.g. a gradient penalty) is missing, because {op.type} is "
                                      "registered as non-differentiable: its second derivative counts as 0"))


def _check_custom(loss_fn, variables, names, statuses, grads, tr, findings, report):
    """Where a custom gradient or a tf.stop_gradient lies on a path that still has a gradient, check the gradient:
    custom gradients must scale with the upstream gradient and agree with finite differences; a stop_gradient
    must not remove part of the true derivative. Piecewise-constant forwards (straight-through estimators) are
    surrogates by design: noted, not flagged."""
    from .finite_differences import directional_check, scales_with_upstream
    from .source import op_location
    # Only the learner's own: library code (Keras' batch-norm moments, ...) uses both correctly.
    custom = [op for op in tr.graph.get_operations()
              if op_kinds.custom_gradient_name(op) and op_kinds.custom_gradient_source(op)]
    stops = [op for op in tr.graph.get_operations()
             if op.type in op_kinds.STOP_GRADIENT and op in getattr(tr, "ancestors", ()) and op_location(op)]
    if not custom and not stops:
        return
    var_paths = getattr(tr, "var_paths", {})
    for i, v in enumerate(variables):
        vp = var_paths.get(id(v))
        if statuses[i] != "ok" or vp is None or findings[i] is not None or i >= len(grads) or grads[i] is None:
            continue
        mine = [op for op in custom if op in vp.ops]
        my_stops = [op for op in stops if op in vp.descendants]
        if not mine and not my_stops:
            continue
        if mine and not scales_with_upstream(loss_fn, v, grads[i]):
            op = mine[0]
            findings[i] = Finding(names[i], "wrong", "wrong_custom_gradient", op=op.name, op_type="custom gradient",
                                  location=op_kinds.custom_gradient_source(op) or op_location(op), detail=(
                                      "doubling the loss does not double this gradient: the custom gradient "
                                      "function does not multiply by the upstream gradient `dy` it receives"))
            continue
        flat: list = []
        agrees, evidence = directional_check(loss_fn, v, grads[i], flat=flat)
        if agrees:
            continue
        if flat and flat[0]:
            what = "custom gradient" if mine else "tf.stop_gradient"
            report.notes.append(f"`{names[i]}`: the loss is piecewise constant here, so the {what} on its path is a "
                                "surrogate (a straight-through estimator?): finite differences cannot judge it")
            continue
        if mine:
            op = mine[0]
            where = op_kinds.custom_gradient_source(op)
            findings[i] = Finding(names[i], "wrong", "wrong_custom_gradient", op=op.name,
                                  op_type="custom gradient", location=where or op_location(op),
                                  detail=evidence + (f"; the op is created at {op_location(op)}" if where else ""))
        else:
            op = my_stops[0]
            findings[i] = Finding(names[i], "wrong", "stop_gradient", op=op.name, op_type=op.type,
                                  location=op_location(op), detail=(
                                      f"{evidence}: the path through tf.stop_gradient is missing from the gradient "
                                      "(if that is deliberate, as for a target value, ignore this)"))


def _shared_first_run(model, loss_fn):
    """The eager run of a built model's trainable variables, when it is also the run that looks for variables
    Keras does not track and finds none (nothing created during the call, nothing read that is not listed, no raw
    variable on the model): then one taped forward and backward pass serves both. Otherwise None."""
    if not getattr(model, "built", False) or not model.trainable_variables:
        return None
    created: dict = {}
    tracked = list(model.trainable_variables)
    run = eager_run.run(loss_fn, tracked, created)
    if created or keras_model.untracked_reads(model, run.read_variables) or keras_model.untracked_variables(model):
        return None
    return run


def diagnose(loss_fn=None, variables=None, *, batch=None, loss=None, training: bool = True,
             check_custom_gradients: bool = True) -> Report:
    """Diagnose every variable's gradient.

    ``diagnose(loss_fn, variables)``: ``loss_fn()`` returns the loss, ``variables`` is a list (or dict, or one
    variable). ``diagnose(model, batch=(x, y), loss=...)``: a Keras model, one batch and a Keras loss or a
    callable ``loss(y_true, y_pred)``; adds the raw ``tf.Variable``s the model holds but Keras does not track.
    """
    try:
        untracked, in_call_ids, saved, where, created, model, eager = [], set(), [], {}, {}, None, None
        if keras_model.is_keras_layer(loss_fn):
            model = loss_fn
            saved = keras_model.snapshot_state(model)
            fn = keras_model.make_loss_fn(model, batch, loss, training)
            eager = _shared_first_run(model, fn) if variables is None else None
            if eager is not None:   # the usual case: one taped run gives both the statuses and the reads
                variables = list(model.trainable_variables)
            else:
                read = keras_model.read_but_untracked(model, fn, created)  # also builds the model
                if variables is None:
                    variables = list(model.trainable_variables)
                untracked = keras_model.untracked_variables(model, where)
                seen = {id(u) for u in untracked}
                in_call = [u for u in read if id(u) not in seen]
                untracked += in_call
                in_call_ids = {id(u) for u in in_call}
            loss_fn = fn
        if variables is None:
            raise TypeError("diagnose(loss_fn, variables): pass the variables to check")
        if isinstance(variables, dict):
            items = list(variables.items())
            named = True
        else:
            if not isinstance(variables, (list, tuple)):
                variables = [variables]
            items = [(None, v) for v in variables]
            named = False
        all_vars = [v for _, v in items] + untracked
        try:
            report = _diagnose(loss_fn, all_vars, check_custom_gradients, n_locate=len(untracked),
                               may_skip_trace=model is not None, eager=eager)
        finally:
            keras_model.restore_state(saved)
            paths.forget_graphs()
        if named:
            for (k, _), f in zip(items, report.findings):
                f.name = str(k)
        first_use = getattr(report, "_first_use", None) or [None] * len(untracked)
        for f, v, used in zip(report.findings[len(items):], untracked, first_use):
            f.status, f.cause, f.also = "none", "untracked_variable", ()
            f.op = f.op_type = None
            if id(v) in in_call_ids:
                used = created.get(id(v)) or used
                f.location = used
                f.detail = ("the forward pass reads this variable, but model.trainable_variables does not list it "
                            "(a layer or variable created inside call() is new on every call and never tracked)"
                            + (f"; it is created at {used}" if used else ""))
            else:
                attr, assigned = where.get(id(v), (None, None))
                f.location = assigned or used
                f.detail = (f"a raw tf.Variable stored on the model as `model.{attr}`" if attr else
                            "a raw tf.Variable stored on the model") + (
                    ": model.trainable_variables does not include it, so an optimizer never updates it")
        return report
    except Exception as exc:  # the doctor itself must never crash a learner's check
        n = len(variables) if isinstance(variables, (list, tuple, dict)) else 1
        return Report([Finding(f"input {i}", "none", "unknown", detail=f"the doctor failed: {first_line(exc)}")
                       for i in range(n)], notes=["this is a bug in the doctor, not in your code"])
