"""The exercise catalog.

Each exercise is one module in ``autograder/specs/``: its metadata (id, title, points, hints, ...) and its
checks (hidden inputs, probe, reference) live together there, and everything else (book, learner check,
grader, tests) reads them through this module. Adding an exercise = adding one spec module + its notebooks.
"""
from __future__ import annotations

import importlib
import pkgutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable

import numpy as np

from . import specs as _specs_pkg

REPO_ROOT = Path(__file__).resolve().parent.parent
EXERCISES_DIR = REPO_ROOT / "exercises"
SOLUTIONS_DIR = REPO_ROOT / "solutions"
SPECS_DIR = Path(_specs_pkg.__file__).parent

_REQUIRED = ("ID", "TITLE", "CHAPTER", "NOTEBOOK", "POINTS", "ENTRY", "HINTS", "WHY", "SEQ", "cases", "reference")


class CatalogError(Exception):
    pass


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    chapter: str            # book page name, e.g. "casts" -> book/casts.md
    notebook: str           # released file name in exercises/ (and solutions/)
    points: int
    entry: str              # the name the learner's answer cell must define
    hints: tuple[str, ...]  # staged: gentle first, specific last
    why: str                # shown once solved
    seq: float              # position in the course
    module: ModuleType = field(repr=False, compare=False)
    cause: str = ""         # the gradient doctor's cause for the broken version (see autograder.doctor)
    rtol: float = 1e-4
    atol: float = 1e-5

    def cases(self, seed: int) -> list[dict[str, np.ndarray]]:
        """Hidden inputs, derived only from ``seed`` and the id, so grading is reproducible."""
        return self.module.cases(np.random.default_rng([seed, zlib.crc32(self.id.encode())]))

    @property
    def probe(self) -> Callable:
        from .probe import generic_probe
        return getattr(self.module, "probe", None) or generic_probe(getattr(self.module, "WRT", ()))

    @property
    def reference(self) -> Callable:
        return self.module.reference


def _load(module: ModuleType) -> Exercise:
    missing = [name for name in _REQUIRED if not hasattr(module, name)]
    if missing:
        raise CatalogError(f"spec {module.__name__} lacks {', '.join(missing)}")
    m = module
    return Exercise(id=m.ID, title=m.TITLE, chapter=m.CHAPTER, notebook=m.NOTEBOOK, points=int(m.POINTS),
                    entry=m.ENTRY, hints=tuple(m.HINTS), why=m.WHY, seq=float(m.SEQ), module=m,
                    cause=getattr(m, "CAUSE", ""), rtol=getattr(m, "RTOL", 1e-4), atol=getattr(m, "ATOL", 1e-5))


_CACHE: dict[str, Exercise] | None = None


def all_exercises() -> list[Exercise]:
    """Every exercise, in course order."""
    global _CACHE
    if _CACHE is None:
        found: dict[str, Exercise] = {}
        for info in pkgutil.iter_modules([str(SPECS_DIR)]):
            if info.name.startswith("_"):
                continue
            ex = _load(importlib.import_module(f"{_specs_pkg.__name__}.{info.name}"))
            if ex.id in found:
                raise CatalogError(f"exercise id {ex.id!r} is defined twice")
            found[ex.id] = ex
        _CACHE = dict(sorted(found.items(), key=lambda kv: (kv[1].seq, kv[0])))
    return list(_CACHE.values())


def get(exercise_id: str) -> Exercise:
    for ex in all_exercises():
        if ex.id == exercise_id:
            return ex
    known = ", ".join(e.id for e in all_exercises())
    raise CatalogError(f"unknown exercise {exercise_id!r}; known exercises: {known}")


def by_notebook(name: str) -> list[Exercise]:
    """The exercises whose answers live in the released notebook ``name``."""
    return [ex for ex in all_exercises() if ex.notebook == name]


def notebooks() -> list[str]:
    """Released notebook names, in course order, each once."""
    return list(dict.fromkeys(ex.notebook for ex in all_exercises()))


def next_after(exercise_id: str) -> Exercise | None:
    exs = all_exercises()
    ids = [e.id for e in exs]
    i = ids.index(exercise_id)
    return exs[i + 1] if i + 1 < len(exs) else None
