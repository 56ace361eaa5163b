"""The score writer: grades.csv, grades.json, per-student feedback, and a summary table for the terminal."""
from __future__ import annotations

import csv
import json
import re
import zlib
from collections import defaultdict
from pathlib import Path

from .. import catalog
from .outcome import Outcome

FIELDS = ["student", "exercise", "notebook", "points", "max_points", "status", "reasons", "notes", "seconds"]


def _safe_name(student: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", student) or "_"


def write_reports(rows: list[Outcome], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for o in rows:
            r = o.as_row()
            w.writerow({k: "; ".join(r[k]) if isinstance(r[k], list) else r[k] for k in FIELDS})
    (out / "grades.json").write_text(json.dumps([{k: o.as_row()[k] for k in FIELDS} for o in rows], indent=1))
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    by_student: dict[str, list[Outcome]] = defaultdict(list)
    for o in rows:
        by_student[o.student].append(o)
    used: set[str] = set()
    for student, outs in sorted(by_student.items()):
        name = _safe_name(student)
        if name in used:  # "a b" and "a_b": both get their own file
            name = f"{name}-{zlib.crc32(student.encode()):08x}"
        used.add(name)
        (feedback / f"{name}.md").write_text(feedback_text(student, outs))


def feedback_text(student: str, outs: list[Outcome]) -> str:
    got = sum(o.points for o in outs)
    total = sum(o.max_points for o in outs)
    lines = [f"# Feedback for {student}", "", f"**Total: {got:g} / {total:g} points**", ""]
    for o in outs:
        title = catalog.get(o.exercise).title if o.exercise in {e.id for e in catalog.all_exercises()} else ""
        lines.append(f"## {o.exercise}{' · ' + title if title else ''} ({o.points:g}/{o.max_points:g}, {o.status})")
        lines.append("")
        for r in o.reasons:
            lines.append(f"- Lost points: {r}")
        for n in o.notes:
            lines.append(f"- Note: {n}")
        if o.hint:
            lines.append(f"- Hint: {o.hint}")
        if o.status == "passed":
            lines.append("- Solved.")
        lines.append("")
    return "\n".join(lines)


def summary(rows: list[Outcome]) -> str:
    """A per-exercise table: submissions, pass rate, mean points."""
    per: dict[str, list[Outcome]] = defaultdict(list)
    for o in rows:
        per[o.exercise].append(o)
    head = f"{'exercise':<20} {'graded':>6} {'passed':>6} {'pass rate':>9} {'errors':>6}"
    lines = [head, "-" * len(head)]
    for ex, outs in sorted(per.items()):
        passed = sum(o.status == "passed" for o in outs)
        errors = sum(o.status in ("error", "timeout") for o in outs)
        lines.append(f"{ex:<20} {len(outs):>6} {passed:>6} {passed / len(outs):>8.0%} {errors:>6}")
    return "\n".join(lines)
