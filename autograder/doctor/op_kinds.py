"""What kind of op is this, as far as gradients care (looked up in TensorFlow's gradient registry)."""
from __future__ import annotations

STOP_GRADIENT = {"StopGradient"}
PY_FUNCS = {"EagerPyFunc", "PyFunc", "PyFuncStateless", "NumpyFunction"}
SATURATING = {"Sigmoid", "Tanh", "Relu", "Relu6", "Elu", "Selu", "Softsign", "Minimum", "Maximum",
              "ClipByValue", "Softmax", "LeakyRelu", "Abs"}
UNDERFLOWING = {"Exp", "Mul", "Prod", "Pow", "Square", "Cast", "RealDiv", "Div", "DivNoNan", "Softmax",
                "Sigmoid", "Expm1", "Softplus", "MatMul", "BatchMatMulV3", "Sum", "Mean"}
# Registered gradients that are zero by definition (the op is piecewise constant but not marked NotDifferentiable).
ZERO_BY_DEFINITION = {"Sign"}


def is_dataset_op(op_type: str) -> bool:
    """tf.data ops (ReduceDataset, MapDataset, IteratorGetNext, ...): none of them has a gradient."""
    return op_type.endswith("Dataset") or op_type.endswith("DatasetV2") or "Iterator" in op_type or op_type in {
        "DatasetToSingleElement", "ReduceDataset", "ScanDataset"}


def is_assign(op_type: str) -> bool:
    return (op_type.startswith("Assign") or op_type.startswith("ResourceScatter")
            or op_type.startswith("ResourceApply") or op_type in {"ResourceStridedSliceAssign", "ScatterUpdate"})


def gradient_kind(op_type: str) -> str:
    """'registered', 'not_differentiable' (tf.no_gradient / ops.NotDifferentiable) or 'missing'."""
    from tensorflow.python.framework import ops
    try:
        fn = ops._gradient_registry.lookup(op_type)
    except LookupError:
        return "missing"
    return "not_differentiable" if fn is None else "registered"


def custom_gradient_name(op) -> str | None:
    """The override name if this op's gradient was replaced (tf.custom_gradient, gradient_override_map)."""
    try:
        value = op.get_attr("_gradient_op_type")
    except Exception:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def is_float(dtype) -> bool:
    return bool(dtype.is_floating or dtype.is_complex)


def describe(op) -> str:
    """'Cast (int32)' style: the op type plus the detail that matters for gradients."""
    t = op.type
    try:
        if t == "Cast":
            return f"Cast to {op.get_attr('DstT').name}"
    except Exception:
        pass
    return t


def custom_gradient_source(op) -> str | None:
    """``file:line`` of the learner's gradient function behind a custom-gradient op, when it can be found."""
    name = custom_gradient_name(op)
    if not name:
        return None
    from tensorflow.python.framework import ops
    from .source import is_user_frame, _short
    try:
        fn = ops._gradient_registry.lookup(name)
    except LookupError:
        return None
    seen, stack = set(), [fn]
    while stack:  # the registered wrapper keeps the learner's grad function in its closure
        f = stack.pop()
        if id(f) in seen or not callable(f):
            continue
        seen.add(id(f))
        code = getattr(f, "__code__", None)
        if code is not None and is_user_frame(code.co_filename):
            return f"{_short(code.co_filename)}:{code.co_firstlineno}"
        for cell in getattr(f, "__closure__", None) or ():
            try:
                stack.append(cell.cell_contents)
            except ValueError:
                pass
        wrapped = getattr(f, "__wrapped__", None)
        if wrapped is not None:
            stack.append(wrapped)
    return None
