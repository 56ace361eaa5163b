"""Gradescope: ``python -m autograder gradescope OUT.zip`` builds an autograder bundle, and the bundle's
``run_autograder`` grades one student's submission into ``results/results.json`` in Gradescope's documented format
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): one test per exercise with score, max_score,
name, output and visibility; a top-level score, execution_time, output and stdout_visibility.

The bundle holds setup.sh, run_autograder and ``course/`` (the grader, its specs and the released exercises: no
solutions, no tests). Each bundle gets its own grading seed, so the hidden inputs are not those of the public
course; they never appear in results.json (see ``redact``).

Gradescope's layout is /autograder/{source,submission,results}; GRADESCOPE_ROOT moves it (tests use a temporary
folder), and GRADESCOPE_PYTHON names the interpreter run_autograder uses (default: the venv setup.sh made).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from .. import catalog

VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
CONFIG = "gradescope.json"
# What the course needs to grade, besides its package: the released notebooks (splicing) and the pins.
COURSE_FILES = ("pyproject.toml", "README.md", "requirements.txt")

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image: the pinned grader in its own venv.
set -euo pipefail
apt-get update -q && apt-get install -y -q python3 python3-venv python3-pip bubblewrap
python3 -m venv /autograder/venv
# requirements.txt pins every version (TensorFlow, Keras, ...); -c applies the pins without installing the rest.
/autograder/venv/bin/pip install -q -c /autograder/source/course/requirements.txt pytest \\
    -e /autograder/source/course
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes results/results.json (see autograder/lms/gradescope.py).
set -uo pipefail
ROOT="${GRADESCOPE_ROOT:-/autograder}"
PY="${GRADESCOPE_PYTHON:-/autograder/venv/bin/python}"
cd "$ROOT/source/course"
PYTHONPATH="$ROOT/source/course" exec "$PY" -m autograder.lms.gradescope run
"""


class BundleError(Exception):
    pass


