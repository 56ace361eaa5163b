"""The checker installed without the course around it (Colab, ``pip install`` of the package): there is no
exercises/ folder next to the package, so the CLI checks a notebook against itself and "Next:" names a place
that exists."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .. import _release, catalog


def where(notebook: str) -> str:
    """Where a learner finds ``notebook``, as a path that exists from where they are: relative to the current
    folder in a clone (exercises/NAME from the repository, NAME from exercises/), the file next to them if they
    have it, otherwise its Colab link at the installed release (a pip install has no exercises/)."""
    here = Path.cwd()
    target = catalog.EXERCISES_DIR / notebook
    if target.is_file():
        rel = os.path.relpath(target, here)
        return rel if not rel.startswith(os.pardir + os.sep + os.pardir) else str(target)
    if (here / notebook).is_file():
        return notebook
    repo = _release.REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{repo}/blob/v{_release.VERSION}/exercises/{notebook}"


def own_releases(notebooks: dict[Path, str]) -> Path | None:
    """Without exercises/ (a pip install), a learner's own notebook serves as its release: a temporary folder
    with each one under its release name. None when the course's exercises/ is there (the usual case).
    Only for a learner checking their own work: grading always splices into the real releases."""
    if catalog.EXERCISES_DIR.is_dir():
        return None
    folder = Path(tempfile.mkdtemp(prefix="course-releases-"))
    for path, release in notebooks.items():
        if not (folder / release).exists():
            shutil.copyfile(path, folder / release)
    return folder
