"""Finding submissions: one folder per student, or a flat folder of LMS downloads (``student_exercise.ipynb``)."""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from .. import catalog


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    release: str | None      # the released notebook it answers; None when the name matches none
    problem: str | None = None

    @property
    def key(self) -> str:
        return f"{self.student}/{self.path}"


JUNK = frozenset((".ipynb_checkpoints", "__MACOSX", ".git", "__pycache__", ".DS_Store", ".venv"))


def _match_release(filename: str, releases: list[str]) -> tuple[str | None, str]:
    """(release, prefix) for ``prefix + release`` names; longest release first so 'a-10' beats 'a-1'... ."""
    for release in sorted(releases, key=len, reverse=True):
        if filename == release:
            return release, ""
        if filename.endswith(release):
            prefix = filename[: -len(release)].rstrip("_- .")
            if prefix:
                return release, prefix
    return None, filename.rsplit(".", 1)[0]


def _walk(root: Path) -> list[Path]:
    """Every file and symbolic link under ``root``, sorted; linked folders are listed, not entered."""
    out = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        base = Path(folder)
        out += [base / d for d in dirs if (base / d).is_symlink()]
        out += [base / f for f in files]
    return sorted(out)


def discover(root: Path, releases: list[str] | None = None) -> list[Submission]:
    """Every submitted file under ``root``, each becoming at least one report row, in a stable order."""
    releases = releases if releases is not None else catalog.notebooks()
    expected = ", ".join(releases)
    found: list[Submission] = []
    seen: dict[tuple[str, str], Path] = {}
    for path in _walk(root):
        rel = path.relative_to(root)
        # Tools' leftovers are skipped; anything else, dot-names included (".alice/"), is somebody's work.
        if JUNK.intersection(rel.parts) or path.name.endswith("-checkpoint.ipynb"):
            continue
        link = path.is_symlink()
        if not link and not path.is_file():
            continue
        release, prefix = _match_release(path.name, releases)
        if len(rel.parts) > 1:
            student = rel.parts[0]                       # alice/casts-1.ipynb, alice/week1/casts-1.ipynb
        else:
            student = prefix if release else path.stem   # alice_casts-1.ipynb
        problem = None
        if link:
            # Never followed: a link to the solutions (or to /dev/zero) must not be read as a submission.
            problem = f"{rel} is a symbolic link, not a file: hand in the notebook itself"
        elif release is None:
            problem = f"file name {path.name!r} matches no released notebook (expected one of: {expected})"
        elif release and not prefix and len(rel.parts) == 1:
            problem = f"{path.name} is not in a student's folder and its name carries no student name"
        if release and problem is None and (student, release) in seen:
            first = seen[(student, release)]
            problem = (f"a second {release} from {student} ({rel}); only the first one, "
                       f"{first}, is graded: remove the other copy")
            release = None
        elif release and problem is None:
            seen[(student, release)] = rel
        found.append(Submission(student, path, release, problem))
    # A student's folder with nothing in it to grade still gets its row.
    students = {s.student for s in found}
    for entry in sorted(root.iterdir()) if root.is_dir() else []:
        if entry.is_dir() and not entry.is_symlink() and entry.name not in JUNK and entry.name not in students:
            found.append(Submission(entry.name, entry, None, f"the folder {entry.name}/ holds no notebook to grade"))
    return found


def shard(items: list[Submission], index: int, count: int) -> list[Submission]:
    """A deterministic slice by student, so a student's notebooks land in one shard whatever the order."""
    return [s for s in items if zlib.crc32(os.fsencode(s.student)) % count == index - 1]
