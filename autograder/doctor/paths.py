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


_ORDER: dict = {}


def creation_order(graph) -> dict:
    """op -> its position in creation order (a topological order for a traced graph); cached per graph size,
    since the doctor sorts many paths of one graph."""
    ops = graph.get_operations()
    key = id(graph)
    cached = _ORDER.get(key)
    if cached is None or cached[0] != len(ops) or cached[1] is not graph:
        _ORDER.clear()   # one graph at a time: do not keep old graphs alive
        cached = _ORDER[key] = (len(ops), graph, {op: i for i, op in enumerate(ops)})
    return cached[2]


def forget_graphs() -> None:
    """Drop the cached order, and with it the last graph (an eager record keeps every tensor of its run alive)."""
    _ORDER.clear()


def topological(ops, graph) -> list:
    """``ops`` in creation order, which is a topological order for a traced graph."""
    order = creation_order(graph)
    return sorted(ops, key=lambda op: order.get(op, -1))


def descendants_of_each(sources: list, graph) -> list[set]:
    """For each source tensor, the ops reachable from it (as ``descendants([source])``), in one pass over the
    graph: a bit per source, OR-ed along the data edges in creation order (shared work, not one walk each)."""
    bit = {}
    for i, src in enumerate(sources):
        bit[src.op] = bit.get(src.op, 0) | (1 << i)
    masks: dict = {}
    for op in graph.get_operations():
        m = 0
        for t in op.inputs:
            m |= masks.get(t.op, 0) | bit.get(t.op, 0)
        if m:
            masks[op] = m
    out = [set() for _ in sources]
    for op, m in masks.items():
        i = 0
        while m:
            if m & 1:
                out[i].add(op)
            m >>= 1
            i += 1
    return out


def on_path_inputs(op, path: set, source) -> list:
    return [t for t in op.inputs if t.op in path or t is source]


def on_path_outputs(op, path: set, output) -> list:
    return [t for t in op.outputs if t is output or any(c in path for c in t.consumers())]
