"""Combine the reports of ``grade --shard I/N`` runs into one report, equal to an unsharded run's."""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from .outcome import Outcome
from .report import JSON_FIELDS, summary, write_reports


def merge(reports: list[Path], out: Path) -> int:
    rows: dict[tuple, Outcome] = {}
    for folder in reports:
        try:
            data = json.loads((folder / "grades.json").read_text())
        except (OSError, ValueError) as exc:
            print(f"error: {folder} holds no readable grades.json ({exc})", file=sys.stderr)
            return 2
        for r in data:
            o = Outcome(**{k: r[k] for k in JSON_FIELDS if k in r})
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
    """One suite, as an unsharded run writes: every shard's test cases, in order, with the counts summed."""
    suites = ET.Element("testsuites")
    merged = None
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for f in files:
        if not f.exists():
            continue
        for suite in ET.parse(f).getroot().iter("testsuite"):
            if merged is None:
                merged = ET.SubElement(suites, "testsuite", dict(suite.attrib))
            for key in counts:
                counts[key] += int(suite.get(key, 0))
            seconds += float(suite.get("time", 0))
            merged.extend(suite.findall("testcase"))
    if merged is not None:
        cases = sorted(merged.findall("testcase"), key=lambda c: (c.get("classname", ""), c.get("name", "")))
        for case in list(merged):
            merged.remove(case)
        merged.extend(cases)
        merged.attrib.update({k: str(v) for k, v in counts.items()})
        merged.set("time", f"{seconds:.3f}")
    ET.ElementTree(suites).write(target, encoding="utf-8", xml_declaration=True)
