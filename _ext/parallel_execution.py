"""Execute the chapters that are not in the execution cache yet on every core, before Sphinx reads them.

myst-nb's "cache" mode runs each notebook page when Sphinx reads it, one after the other: on 2 cores a clean
build ran ~25 pages in series, each mostly a kernel importing TensorFlow. Just before the read starts, this
extension runs those pages side by side (one kernel per core, each page with exactly the arguments myst-nb would
use) and stores the successes in the same jupyter-cache, so the read finds them cached. A page that fails here
is not stored: myst-nb then runs it again itself and reports the failure as usual, so `-W` builds still fail on
it. Pages already cached, excluded from execution or without code cells are left to myst-nb as before.
"""
from __future__ import annotations

import fnmatch
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def _execute(path: str, timeout: int, allow_errors: bool):
    """In a worker process: the executed notebook and its time, or None and the error's text."""
    from jupyter_cache.executors.utils import single_nb_execution
    from myst_nb.core.read import read_myst_markdown_notebook
    nb = read_myst_markdown_notebook(Path(path).read_text(encoding="utf-8"))
    result = single_nb_execution(nb, cwd=str(Path(path).parent), allow_errors=allow_errors, timeout=timeout,
                                 meta_override=True)
    if result.err is not None:
        return path, None, result.time, f"{type(result.err).__name__}: {result.err}"[:500]
    return path, nb, result.time, None


def _pending(app, config, cache, docnames) -> list[str]:
    from myst_nb.core.read import read_myst_markdown_notebook
    out = []
    for docname in docnames:
        path = Path(app.env.doc2path(docname))
        rel = path.relative_to(app.srcdir).as_posix()
        if path.suffix != ".md" or any(fnmatch.fnmatch(rel, p) for p in config.execution_excludepatterns):
            continue
        text = path.read_text(encoding="utf-8")
        if "```{code-cell}" not in text:
            continue
        try:
            cache.match_cache_notebook(read_myst_markdown_notebook(text))
        except KeyError:
            out.append(str(path))
    return out


def _run_pending(app, env, docnames) -> None:
    config = getattr(env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache" or not config.execution_cache_path:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    cache = get_cache(config.execution_cache_path)
    # The longest pages first (size is a fair guess on a clean build), so none of them is left to run alone at the end.
    pending = sorted(_pending(app, config, cache, docnames), key=lambda p: -os.path.getsize(p))
    workers = min(len(pending), os.cpu_count() or 1)
    if workers < 2:
        return   # nothing to gain: myst-nb runs the page itself
    LOGGER.info(f"executing {len(pending)} pages on {workers} cores before reading them")
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        jobs = [pool.submit(_execute, p, config.execution_timeout, config.execution_allow_errors) for p in pending]
        for job in jobs:
            path, nb, seconds, error = job.result()
            rel = Path(path).relative_to(app.srcdir).as_posix()
            if nb is None:
                LOGGER.info(f"  {rel} failed here ({error}); myst-nb runs it again and reports it")
                continue
            record = cache.add_nb_to_project(path)
            cache.cache_notebook_bundle(CacheBundleIn(nb, record.uri, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            LOGGER.info(f"  {rel}: {seconds:.1f} s")
    LOGGER.info(f"executed {len(pending)} pages in {time.perf_counter() - start:.1f} s")


def setup(app):
    app.connect("env-before-read-docs", _run_pending)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
