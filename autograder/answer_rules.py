"""The rule that makes the three checks agree: only answer cells count.

The grader (and ``python -m autograder check``) runs the released notebook with only its answer cells taken from the
submission, so a helper defined in an extra cell does not exist there. The in-notebook check sees the learner's
whole kernel, where it does. Both therefore look for the same thing, statically: a global name an answer cell
reads that no answer cell and no released cell defines, but some other cell of the learner's does. Each such name
gets the same message everywhere (``outside_message``).
"""
from __future__ import annotations

import builtins
import symtable
from pathlib import Path


def outside_message(name: str) -> str:
    return (f"`{name}` is defined outside the answer cell; the grader only uses answer cells - move it into the "
            "answer cell")


def _table(source: str):
    # Learner source, parsed (never run) in the grader's process: anything it trips on means "nothing known".
    try:
        return symtable.symtable(source, "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    try:  # IPython syntax (%magics, !shell): what the kernel would run
        from IPython.core.inputtransformer2 import TransformerManager
        return symtable.symtable(TransformerManager().transform_cell(source), "<cell>", "exec")
    except Exception:  # noqa: BLE001 - a cell that does not parse defines and reads nothing we can know
        return None


def bound(source: str) -> set[str]:
    """Names a cell binds at module level (assignments, imports, def, class)."""
    table = _table(source)
    if table is None:
        return set()
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}


def read_globals(source: str) -> set[str]:
    """Global names a cell reads, at module level or inside its functions and classes."""
    table = _table(source)
    out: set[str] = set()
    if table is None:
        return out

    def walk(t) -> None:
        for s in t.get_symbols():
            if not s.is_referenced():
                continue
            if t.get_type() == "module" or s.is_global():
                out.add(s.get_name())
        for child in t.get_children():
            walk(child)

    walk(table)
    return out - set(dir(builtins))


def helpers_outside(answers: list[str], released: list[str], elsewhere: set[str]) -> list[str]:
    """Names the answer cells read that only a non-answer, non-released cell defines (sorted)."""
    mine = set().union(*(bound(s) for s in answers)) if answers else set()
    given = set().union(*(bound(s) for s in released)) if released else set()
    reads = set().union(*(read_globals(s) for s in answers)) if answers else set()
    return sorted((reads - mine - given) & elsewhere)


def released_sources(release_nb) -> list[str]:
    """Sources of the released notebook's non-answer code cells (set-up and given code)."""
    from .notebook import role, source
    return [source(c) for c in release_nb["cells"] if c.get("cell_type") == "code" and role(c) != "answer"]


def in_submission(release_nb, submission_nb) -> dict[str, list[str]]:
    """{exercise id: helper names} for the grader: answer cells that rely on the submission's other cells."""
    from .notebook import answer_cells, role
    answers = {ex: [c.source for c in cells] for ex, cells in answer_cells(submission_nb).items()}
    all_answers = [s for sources in answers.values() for s in sources]
    others = [c.source for c in submission_nb.cells if c.get("cell_type") == "code" and role(c) != "answer"]
    elsewhere = set().union(*(bound(s) for s in others)) if others else set()
    released = released_sources(release_nb)
    in_answers = set().union(*(bound(s) for s in all_answers)) if all_answers else set()
    out = {}
    for ex_id, sources in answers.items():
        # Helpers in *another* answer cell of the same notebook are fine: the grader runs every answer cell.
        names = [n for n in helpers_outside(sources, released, elsewhere) if n not in in_answers]
        if names:
            out[ex_id] = names
    return out


def in_kernel(ex, namespace: dict) -> list[str]:
    """The same rule in a learner's kernel: answer cells are the latest executed cells (IPython's ``In``) that
    define each exercise's entry; everything else in the namespace came from some other cell."""
    from . import catalog
    history = namespace.get("In")
    release = catalog.EXERCISES_DIR / ex.notebook
    if not isinstance(history, list) or not Path(release).exists():
        return []          # not a notebook kernel, or no released notebook to compare with: nothing to enforce
    from .notebook import read_release
    try:
        released = released_sources(read_release(release))
    except (OSError, ValueError, KeyError, TypeError):
        return []
    answers = []
    for other in catalog.by_notebook(ex.notebook):
        cell = next((s for s in reversed(history) if isinstance(s, str) and other.entry in bound(s)), None)
        if cell is not None:
            answers.append(cell)
    mine = next((s for s in reversed(history) if isinstance(s, str) and ex.entry in bound(s)), None)
    if mine is None:
        return []
    siblings = set().union(*(bound(s) for s in answers))
    elsewhere = {k for k in namespace if not k.startswith("_")}
    return [n for n in helpers_outside([mine], released, elsewhere) if n not in siblings]
