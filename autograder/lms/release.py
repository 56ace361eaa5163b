"""The student release: ``python -m autograder release OUT_DIR``.

Writes what students get: the exercise notebooks and a checker that compares the learner's answers with
*expected values* (the references' results on the learner's inputs, computed now and stored as arrays). Nothing
in it is a reference implementation or a solution: the specs' probes are cut out of their modules by AST
(autograder/lms/extract.py) and everything else in a spec stays behind. Grading for credit, on the grader's own
hidden inputs, still needs the full course.

Layout of OUT_DIR:
    README.md
    casts-1.ipynb, ...              the exercise notebooks, in course order (set-up cell: no install)
    autograder/__init__.py          the released checker (autograder/lms/released_checker.py)
    autograder/{compare,probe,quiet}.py
    autograder/probes/*.py          each spec's probe and what it needs, nothing else
    autograder/expected/manifest.json, ID.npz   metadata (hints, points, ...) and arrays
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

from .. import catalog
from ..learner import LEARNER_SEED
from .extract import extract
from .setup_cell import RELEASE_TEMPLATE, regenerate

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Course modules the released checker imports as they are (none of them knows any answer).
# doctor/paths.py: the graph walk that structural requirements (specs/_structure.py) use; it knows no answer.
SHIPPED_AS_IS = ("compare.py", "probe.py", "quiet.py", "doctor/paths.py")


class ReleaseError(Exception):
    pass


def _arrays(prefix: str, values: dict, arrays: dict) -> tuple[list[str], list[str]]:
    """Store ``values`` under ``prefix/``; returns (stored keys, keys whose value is None)."""
    stored, absent = [], []
    for key, value in values.items():
        if value is None:
            absent.append(key)
            continue
        arr = np.asarray(value)
        if arr.dtype == object:
            raise ReleaseError(f"{prefix}/{key} is not a numeric array; the release stores numbers only")
        arrays[f"{prefix}/{key}"] = arr
        stored.append(key)
    return stored, absent


def _write_probes(spec_names: list[str], probes: Path) -> None:
    """Write each spec's probe, and the spec helpers (``from ._x import y``) they need, into ``probes/``."""
    needs = {name: {"probe"} for name in spec_names}
    changed = True
    while changed:  # a helper module needed by several probes gets the union of what they use
        changed = False
        for name, roots in list(needs.items()):
            _, relative = extract((catalog.SPECS_DIR / f"{name}.py").read_text(encoding="utf-8"), roots)
            for level, mod, names in relative:
                if level != 1 or not mod:
                    # ``..probe`` resolves to the shipped autograder/probe.py from probes/ too
                    if level == 2 and mod.split(".")[0] + ".py" in SHIPPED_AS_IS:
                        continue
                    raise ReleaseError(f"spec {name} imports from {'.' * level}{mod}, which the release cannot ship")
                if not names <= needs.setdefault(mod, set()):
                    needs[mod] |= names
                    changed = True
    for name, roots in needs.items():
        code, _ = extract((catalog.SPECS_DIR / f"{name}.py").read_text(encoding="utf-8"), roots)
        header = f'"""Cut from the course\'s spec {name} for the student release: {", ".join(sorted(roots))} only."""\n'
        (probes / f"{name}.py").write_text(header + code, encoding="utf-8")


def build(out: Path) -> list[str]:
    """Write the release into ``out`` (which must be empty or new); returns the exercise ids released."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty: give a new folder, so nothing of yours is overwritten")
    pkg = out / "autograder"
    probes, expected = pkg / "probes", pkg / "expected"
    for d in (probes, expected):
        d.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED_AS_IS:
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PACKAGE_DIR / name, pkg / name)
    (pkg / "doctor" / "__init__.py").write_text('"""Only the graph walk of the gradient doctor (paths.py)."""\n')
    shutil.copy2(Path(__file__).with_name("released_checker.py"), pkg / "__init__.py")
    (probes / "__init__.py").write_text('"""The specs\' probes: how the checker calls an answer (no reference)."""\n')

    exercises = catalog.all_exercises()
    manifest: dict = {"seed": LEARNER_SEED, "exercises": {}}
    custom_probes = []
    for i, ex in enumerate(exercises):
        custom = getattr(ex.module, "probe", None) is not None
        if custom:
            custom_probes.append(ex.module.__name__.rsplit(".", 1)[-1])
        cases = ex.cases(LEARNER_SEED)
        arrays: dict[str, np.ndarray] = {}
        meta_cases = []
        for j, case in enumerate(cases):
            inputs, none_inputs = _arrays(f"case{j}", case, arrays)
            if none_inputs:
                raise ReleaseError(f"{ex.id}: case {j} has None inputs {none_inputs}")
            got, absent = _arrays(f"expected{j}", ex.probe(ex.reference, case), arrays)
            meta_cases.append({"inputs": inputs, "expected": got, "absent": absent})
        np.savez_compressed(expected / f"{ex.id}.npz", **arrays)
        manifest["exercises"][ex.id] = {
            "id": ex.id, "title": ex.title, "notebook": ex.notebook, "points": ex.points, "entry": ex.entry,
            "hints": list(ex.hints), "why": ex.why, "rtol": ex.rtol, "atol": ex.atol,
            "probe": ex.module.__name__.rsplit(".", 1)[-1] if custom else None,
            "wrt": list(getattr(ex.module, "WRT", ())) if not custom else [],
            "next": exercises[i + 1].id if i + 1 < len(exercises) else None,
            "cases": meta_cases,
        }
    _write_probes(custom_probes, probes)
    (expected / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")

    notebooks = []
    for name in catalog.notebooks():
        shutil.copy2(catalog.EXERCISES_DIR / name, out / name)
        notebooks.append(out / name)
    regenerate(notebooks, RELEASE_TEMPLATE)
    (out / "README.md").write_text(_readme(exercises), encoding="utf-8")
    return [ex.id for ex in exercises]


def _readme(exercises) -> str:
    lines = ["# Why is my gradient None? Exercises", "",
             "Start Jupyter in this folder (`jupyter lab`), open a notebook, edit the cell marked **answer** and run",
             "the notebook top to bottom: its last cell checks your fix and gives a hint when it is not right yet.",
             "You need Python with TensorFlow (the course is checked on TensorFlow "
             f"{_tf_pin()}) and NumPy.", "", "| notebook | exercise | points |", "|---|---|---|"]
    lines += [f"| {ex.notebook} | {ex.id}: {ex.title} | {ex.points} |" for ex in exercises]
    return "\n".join(lines) + "\n"


def _tf_pin() -> str:
    from .. import _release
    return _release.TENSORFLOW


def main(out_dir: str) -> int:
    from ..quiet import quiet_start
    quiet_start()  # the references run now: no TensorFlow start-up chatter in the instructor's terminal
    try:
        ids = build(Path(out_dir))
    except (ReleaseError, catalog.CatalogError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"student release of {len(ids)} exercises written to {out_dir} (no solutions, no references)")
    return 0
