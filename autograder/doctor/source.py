"""Find the learner's own source line among the frames of a traceback (op creation or exception)."""
from __future__ import annotations

import os
import traceback

_LIBRARY_MARKERS = ("site-packages", "dist-packages", f"{os.sep}tensorflow{os.sep}", f"{os.sep}keras{os.sep}",
                    f"{os.sep}autograder{os.sep}doctor{os.sep}", "<frozen ", f"{os.sep}contextlib.py",
                    f"{os.sep}functools.py", "autograph_generated", "__autograph_generated")
_STDLIB = os.path.dirname(os.__file__)
# The course's own package (the lazy `autograder.diagnose` wrapper, probes, ...) is never the learner's code.
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_user_frame(filename: str) -> bool:
    if not filename:
        return False
    if any(m in filename for m in _LIBRARY_MARKERS) or filename.startswith(_PACKAGE):
        return False
    if filename.startswith(_STDLIB) and "site-packages" not in filename:
        return False
    return True


def _short(filename: str) -> str:
    # Notebook cells compile to /tmp/ipykernel_*/NNN.py: the number is meaningless to a reader.
    if "ipykernel_" in filename or filename.startswith("<ipython-input"):
        return "<notebook cell>"
    try:
        rel = os.path.relpath(filename)
        return rel if not rel.startswith("..") else filename
    except ValueError:
        return filename


def user_location(frames) -> str | None:
    """``file:line`` of the innermost frame that is the learner's code (not TF, Keras or the doctor)."""
    for fr in reversed(list(frames or ())):
        filename = getattr(fr, "filename", None) or (fr[0] if isinstance(fr, tuple) else None)
        lineno = getattr(fr, "lineno", None) or (fr[1] if isinstance(fr, tuple) else None)
        if filename and filename.startswith(_PACKAGE):
            return None   # reached the doctor (or the course) calling the loss: what is further out is its caller
        if filename and is_user_frame(filename):
            return f"{_short(filename)}:{lineno}"
    return None


def called_from_learner(frames) -> bool:
    """Is the innermost frame outside TensorFlow the learner's own code (not Keras, not the doctor)?"""
    for fr in reversed(list(frames or ())):
        filename = getattr(fr, "filename", "")
        if f"{os.sep}tensorflow{os.sep}" in filename or "<frozen " in filename or filename.startswith(_STDLIB):
            continue
        return is_user_frame(filename)
    return False


def op_location(op) -> str | None:
    """Where the learner's code created a graph op (from ``op.traceback``)."""
    try:
        return user_location(op.traceback)
    except Exception:  # some ops (placeholders, captures) have no traceback
        return None


def exception_location(exc: BaseException) -> str | None:
    """Where an exception left the learner's code; autograph's 'in user code' frames count too."""
    frames = traceback.extract_tb(exc.__traceback__)
    loc = user_location(frames)
    if loc:
        return loc
    # tf.function errors re-raise with the user's frames only in the message: `File "x.py", line 3, in f  *`
    import re
    hits = re.findall(r'File "([^"]+)", line (\d+)', str(exc))
    for filename, lineno in reversed(hits):
        if is_user_frame(filename):
            return f"{_short(filename)}:{lineno}"
    return None


def assignment_line(filename: str, name: str) -> str | None:
    """``file:line`` of the last top-level ``name = ...`` in a source file (a notebook cell included)."""
    import ast
    import linecache
    text = "".join(linecache.getlines(filename))
    if not text:
        return None
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    line = None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and any(
                isinstance(t, ast.Name) and t.id == name for t in targets):
            line = node.lineno
    return f"{_short(filename)}:{line}" if line else None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    # autograph wraps messages as "in user code: File ... NotImplementedError: real message": keep the last line
    msg = lines[-1] if lines and "in user code" in lines[0] else (lines[0] if lines else "")
    prefix = f"{type(exc).__name__}: "
    return (msg if msg.startswith(prefix) else prefix + msg)[:300]


__all__ = ["user_location", "op_location", "exception_location", "first_line", "is_user_frame"]