def build_bundle(out_zip: Path, notebooks: list[str] | None = None, visibility: str = "visible",
                 seed: int | None = None) -> dict:
    """Write the bundle; returns its configuration (notebooks graded, visibility, seed)."""
    known = catalog.notebooks()
    notebooks = list(notebooks or known)
    unknown = [n for n in notebooks if n not in known]
    if unknown:
        raise BundleError(f"not released notebooks: {', '.join(unknown)} (known: {', '.join(known)})")
    if visibility not in VISIBILITY:
        raise BundleError(f"visibility must be one of {', '.join(VISIBILITY)}, got {visibility!r}")
    config = {"notebooks": notebooks, "visibility": visibility,
              "seed": seed if seed is not None else secrets.randbelow(2**31)}
    root = catalog.REPO_ROOT
    out_zip = Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16   # executable, as Gradescope expects
            zf.writestr(info, text)
        zf.writestr(f"course/{CONFIG}", json.dumps(config, indent=1))
        for name in COURSE_FILES:
            zf.write(root / name, f"course/{name}")
        for path in sorted((root / "autograder").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                zf.write(path, f"course/{path.relative_to(root).as_posix()}")
        for name in known:
            zf.write(catalog.EXERCISES_DIR / name, f"course/exercises/{name}")
    return config


# --------------------------------------------------------------------------------------- inside Gradescope

_LONG_NUMBER = re.compile(r"[-+]?(?:\d*\.\d{3,}(?:[eE][-+]?\d+)?|\d+(?:\.\d+)?[eE][-+]?\d+)")


def redact(text: str) -> str:
    """No number with three or more decimals (or an exponent) leaves the grader: the hidden inputs are float
    arrays, and a submission may put them into an exception message. The course's own messages use 2 digits.
    Integers (shapes, integer labels) are left alone: they tell a student little and the messages need them."""
    return _LONG_NUMBER.sub("…", text)


def _test(ex, row: dict | None, visibility: str) -> dict:
    name = f"{ex.id}: {ex.title}"
    if row is None:
        return {"name": name, "score": 0, "max_score": ex.points, "status": "failed", "visibility": visibility,
                "output": f"{ex.notebook} is not in your submission: upload it with this name."}
    lines = ["Solved."] if row["status"] == "passed" else [f"Not solved ({row['status']}):"]
    lines += [f"- {r}" for r in row["reasons"]] + [f"- note: {n}" for n in row["notes"]]
    if row["status"] != "passed":
        lines.append(f"Hint: {ex.hints[0]}")
    return {"name": name, "score": row["points"], "max_score": row["max_points"],
            "status": "passed" if row["status"] == "passed" else "failed", "visibility": visibility,
            "output": redact("\n".join(lines))}


def results(rows: list[dict], config: dict, seconds: float, general: list[str]) -> dict:
    """Gradescope's results.json from the grader's rows (grades.json) for one student."""
    wanted = [ex for ex in catalog.all_exercises() if ex.notebook in config["notebooks"]]
    by_id = {r["exercise"]: r for r in rows}
    tests = [_test(ex, by_id.get(ex.id), config["visibility"]) for ex in wanted]
    for r in rows:  # files the grader could not match to an exercise: said, never dropped
        if r["exercise"] not in {ex.id for ex in wanted}:
            general.append(f"{r['notebook']}: {'; '.join(r['reasons']) or r['status']}")
    score = sum(t["score"] for t in tests)
    return {"score": score, "execution_time": round(seconds, 1), "visibility": config["visibility"],
            "stdout_visibility": "hidden", "output": redact("\n".join(general) or
                                                            f"{score:g} of {sum(t['max_score'] for t in tests)} points."),
            "tests": tests}


def run(root: Path) -> int:
    """Grade ``root/submission`` with the course in ``root/source/course`` into ``root/results/results.json``."""
    start = time.time()
    course = root / "source" / "course"
    config = json.loads((course / CONFIG).read_text())
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    general: list[str] = []
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "submissions" / "student"
        subs.mkdir(parents=True)
        found = [p for p in sorted((root / "submission").rglob("*.ipynb"))
                 if "__MACOSX" not in p.parts and not p.name.endswith("-checkpoint.ipynb")]
        first: dict[str, Path] = {}
        for p in found:
            if p.name in first:
                general.append(f"two files named {p.name}; only {first[p.name].relative_to(root)} is graded")
                continue
            first[p.name] = p
            shutil.copyfile(p, subs / p.name)    # a copy, never a link: the grader does not follow links
        if not found:
            general.append("No notebook (.ipynb) in the submission: upload your exercise notebooks.")
        else:
            report = Path(tmp) / "report"
            from ..sandbox.jail import check as jail_problem
            # Gradescope runs every submission in a container of its own; where its Docker settings forbid
            # bubblewrap's namespaces, that container is the isolation left, and the grader is told so.
            why = jail_problem()
            if why:
                print(f"note: no jail in this container ({why}); grading with --insecure")  # instructor only
            proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs.parent), "--out", str(report),
                                   "--seed", str(config["seed"]), "--no-progress", *(["--insecure"] if why else [])],
                                  cwd=course)
            print(f"grader exit code {proc.returncode}")   # stdout: for the instructor only
            if (report / "grades.json").is_file():
                rows = json.loads((report / "grades.json").read_text())
            else:
                general.append("The grader failed before writing a report; ask your instructor to look at it.")
    doc = results(rows, config, time.time() - start, general)
    out.write_text(json.dumps(doc, indent=1))
    print(f"results.json: {doc['score']:g} points, {len(doc['tests'])} tests")
    return 0


def main(out_zip: str, notebooks: list[str] | None, visibility: str, seed: int | None) -> int:
    try:
        config = build_bundle(Path(out_zip), notebooks, visibility, seed)
    except BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Gradescope bundle written to {out_zip}: {len(config['notebooks'])} notebooks, visibility "
          f"{config['visibility']}, grading seed {config['seed']} (kept in the bundle; upload the zip as is)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["run"]:
        sys.exit(run(Path(os.environ.get("GRADESCOPE_ROOT", "/autograder"))))
    sys.exit("usage: python -m autograder.lms.gradescope run   (inside Gradescope; build with "
             "`python -m autograder gradescope OUT.zip`)")
