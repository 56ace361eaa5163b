"""Compare a learner's probe results with the reference's, and say what is wrong in plain words.

Messages name the quantity and the size of the disagreement but never the expected values, so grader feedback
cannot leak a hidden check's answers.
"""
from __future__ import annotations

import numpy as np


# Structural keys a probe may record besides values and gradients (the reference records them too):
# ``requirement/<sentence>``: 1 when the goal's stated requirement holds, 0 when not; the sentence is the message.
# ``count/<what>``: a count that must match the reference's, e.g. of the layer's trainable variables.
# ``forward/<sentence>``: a value in a second situation (e.g. a freshly built layer); the sentence is the message.
REQUIREMENT = "requirement/"
COUNT = "count/"


def describe(key: str) -> str:
    if key == "forward":
        return "the value your function returns"
    if key.startswith("forward/"):
        return "the value your code returns in that situation"
    if key.startswith("grad/"):
        return f"the gradient for `{key[5:]}`"
    return f"`{key}`"


def compare_case(student: dict, reference: dict, rtol: float, atol: float) -> dict[str, str]:
    """One message per quantity that is wrong, keyed by the quantity."""
    problems: dict[str, str] = {}
    for key, ref in reference.items():
        if key.startswith(REQUIREMENT) and ref is not None and np.all(np.asarray(ref) != 0):
            got = student.get(key)
            if got is None or not np.all(np.asarray(got) != 0):
                problems[key] = key[len(REQUIREMENT):]
    if problems:
        # A broken requirement makes the numbers beside the point (and often explains them): report it alone.
        return problems
    for key, ref in reference.items():
        if key.startswith(REQUIREMENT):
            continue
        what = describe(key)
        if key.startswith(COUNT):
            got = student.get(key)
            if got is None or np.shape(got) != np.shape(ref) or not np.array_equal(got, ref):
                problems[key] = f"{key[len(COUNT):]} is {'missing' if got is None else np.asarray(got).tolist()}, " \
                                f"but should be {np.asarray(ref).tolist()}"
            continue
        if key not in student:
            problems[key] = f"{what} was not produced"
            continue
        got = student[key]
        if ref is None:
            # The reference itself has no gradient here (a deliberately frozen input).
            if got is not None and np.any(np.asarray(got) != 0):
                problems[key] = f"{what} should be None (this input must not be trained), but it is not"
            continue
        if got is None:
            problems[key] = f"{what} is None: the tape found no differentiable path from the result to it"
            continue
        got = np.asarray(got)
        ref = np.asarray(ref)
        if got.shape != ref.shape:
            problems[key] = f"{what} has shape {got.shape}, expected shape {ref.shape}"
            continue
        if not np.all(np.isfinite(got)) and np.all(np.isfinite(ref)):
            bad = "NaN" if np.any(np.isnan(got)) else "inf"
            problems[key] = f"{what} contains {bad}"
            continue
        if np.issubdtype(got.dtype, np.number) and not np.allclose(got, ref, rtol=rtol, atol=atol, equal_nan=True):
            diff = float(np.nanmax(np.abs(got.astype(np.float64) - ref.astype(np.float64))))
            if key.startswith("forward/"):      # the key says which situation, and what to look at
                problems[key] = f"{key[8:]} (off by up to {diff:.2g})"
            elif key == "forward":
                problems[key] = (f"{what} is not the intended result (off by up to {diff:.2g}): the fix must "
                                 "compute what the exercise describes, with the gradient flowing")
            elif np.all(got == 0):
                problems[key] = f"{what} is exactly zero everywhere, but it should not be"
            else:
                problems[key] = f"{what} has wrong values (off by up to {diff:.2g} from the correct gradient)"
    return problems


def compare(students: list[dict], references: list[dict], rtol: float, atol: float) -> list[str]:
    """Problems over all hidden cases: the first failing case's message for each quantity."""
    worst: dict[str, str] = {}
    for s, r in zip(students, references):
        for key, message in compare_case(s, r, rtol, atol).items():
            worst.setdefault(key, message)
    problems = list(worst.values())
    if len(students) != len(references):
        problems.append(f"only {len(students)} of {len(references)} hidden cases ran")
    return problems
