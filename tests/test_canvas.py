"""Canvas's gradebook import CSV from a report folder and the roster Canvas exports."""
from __future__ import annotations

import csv
import json

import pytest

from autograder import catalog
from autograder.__main__ import main as cli
from autograder.lms.canvas import CanvasError, safe_cell, write

ROSTER = [
    ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Old assignment (11)"],
    ["    Points Possible", "", "", "", "", "10"],
    ["Doe, John", "1001", "S100", "jdoe", "Sec A", "5"],
    ["Roe, Rita", "1002", "S123", "rroe", "Sec A", ""],
    ["Doe, Jane", "4567", "S200", "jadoe", "Sec B", ""],
    ["=HYPERLINK(\"http://evil\")", "1004", "S300", "evil", "@Sec", ""],
    ["Nobody, No", "1005", "S400", "nobody", "Sec B", ""],
    ["Twin, One", "1006", "S500", "twin", "Sec B", ""],
    ["Twin, Two", "1007", "S501", "twin", "Sec B", ""],
]


def _report(tmp_path, students: dict[str, list[tuple[str, float]]]):
    rows = []
    for student, got in students.items():
        for ex_id, points in got:
            ex = catalog.get(ex_id)
            rows.append({"student": student, "exercise": ex_id, "notebook": ex.notebook, "points": points,
                         "max_points": ex.points, "status": "passed" if points else "failed", "reasons": [],
                         "notes": [], "seconds": 1.0})
    report = tmp_path / "report"
    report.mkdir()
    (report / "grades.json").write_text(json.dumps(rows))
    return report


@pytest.fixture
def files(tmp_path):
    report = _report(tmp_path, {
        "jdoe": [("casts-1", 2), ("casts-2", 0)],                   # SIS Login ID
        "S123": [("casts-1", 2), ("casts-2", 2)],                   # SIS User ID
        "doejane_4567_99881_casts-1": [("casts-1", 2)],             # Canvas's download name: name_ID_subid_file
        "evil": [("casts-1", 0)],
        "=1+1": [("casts-1", 2)],                                   # matches nobody
        "twin": [("casts-1", 2)],                                   # two roster rows share the login
    })
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8-sig") as f:   # Canvas writes a BOM
        csv.writer(f).writerows(ROSTER)
    return report, roster, tmp_path / "import.csv"


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_import_csv_columns_points_and_matching(files):
    report, roster, out = files
    m, written = write(report, roster, out, "Gradients (42)")
    rows = _read(out)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Gradients (42)"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == "4"   # casts-1 + casts-2 = 2 + 2
    by_login = {r[3]: r for r in rows[2:]}
    assert len(rows) - 2 == len(ROSTER) - 2, "every roster student keeps a row"
    assert by_login["jdoe"][5] == "2" and by_login["rroe"][5] == "4" and by_login["jadoe"][5] == "2"
    assert by_login["evil"][5] == "0"
    assert by_login["nobody"][5] == "" and written == 4
    assert m.unmatched == ["=1+1"] and "twin" in m.ambiguous


def test_formula_injection_is_neutralised(files):
    report, roster, out = files
    write(report, roster, out, "=SUM(A1)")
    cells = [c for r in _read(out) for c in r]
    assert not any(c.startswith(("=", "+", "@")) for c in cells), cells
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'@Sec" in cells and "'=SUM(A1)" in cells
    assert safe_cell("-2") == "'-2" and safe_cell("2") == "2" and safe_cell(None) == ""


def test_cli_reports_unmatched_students(files, capsys):
    report, roster, out = files
    code = cli(["canvas", str(report), "--roster", str(roster), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and out.is_file()
    assert "=1+1: matches no student" in err and "twin: matches several roster students" in err


def test_bad_roster_is_a_clear_error(tmp_path, files):
    report, _, out = files
    bad = tmp_path / "bad.csv"
    bad.write_text("name,score\nalice,3\n")
    with pytest.raises(CanvasError, match="not a Canvas gradebook export"):
        write(report, bad, out, "A")
    with pytest.raises(CanvasError, match="grades.json"):
        write(tmp_path / "nope", bad, out, "A")


def test_grade_refuses_canvas_csv_without_roster(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    assert cli(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "r"), "--canvas-csv", "x.csv"]) == 2
    assert "needs --roster" in capsys.readouterr().err


def test_grade_writes_the_canvas_csv(tmp_path, capsys):
    from .conftest import ROOT
    subs = tmp_path / "subs" / "jdoe"
    subs.mkdir(parents=True)
    (subs / "casts-1.ipynb").write_bytes((ROOT / "solutions" / "casts-1.ipynb").read_bytes())
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="") as f:
        csv.writer(f).writerows(ROSTER[:3])
    out = tmp_path / "import.csv"
    assert cli(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "report"), "--no-progress",
                "--canvas-csv", str(out), "--roster", str(roster)]) == 0
    rows = _read(out)
    assert rows[1][5] == "2" and rows[2][3] == "jdoe" and rows[2][5] == "2"
