"""Detect a submission that replaced functions the checks rely on (TensorFlow, NumPy, the probes)."""
from __future__ import annotations

import sys

WATCHED_MODULES = ("builtins", "numpy", "tensorflow", "tensorflow.math", "tensorflow.nn", "tensorflow.linalg",
                   "tensorflow.debugging", "autograder", "autograder.probe", "autograder.compare",
                   "autograder.catalog", "autograder.sandbox.child")


def _watched() -> dict[str, dict]:
    spaces: dict[str, dict] = {}
    for name in WATCHED_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            spaces[name] = vars(module)
    import tensorflow as tf
    for cls in (tf.GradientTape, tf.Variable, tf.Tensor, type(tf.constant(0.0))):
        spaces[f"{cls.__module__}.{cls.__qualname__}"] = vars(cls)
    return spaces


def snapshot() -> dict[tuple[str, str], int]:
    return {(space, attr): id(value) for space, d in _watched().items() for attr, value in list(d.items())}


def changed(before: dict[tuple[str, str], int]) -> list[str]:
    """Names that were replaced or deleted since ``before`` (additions are harmless and ignored)."""
    now = snapshot()
    return sorted(f"{space}.{attr}" for (space, attr), ident in before.items() if now.get((space, attr)) != ident)
