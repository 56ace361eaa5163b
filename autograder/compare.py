"""Compare a learner's probe results with the reference's, and say what is wrong in plain words.

Messages name the quantity and the size of the disagreement but never the expected values, so grader feedback
cannot leak a hidden check's answers. The learner's side is untrusted data: only real float/int arrays of the
reference's shape are compared (as float64); anything else, or any failure while comparing, is "not produced".
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


def as_numbers(value, shape: tuple) -> np.ndarray | None:
    """``value`` as float64 if it is a real float/int array of ``shape``; anything else (bool, complex, object,
    datetime, timedelta, strings, another type, another shape) is None: it is not a probe result."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        value = np.asarray(value)  # a plain number recorded in-process by the learner's own check
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu" or value.shape != tuple(shape):
        return None
    return value.astype(np.float64)


def _compare_key(key: str, got, ref, rtol: float, atol: float) -> str | None:
    what = describe(key)
    if key.startswith(COUNT):
        ref = np.asarray(ref, dtype=np.float64)
        numbers = None if got is None else as_numbers(got, ref.shape)
        if numbers is None or not np.array_equal(numbers, ref):
            shown = "missing" if numbers is None else numbers.astype(np.int64).tolist()
            return f"{key[len(COUNT):]} is {shown}, but should be {ref.astype(np.int64).tolist()}"
        return None
    if ref is None:
        # The reference itself has no gradient here (a deliberately frozen input).
        if got is not None and not (isinstance(got, np.ndarray) and got.dtype.kind in "fiu" and not np.any(got)):
            return f"{what} should be None (this input must not be trained), but it is not"
        return None
    if got is None:
        return f"{what} is None: the tape found no differentiable path from the result to it"
    ref = np.asarray(ref, dtype=np.float64)
    if isinstance(got, np.ndarray) and got.dtype.kind in "fiu" and got.shape != ref.shape:
        return f"{what} has shape {got.shape}, expected shape {ref.shape}"
    if isinstance(got, np.ndarray) and got.dtype.kind not in "fiu":
        return f"{what} holds {got.dtype} values, not numbers (a gradient must be floating point)"
    got = as_numbers(got, ref.shape)
    if got is None:
        return f"{what} was not produced (not an array of numbers)"
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(ref)):
        return f"{what} contains {'NaN' if np.any(np.isnan(got)) else 'inf'}"
    if not np.allclose(got, ref, rtol=rtol, atol=atol, equal_nan=True):
        diff = float(np.nanmax(np.abs(got - ref)))
        if key.startswith("forward/"):      # the key says which situation, and what to look at
            return f"{key[8:]} (off by up to {diff:.2g})"
        if key == "forward":
            return (f"{what} is not the intended result (off by up to {diff:.2g}): the fix must "
                    "compute what the exercise describes, with the gradient flowing")
        if np.all(got == 0):
            return f"{what} is exactly zero everywhere, but it should not be"
        return f"{what} has wrong values (off by up to {diff:.2g} from the correct gradient)"
    return None


def _requirement_holds(got, ref) -> bool:
    numbers = None if got is None else as_numbers(got, np.shape(ref))
    return numbers is not None and bool(np.all(numbers != 0))


def compare_case(student: dict, reference: dict, rtol: float, atol: float) -> dict[str, str]:
    """One message per quantity that is wrong, keyed by the quantity."""
    problems = {key: key[len(REQUIREMENT):] for key, ref in reference.items()
                if key.startswith(REQUIREMENT) and ref is not None and np.all(np.asarray(ref) != 0)
                and not _requirement_holds(student.get(key), ref)}
    if problems:
        # A broken requirement makes the numbers beside the point (and often explains them): report it alone.
        return problems
    for key, ref in reference.items():
        if key.startswith(REQUIREMENT):
            continue
        if key not in student and not key.startswith(COUNT):
            problems[key] = f"{describe(key)} was not produced"
            continue
        try:
            message = _compare_key(key, student.get(key), ref, rtol, atol)
        except Exception:  # noqa: BLE001  (untrusted data: a value that breaks the comparison is not a result)
            message = f"{describe(key)} was not produced (not an array of numbers)"
        if message:
            problems[key] = message
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
