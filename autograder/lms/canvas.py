"""Canvas: the gradebook import CSV from a finished grading report.

``python -m autograder canvas REPORT_DIR --roster ROSTER.csv --out FILE`` (or ``grade ... --canvas-csv FILE
--roster ROSTER.csv``). ROSTER.csv is the gradebook Canvas exports (Grades > Export): its columns Student, ID,
SIS User ID, SIS Login ID and Section identify each student. The import file has those five columns, then one
assignment column with each student's total, and a "Points Possible" row.

A report's student is the name of their submission folder, or the prefix of a flat file name (Canvas's own
download names files ``name_CANVASID_SUBMISSIONID_file.ipynb``). It is matched to the roster by SIS Login ID, SIS
User ID or Canvas ID, as the whole name or as one of its ``_``-separated parts. Students that match no roster row,
or more than one, are listed (stderr and the returned summary) and never silently dropped; roster students with
no submission keep an empty cell (Canvas then leaves their grade as it is).
"""
from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .. import catalog

ID_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MATCH_COLUMNS = ("SIS Login ID", "SIS User ID", "ID")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CanvasError(Exception):
    pass


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP's CSV injection advice: prefix a quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def read_roster(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CanvasError(f"cannot read the roster {path}: {exc}") from None
    if not rows or not set(MATCH_COLUMNS) & set(rows[0]):
        raise CanvasError(f"{path} is not a Canvas gradebook export: it needs the columns "
                          f"{', '.join(ID_COLUMNS)} (Grades > Export in Canvas)")
    # Canvas's export carries a "Points Possible" row and sometimes a test student: neither is a student.
    return [r for r in rows if (r.get("Student") or "").strip() not in ("Points Possible", "Student, Test")]


@dataclass
class Matching:
    by_row: dict[int, str] = field(default_factory=dict)          # roster row index -> report student
    unmatched: list[str] = field(default_factory=list)            # report students found in no roster row
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # report student -> roster students
    duplicate: dict[str, list[str]] = field(default_factory=dict)  # roster student -> report students


def match(students: list[str], roster: list[dict]) -> Matching:
    m = Matching()
    index: dict[str, set[int]] = defaultdict(set)
    for i, row in enumerate(roster):
        for col in MATCH_COLUMNS:
            key = (row.get(col) or "").strip().lower()
            if key:
                index[key].add(i)
    claimed: dict[int, list[str]] = defaultdict(list)
    for s in students:
        name = s.strip().lower()
        hits = index.get(name) or set().union(*(index.get(part, set()) for part in name.split("_") if part))
        if not hits:
            m.unmatched.append(s)
        elif len(hits) > 1:
            m.ambiguous[s] = [roster[i].get("Student", "") for i in sorted(hits)]
        else:
            claimed[hits.pop()].append(s)
    for i, who in claimed.items():
        if len(who) > 1:
            m.duplicate[roster[i].get("Student", "")] = who
        else:
            m.by_row[i] = who[0]
    return m


def totals(report_dir: Path) -> tuple[dict[str, float], float]:
    """({student: points}, points possible) from a report folder's grades.json."""
    try:
        rows = json.loads((Path(report_dir) / "grades.json").read_text())
    except (OSError, ValueError) as exc:
        raise CanvasError(f"cannot read {Path(report_dir) / 'grades.json'} (a folder written by `grade`): {exc}") from None
    known = {ex.id: ex.points for ex in catalog.all_exercises()}
    points: dict[str, float] = defaultdict(float)
    graded = set()
    for r in rows:
        points[r["student"]] += float(r["points"])
        if r["exercise"] in known:
            graded.add(r["exercise"])
    return dict(points), float(sum(known[e] for e in graded))


def write(report_dir: Path, roster_path: Path, out: Path, assignment: str) -> tuple[Matching, int]:
    """Write the import CSV; returns the matching and the number of grades written."""
    scores, possible = totals(report_dir)
    roster = read_roster(roster_path)
    m = match(sorted(scores), roster)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*ID_COLUMNS, safe_cell(assignment)])
        w.writerow(["Points Possible", "", "", "", "", f"{possible:g}"])
        for i, row in enumerate(roster):
            student = m.by_row.get(i)
            w.writerow([safe_cell(row.get(c, "")) for c in ID_COLUMNS]
                       + ["" if student is None else f"{scores[student]:g}"])
    return m, len(m.by_row)


def problems(m: Matching) -> list[str]:
    out = [f"{s}: matches no student of the roster (by SIS Login ID, SIS User ID or Canvas ID)" for s in m.unmatched]
    out += [f"{s}: matches several roster students ({', '.join(r)}): give their folder the SIS login"
            for s, r in m.ambiguous.items()]
    out += [f"{r}: matched by several submissions ({', '.join(s)}): no grade written for them"
            for r, s in m.duplicate.items()]
    return out


def main(report_dir: str, roster: str, out: str, assignment: str) -> int:
    try:
        m, written = write(Path(report_dir), Path(roster), Path(out), assignment)
    except CanvasError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{written} grades written to {out} for Canvas (Grades > Import)")
    issues = problems(m)
    for p in issues:
        print(f"not in the import: {p}", file=sys.stderr)
    return 1 if issues else 0
