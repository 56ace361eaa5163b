"""Reading notebooks safely, finding cells by their metadata role, and splicing submissions into releases.

Cells are found by metadata, never by position: ``cell.metadata.course = {"role": ..., "exercise": ...}``.
Roles: ``setup`` (installs/imports the checker; skipped when grading), ``given`` (code the learner should not
need to touch), ``answer`` (the learner's fix; one per exercise), ``check`` (calls ``check(...)``; skipped when
grading, since grading checks from outside the learner's process). Cells after the last check cell are not run
when grading either: ``check`` sees the state at its own cell, and the grader sees the same.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ROLES = ("setup", "given", "answer", "check")


class NotebookError(Exception):
    """A notebook that cannot be graded; the message is shown to the learner as the reason."""


MAX_NOTEBOOK_BYTES = 50 << 20   # outputs included; a grader parses submissions in its own process
_MAGIC = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"%PDF": "a PDF document",
          b"PK\x03\x04": "a zip archive", b"GIF8": "a GIF image"}


def read(path: str | Path) -> "nbformat.NotebookNode":
    """A format-4 notebook, or a NotebookError whose message tells the learner what is wrong with the file."""
    import nbformat
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(f"{path.name} is {size / 2**20:.0f} MB, more than the {MAX_NOTEBOOK_BYTES / 2**20:.0f} MB "
                                "a notebook may have: clear its outputs (Kernel > Restart & Clear Output) and save it again")
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookError(f"cannot read {path.name}: {exc.strerror}") from None
    if not raw.strip():
        raise NotebookError(f"{path.name} is empty (0 bytes of notebook): was it saved before uploading?")
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise NotebookError(f"{path.name} is {what}, not a Jupyter notebook: upload the .ipynb file itself")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(f"{path.name} is not a text file, so not a notebook") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{path.name} is not valid notebook JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise NotebookError(f"{path.name} could not be read as a notebook (RecursionError)") from None
    if isinstance(data, dict) and ("worksheets" in data or data.get("nbformat") not in (None, 4)):
        raise NotebookError(f"{path.name} uses notebook format {data.get('nbformat')!r}; only format 4 is supported "
                            "(open it in a current Jupyter and save it again)")
    if not isinstance(data, dict) or "cells" not in data:
        raise NotebookError(f"{path.name} is JSON but not a Jupyter notebook (it has no 'cells')")
    if data.get("nbformat") != 4:
        raise NotebookError(f"{path.name} does not say which notebook format it uses; only format 4 is supported "
                            "(open it in a current Jupyter and save it again)")
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=nbformat.NO_CONVERT)  # also joins list sources
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types; all mean "malformed"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"{path.name} is not a valid notebook: {first[:200]}") from None
    return nb


def read_release(path: str | Path) -> dict:
    """A notebook the course itself ships (trusted), as plain JSON: no schema validation, and no nbformat, whose
    import alone (jsonschema) made a learner's first ``check()`` a second slower."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def role(cell) -> str | None:
    meta = cell.get("metadata", {}).get("course", {})
    return meta.get("role") if isinstance(meta, dict) else None


def exercise_of(cell) -> str | None:
    meta = cell.get("metadata", {}).get("course", {})
    return meta.get("exercise") if isinstance(meta, dict) else None


def answer_cells(nb) -> dict[str, list]:
    """Answer cells by exercise id (a list, so duplicates can be reported)."""
    found: dict[str, list] = {}
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and role(cell) == "answer":
            found.setdefault(exercise_of(cell) or "?", []).append(cell)
    return found


def exercises_in(nb) -> list[str]:
    return list(answer_cells(nb))


@dataclass
class Spliced:
    cells: list[tuple[str, str]]   # (label, source) in execution order
    notes: list[str]               # edits to non-answer cells that were ignored


def splice(release, submission) -> Spliced:
    """The release's cells, with only the answer cells taken from the submission."""
    wanted = answer_cells(release)
    got = answer_cells(submission)
    if not got:
        raise NotebookError("no answer cells found (their metadata is gone?): restore them from the released "
                            "notebook and paste your code back in")
    foreign = [k for k in got if k not in wanted]
    if foreign and not any(k in got for k in wanted):
        raise NotebookError(f"this notebook answers {', '.join(sorted(foreign))}, "
                            f"but was submitted as the notebook for {', '.join(wanted)}")
    for ex_id in wanted:
        if ex_id not in got:
            raise NotebookError(f"the answer cell for {ex_id} is missing: restore it from the released notebook")
        if len(got[ex_id]) > 1:
            raise NotebookError(f"{len(got[ex_id])} cells claim to be the answer for {ex_id}: keep exactly one")

    # Nothing after the last check cell can change a grade: ``check(...)`` sees the notebook's state at its own
    # cell, and so does the grader (a closing demo, such as the capstone's training run, is not run).
    graded = [i for i, cell in enumerate(release.cells)
              if cell.get("cell_type") == "code" and role(cell) in ("answer", "check")]
    end = graded[-1] + 1 if graded else len(release.cells)
    cells: list[tuple[str, str]] = []
    for i, cell in enumerate(release.cells[:end]):
        r = role(cell)
        if cell.get("cell_type") != "code" or r in ("setup", "check"):
            continue
        if r == "answer":
            cells.append((f"answer {exercise_of(cell)}", got[exercise_of(cell)][0].source))
        else:
            cells.append((f"given cell {i + 1}", cell.source))

    notes = []
    released_given = [c.source for c in release.cells if c.get("cell_type") == "code" and role(c) != "answer"]
    submitted_given = [c.source for c in submission.cells if c.get("cell_type") == "code" and role(c) != "answer"]
    if released_given != submitted_given:
        notes.append("cells outside the answer cells were edited or removed; those edits were ignored "
                     "(only answer cells are graded)")
    return Spliced(cells, notes)


def new_notebook(cells: list[tuple[str | None, str, str | None]], kernel: str = "python3"):
    """Build a notebook from ``(role, source, exercise)`` triples; role None means a markdown cell."""
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": kernel}
    nb.metadata["language_info"] = {"name": "python"}
    for r, source, exercise in cells:
        if r is None:
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
            continue
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["course"] = {"role": r, **({"exercise": exercise} if exercise else {})}
        cell.metadata["tags"] = [r]
        nb.cells.append(cell)
    return nb
