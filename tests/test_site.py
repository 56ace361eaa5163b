"""The published website, checked as a reader sees it.

The site is built first if it is missing or older than its sources (the same command as `make book`, using the
execution cache), so `make test` needs nothing else. Then:

* every internal link and #anchor resolves (tests/linkcheck.py; no browser needed);
* in headless Chromium, driven by Playwright, served from a local http.server on 127.0.0.1: every page loads with
  no console error and no failed request for its own assets, every chapter shows executed outputs, search finds
  results, and the next / previous links walk the whole book in order. Screenshots of the landing page and of a
  chapter go to _build/test-artifacts/.

Without the Python package `playwright` or a Chromium binary the browser tests are skipped, with the reason; when
the environment variable CI is set they fail instead. Chromium is looked up as $CHROMIUM, /usr/bin/chromium, then
`chromium`, `chromium-browser`, `google-chrome` on PATH.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from tests.linkcheck import broken_links, html_pages

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "_build" / "test-artifacts"
# Everything the built site is made from. Newer than the last build -> build again.
SOURCES = ["_config.yml", "_toc.yml", "requirements.txt", "book", "exercises", "solutions", "_ext", "autograder"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


# --------------------------------------------------------------------------------------------- building the site

def _newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        for f in files:
            if "__pycache__" in f.parts or ".ipynb_checkpoints" in f.parts:
                continue
            newest = max(newest, f.stat().st_mtime)
    return newest


def _site_is_fresh() -> bool:
    stamp = HTML / ".buildinfo"  # rewritten by every Sphinx HTML build
    return (HTML / "index.html").is_file() and stamp.is_file() and stamp.stat().st_mtime >= _newest_source_mtime()


@functools.lru_cache(maxsize=None)
def build_site() -> Path:
    """Build the book like `make book` (same flags, same execution cache) unless the built site is up to date.

    COURSE_SITE=/path/to/html tests an already built site as it is (e.g. the book workflow, right after
    `make book`)."""
    if os.environ.get("COURSE_SITE"):
        return Path(os.environ["COURSE_SITE"]).resolve()
    if _site_is_fresh():
        return HTML
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", ".", "-W", "-n", "--keep-going"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        log = (proc.stdout + proc.stderr).splitlines()
        warnings = [line for line in log if re.search(r"WARNING|ERROR", line) and "IPKernelApp" not in line]
        pytest.fail("the book build (`make book`) failed:\n" + "\n".join((warnings or log)[-40:]), pytrace=False)
    return HTML


@pytest.fixture(scope="session")
def site() -> Path:
    return build_site()


def toc_parts() -> list[dict]:
    return yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]


def _notebook_source(page: Path, site_root: Path) -> str | None:
    """The MyST notebook source of a book/ page, if it has code cells (such a page must show executed results)."""
    rel = page.relative_to(site_root)
    if rel.parts[0] != "book":
        return None
    source = ROOT / Path(*rel.parts).with_suffix(".md")
    if not source.is_file():
        return None
    text = source.read_text(encoding="utf-8")
    return text if "```{code-cell}" in text else None


def _is_notebook_page(page: Path, site_root: Path) -> bool:
    return _notebook_source(page, site_root) is not None


def _is_chapter(page: Path, site_root: Path) -> bool:
    """A chapter in the course's sense: a notebook page with the Reproduce / Explain / ... anatomy."""
    source = _notebook_source(page, site_root)
    return source is not None and re.search(r"^## Reproduce\s*$", source, re.MULTILINE) is not None


# ------------------------------------------------------------------------------------------- no browser needed

def test_exercises_and_solutions_are_the_last_parts():
    captions = [part.get("caption") for part in toc_parts()]
    assert captions[-2:] == ["Exercises", "Solutions"], (
        f"_toc.yml parts are {captions}: chapter parts go above 'Exercises'; 'Solutions' stays last")


def test_every_exercise_and_solution_is_a_page(site):
    for folder in ("exercises", "solutions"):
        for nb in sorted((ROOT / folder).glob("*.ipynb")):
            assert (site / folder / f"{nb.stem}.html").is_file(), f"{folder}/{nb.name} has no page on the site"


def test_exercises_and_solutions_are_not_executed_at_build(site):
    """Their pages show exactly the outputs stored in the notebooks: exercises none, solutions their own."""
    import nbformat
    from bs4 import BeautifulSoup

    for folder in ("exercises", "solutions"):
        for nb_path in sorted((ROOT / folder).glob("*.ipynb")):
            nb = nbformat.read(nb_path, as_version=4)
            stored = [c for c in nb.cells if c.cell_type == "code" and c.get("outputs")]
            soup = BeautifulSoup((site / folder / f"{nb_path.stem}.html").read_text(encoding="utf-8"), "html.parser")
            shown = soup.select("div.cell_output")
            assert len(shown) == len(stored), (
                f"{folder}/{nb_path.name}: {len(stored)} cells with stored outputs, {len(shown)} shown on the page")
            if folder == "solutions":
                assert any("solved" in div.get_text() for div in shown), f"{nb_path.name}: no 'solved' output"


