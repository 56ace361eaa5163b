"""The website lists the exercise and solution notebooks in course order (the specs' SEQ), not alphabetically."""
from __future__ import annotations

from pathlib import Path

import yaml

from autograder import catalog

ROOT = Path(__file__).resolve().parents[1]


def _part(caption: str) -> list[str]:
    parts = yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]
    (part,) = [p for p in parts if p.get("caption") == caption]
    assert all("file" in ch for ch in part["chapters"]), f"{caption}: list each notebook as a file, not a glob"
    return [ch["file"] for ch in part["chapters"]]


def test_exercises_part_is_in_course_order():
    expected = [f"exercises/{Path(n).stem}" for n in catalog.notebooks()]
    assert _part("Exercises") == expected, "_toc.yml's Exercises part must list catalog.notebooks() in order"


def test_solutions_part_mirrors_exercises_part():
    assert _part("Solutions") == [f.replace("exercises/", "solutions/", 1) for f in _part("Exercises")]
