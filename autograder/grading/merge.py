"""Combine the reports of ``grade --shard I/N`` runs into one report, equal to an unsharded run's."""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from .outcome import Outcome
from .report import FIELDS, summary, write_reports


def merge(reports: list[Path], out: Path) -> int:
    rows: dict[tuple, Outcome] = {}
    for folder in reports:
        try:
            data = json.loads((folder / "grades.json").read_text())
        except (OSError, ValueError) as exc:
            print(f"error: {folder} holds no readable grades.json ({exc})", file=sys.stderr)
            return 2
        for r in data:
            o = Outcome(**{k: r[k] for k in FIELDS})
            rows[(o.student, o.exercise, o.notebook)] = o
    ordered = sorted(rows.values(), key=lambda o: (o.student, o.exercise, o.notebook))
    write_reports(ordered, out)
    _merge_junit([f / "junit.xml" for f in reports], out / "junit.xml")
    lines = set()
    for folder in reports:
        if (folder / "sandbox.txt").exists():
            lines |= set((folder / "sandbox.txt").read_text().splitlines())
    (out / "sandbox.txt").write_text("".join(f"{line}\n" for line in sorted(lines)))
    print(summary(ordered))
    print(f"\n{len(ordered)} rows from {len(reports)} reports written to {out / 'grades.csv'}")
    return 0


def _merge_junit(files: list[Path], target: Path) -> None:
    suites = ET.Element("testsuites")
    for f in files:
        if f.exists():
            root = ET.parse(f).getroot()
            suites.extend(root.iter("testsuite"))
    ET.ElementTree(suites).write(target, encoding="utf-8", xml_declaration=True)