def test_exercise_pages_have_launch_and_download_buttons(site):
    pages = sorted((site / "exercises").glob("*.html"))
    assert pages, "no exercise pages on the site"
    for page in pages:
        html = page.read_text(encoding="utf-8")
        rel = f"exercises/{page.stem}.ipynb"
        assert f"colab.research.google.com/github/" in html and f"/blob/main/{rel}" in html, f"{page.name}: Colab"
        assert f"mybinder.org/v2/gh/" in html and f"urlpath=lab/tree/{rel}" in html, f"{page.name}: Binder"
        assert f'href="../_sources/{rel}"' in html, f"{page.name}: download button"


def test_chapters_have_no_launch_buttons_but_offer_the_notebook(site):
    # Colab cannot open MyST Markdown, so chapters offer only the executed notebook as a download.
    for page in html_pages(site):
        if _is_notebook_page(page, site):
            html = page.read_text(encoding="utf-8")
            assert "colab.research.google.com" not in html and "mybinder.org" not in html, page.name
            assert f'href="../_sources/book/{page.stem}.ipynb"' in html, page.name


def test_internal_links_and_anchors_resolve(site):
    problems = broken_links(site)
    assert not problems, f"{len(problems)} broken internal links:\n" + "\n".join(problems[:50])


def test_the_link_check_finds_broken_links_and_anchors(tmp_path):
    (tmp_path / "a.html").write_text('<p id="top"><a href="b.html#here">ok</a> <a href="b.html#gone">anchor</a>'
                                     '<img src="missing.png"><a name="old"></a><a href="#old">named</a>'
                                     '<a href="https://example.org/x">external</a><br/><a href="a.html#top">self</a>')
    (tmp_path / "b.html").write_text('<div id="here"><script src="a.html"></script></div>')
    problems = broken_links(tmp_path)
    assert len(problems) == 2, problems
    assert "no anchor #gone in b.html" in problems[0] and "missing.png" in problems[1] and "no such file" in problems[1]


# ----------------------------------------------------------------------------------------------- in the browser

def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)", pytrace=False)
    pytest.skip(reason)


def _chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="session")
def base_url(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed (pip install -r requirements.txt)")
    exe = _chromium()
    if exe is None:
        _missing("no Chromium binary (Debian: apt-get install chromium; or set CHROMIUM=/path/to/chrome)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """Open a page, recording console errors, uncaught exceptions and failed same-origin requests."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        # No internet here: refuse anything that is not the local server at once, instead of waiting on it.
        self.context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught exception: {exc}"))
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._failed)

    def _local(self, url: str) -> bool:
        return url.startswith(self.base_url)

    def _console(self, msg):
        if msg.type != "error":
            return
        source = (msg.location or {}).get("url", "")
        # "Failed to load resource" for an external URL is the blocked internet, reported via requestfailed.
        if msg.text.startswith("Failed to load resource") and not self._local(source):
            return
        self.errors.append(f"console error: {msg.text} ({source})")

    def _response(self, response):
        if self._local(response.url) and response.status >= 400:
            self.errors.append(f"HTTP {response.status} for {response.url}")

    def _failed(self, request):
        if self._local(request.url):
            self.errors.append(f"request failed: {request.url} ({request.failure})")
        else:
            self.external.append(request.url)

    def goto(self, path: str, settle: bool = True):
        """Open a page; ``settle`` also waits until the network is idle (half a second at least). Measured on
        this site: no page makes a request after its load event, so the tour of every page does without."""
        self.page.goto(self.base_url + path, wait_until="load")
        if settle:
            self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, base_url):
    v = Visit(browser, base_url)
    yield v
    v.close()


def _rel(site: Path, page: Path) -> str:
    return page.relative_to(site).as_posix()


def _href(page, selector: str) -> str | None:
    """The site path a link of the rendered page points at (None: the page has no such link)."""
    link = page.locator(selector)
    if not link.count():
        return None
    return urlsplit(urljoin(page.url, link.first.get_attribute("href"))).path.lstrip("/")


