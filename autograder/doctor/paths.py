"""Walk a traced graph: which ops lie on a path from a variable to the loss."""
from __future__ import annotations


def descendants(start_tensors) -> set:
    """Ops reachable forward (data edges only) from the given tensors."""
    seen: set = set()
    stack = [op for t in start_tensors for op in t.consumers()]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        for out in op.outputs:
            stack.extend(out.consumers())
    return seen


def ancestors(tensor) -> set:
    """Ops the tensor depends on (data edges only), including its own op."""
    seen: set = set()
    stack = [tensor.op]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs)
    return seen


def topological(ops, graph) -> list:
    """``ops`` in creation order, which is a topological order for a traced graph."""
    order = {op: i for i, op in enumerate(graph.get_operations())}
    return sorted(ops, key=lambda op: order.get(op, -1))


def on_path_inputs(op, path: set, source) -> list:
    return [t for t in op.inputs if t.op in path or t is source]


def on_path_outputs(op, path: set, output) -> list:
    return [t for t in op.outputs if t is output or any(c in path for c in t.consumers())]
