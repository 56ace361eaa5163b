"""Structural requirements: facts about *how* a learner's function computes, for goals that say more than "the
right numbers" (e.g. "keep the custom gradient"). A probe records them as ``requirement/<sentence>`` keys (see
autograder/compare.py), 1.0 when the requirement holds, so the same comparison runs in the check and the grader.
"""
from __future__ import annotations

from typing import Callable


def _ancestors(tensors) -> set:
    """Every op the given graph tensors depend on (data inputs only), the tensors' own ops included."""
    from autograder.doctor.paths import ancestors
    return set().union(*(ancestors(t) for t in tensors))


def _is_custom_gradient(op) -> bool:
    # tf.custom_gradient, traced into a graph, wraps the function's outputs in an IdentityN whose gradient is
    # overridden to "CustomGradient-<n>": the marker that tape.gradient will call the learner's grad function.
    if op.type != "IdentityN":
        return False
    try:
        return op.get_attr("_gradient_op_type").decode().startswith("CustomGradient")
    except (ValueError, AttributeError):
        return False


def gradient_goes_through_custom_gradient(fn: Callable[[], object], variable) -> bool:
    """Does ``fn()``'s result reach ``variable`` through an op made by ``tf.custom_gradient``?

    ``fn`` is traced once into a graph (it is not run); a function that cannot be traced counts as "no".
    """
    import tensorflow as tf
    try:
        graph = tf.function(fn, autograph=False).get_concrete_function().graph
    except Exception:  # noqa: BLE001 - learner code that cannot be traced cannot be verified
        return False
    handles = {inner.name for outer, inner in graph.captures if outer is variable.handle}
    if not handles or not graph.outputs:
        return False
    for op in _ancestors(graph.outputs):
        if _is_custom_gradient(op):
            if any(o.type == "Placeholder" and o.outputs[0].name in handles for o in _ancestors(op.inputs)):
                return True
    return False
