"""Detect a submission that replaced functions the checks rely on (TensorFlow, NumPy, the probes).

The "before" snapshot is taken once, in the zygote, after everything is imported and before any child is forked:
a child starts from exactly that memory, so the same object ids are valid there and the child only pays for the
"after" comparison. What is watched: TensorFlow's top level and main public namespaces, its autodiff internals
(tape, backprop, gradient functions), the gradient registry, NumPy's and Keras' top level, what saves the
results (json, zipfile, NumPy's savez), the course's own modules, and the classes the probes use (tape,
variables, tensors): every function and class bound in them (data attributes are not watched: TensorFlow
changes its own caches as it runs). The list is deliberately short: checking costs time in every child (each
value read copies a page of the zygote).
"""
from __future__ import annotations

import sys
import types

_EXACT = ("builtins", "numpy", "tensorflow", "keras", "json", "json.encoder", "zipfile", "numpy.lib._npyio_impl",
          "tensorflow._api.v2.math", "tensorflow._api.v2.nn", "tensorflow._api.v2.linalg",
          "tensorflow._api.v2.debugging", "tensorflow.python.eager.backprop",
          "tensorflow.python.eager.imperative_grad", "tensorflow.python.eager.tape",
          "tensorflow.python.eager.record", "tensorflow.python.eager.backprop_util",
          "tensorflow.python.ops.gradients_util", "tensorflow.python.ops.math_grad",
          "tensorflow.python.ops.array_grad", "tensorflow.python.ops.custom_gradient")
_PREFIXES = ("autograder",)
_DESCRIPTORS = (property, staticmethod, classmethod)


def _watched_module(name: str) -> bool:
    return name in _EXACT or name.startswith(_PREFIXES)


def _spaces() -> list[tuple[str, dict]]:
    spaces = []
    for name, module in list(sys.modules.items()):
        if module is not None and _watched_module(name):
            try:
                spaces.append((name, vars(module)))
            except TypeError:
                continue
    import tensorflow as tf
    from tensorflow.python.framework.ops import EagerTensor
    from tensorflow.python.ops.resource_variable_ops import ResourceVariable
    for cls in (tf.GradientTape, tf.Variable, tf.Tensor, EagerTensor, ResourceVariable):
        spaces.append((f"{cls.__module__}.{cls.__qualname__}", vars(cls)))
    return spaces


def _registry() -> dict:
    from tensorflow.python.framework import ops
    return ops._gradient_registry._registry  # op type -> {"type": gradient function, ...}


def snapshot(_spaces=_spaces, _registry=_registry) -> dict:
    """Ids of every watched attribute, and of every registered gradient function."""
    attrs = {}
    for space, d in _spaces():
        specs = space.startswith("autograder.specs.")
        for attr, value in list(d.items()):
            # Only callables: module-level data (caches, the lazily created eager context, counters) changes as
            # TensorFlow runs, and submodules may be lazy loaders that replace themselves when first used.
            watched = isinstance(value, _DESCRIPTORS) or (callable(value) and not isinstance(value, types.ModuleType))
            if watched and not (specs and attr == "reference"):
                attrs[(space, attr)] = id(value)
    grads = {op: id(entry.get("type")) for op, entry in list(_registry().items()) if isinstance(entry, dict)}
    return {"attrs": attrs, "grads": grads}


def changed(before: dict, _snapshot=snapshot) -> list[str]:
    """Names that were replaced or deleted since ``before`` (additions are harmless and ignored).

    ``snapshot`` is bound when this module is imported, so replacing ``tamper.snapshot`` later changes nothing;
    the child also binds ``changed`` itself before any learner code runs.
    """
    now = _snapshot()
    out = [f"{space}.{attr}" for (space, attr), ident in before["attrs"].items()
           if now["attrs"].get((space, attr)) != ident]
    out += [f"the registered gradient of {op}" for op, ident in before["grads"].items()
            if now["grads"].get(op) != ident]
    return sorted(out)
