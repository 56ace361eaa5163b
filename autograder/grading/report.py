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
JSON_FIELDS = FIELDS + ["hint"]     # what `merge` needs to rebuild the feedback exactly
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value) -> str:
    """Any text (a folder name that is not UTF-8, a lone surrogate from a child) as valid, printable UTF-8."""
    text = value if isinstance(value, str) else str(value)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no file name produced: escape it
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _clean(o: Outcome) -> Outcome:
    return Outcome(clean_text(o.student), clean_text(o.exercise), clean_text(o.notebook), o.points, o.max_points,
                   clean_text(o.status), [clean_text(r) for r in o.reasons], [clean_text(n) for n in o.notes],
                   clean_text(o.hint), o.seconds)


def csv_cell(value):
    """A spreadsheet must never run a cell as a formula: text starting with = + - @ (or tab, CR) gets a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _safe_name(student: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", student).lstrip(".") or "_"


def write_reports(rows: list[Outcome], out: Path) -> None:
    rows = [_clean(o) for o in rows]
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for o in rows:
            r = o.as_row()
            w.writerow({k: csv_cell("; ".join(r[k]) if isinstance(r[k], list) else r[k]) for k in FIELDS})
    (out / "grades.json").write_text(json.dumps([{k: o.as_row()[k] for k in JSON_FIELDS} for o in rows], indent=1),
                                     encoding="utf-8")
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    by_student: dict[str, list[Outcome]] = defaultdict(list)
    for o in rows:
        by_student[o.student].append(o)
    used: set[str] = set()
    for student, outs in sorted(by_student.items()):
        name = _safe_name(student)
        if name in used:  # "a b" and "a_b": both get their own file
            name = f"{name}-{zlib.crc32(student.encode('utf-8', 'backslashreplace')):08x}"
        used.add(name)
        (feedback / f"{name}.md").write_text(feedback_text(student, outs), encoding="utf-8")


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