@pytest.fixture(scope="module")
def tour(site, browser, base_url) -> dict[str, dict]:
    """Every page opened once in the browser (as a reader arrives on it), with what the tests below look at:
    the errors it caused, its next / previous links as rendered, and its executed outputs."""
    visit = Visit(browser, base_url)
    seen = {}
    try:
        for path in html_pages(site):
            rel = _rel(site, path)
            visit.errors.clear()
            page = visit.goto(rel, settle=False)
            if 'http-equiv="Refresh"' in path.read_text(encoding="utf-8")[:500]:   # index.html: a redirect
                page.wait_for_url(lambda url: not url.endswith("/" + rel))
                page.wait_for_load_state("load")
            entry = {"url": urlsplit(page.url).path.lstrip("/"), "title": page.title(), "errors": list(visit.errors),
                     "next": _href(page, "a.right-next"), "prev": _href(page, "a.left-prev")}
            if _is_notebook_page(path, site):
                outputs = page.locator("div.cell_output, [class^='pasted-']")
                entry["outputs"] = outputs.count()
                entry["visible"] = outputs.count() > 0 and outputs.first.is_visible()
                entry["texts"] = [t for t in outputs.all_inner_texts() if t.strip()]
                entry["cell_outputs"] = page.locator("div.cell_output").count()
            seen[rel] = entry
        seen["external"] = sorted(set(visit.external))
    finally:
        visit.close()
    return seen


def test_every_page_loads_without_errors(site, tour):
    pages = [_rel(site, p) for p in html_pages(site)]
    assert not [rel for rel in pages if not tour[rel]["title"]], "pages with an empty <title>"
    problems = [f"{rel}: {e}" for rel in pages for e in tour[rel]["errors"]]
    assert not problems, "\n".join(problems)
    print(f"{len(pages)} pages visited; external requests refused (offline): {tour['external']}")


def test_chapters_show_executed_outputs(site, tour):
    """Every page made from a notebook shows executed cell outputs, and every chapter (a page with a Reproduce
    section) does so in div.cell_output. A page that shows its results only through myst_nb glue roles (no cell
    output at all) is exempt: its build fails if the executed notebook lacks a glued value."""
    pages = [p for p in html_pages(site) if _is_notebook_page(p, site)]
    assert any(_is_chapter(p, site) for p in pages), "no chapter pages found"
    for notebook_page in pages:
        if "{glue" in _notebook_source(notebook_page, site) and not _is_chapter(notebook_page, site):
            continue
        seen = tour[_rel(site, notebook_page)]
        assert seen["outputs"] > 0, f"{notebook_page.name}: no executed outputs"
        assert seen["visible"], f"{notebook_page.name}: outputs are not visible"
        assert seen["texts"], f"{notebook_page.name}: outputs are empty"
        if _is_chapter(notebook_page, site):
            assert seen["cell_outputs"] > 0, f"{notebook_page.name}: no div.cell_output"


def test_search_finds_gradient(visit):
    page = visit.goto("search.html?q=gradient")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(state="visible", timeout=15_000)
    assert results.count() >= 1
    first = results.first.locator("a").first.get_attribute("href")
    assert first and not first.startswith("http"), first
    assert not visit.errors, visit.errors


def test_next_and_previous_walk_the_whole_book(site, tour, visit):
    """The next links, as each page renders them, lead from the landing page through every page once, ending with
    the solutions; the previous links retrace them. One click per direction shows the links work when clicked."""
    page = visit.goto("index.html")  # redirects to the landing page
    page.wait_for_url(re.compile(r"book/intro\.html"))
    forward = [urlsplit(page.url).path.lstrip("/")]
    while tour[forward[-1]]["next"]:
        nxt = tour[forward[-1]]["next"]
        assert nxt in tour, f"'next' on {forward[-1]} leads to {nxt}, not a page of the site"
        assert nxt not in forward, f"'next' loops back to {nxt}"
        forward.append(nxt)
    expected = {_rel(site, p) for p in html_pages(site)} - {"index.html", "search.html", "genindex.html"}
    assert set(forward) == expected, f"next-links miss {expected - set(forward)}, extra {set(forward) - expected}"
    assert forward[-1].startswith("solutions/"), f"the book should end with the solutions, ends at {forward[-1]}"
    backward = [forward[-1]]
    while tour[backward[-1]]["prev"]:
        backward.append(tour[backward[-1]]["prev"])
    assert backward == forward[::-1], "previous-links do not retrace the next-links"

    page.locator("a.right-next").first.click()
    page.wait_for_url(re.compile(re.escape(forward[1]) + "$"))
    page.locator("a.left-prev").first.click()
    page.wait_for_url(re.compile(re.escape(forward[0]) + "$"))
    assert not visit.errors, visit.errors


def test_screenshots(site, visit):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = visit.goto("book/intro.html")
    page.screenshot(path=str(ARTIFACTS / "landing.png"), full_page=True)
    assert page.locator("h1").first.inner_text().strip().startswith("Why is my gradient None")
    page = visit.goto("book/casts.html")
    page.screenshot(path=str(ARTIFACTS / "chapter-casts.png"), full_page=False)
    assert page.locator("div.cell_output").count() > 0
    page = visit.goto("exercises/casts-1.html")
    page.locator("button[aria-label='Launch interactive content'], .dropdown-launch-buttons button").first.click()
    time.sleep(0.3)
    page.screenshot(path=str(ARTIFACTS / "exercise-launch-menu.png"), full_page=False)
    assert not visit.errors, visit.errors
