"""Internal link check for the built website: every internal href/src must resolve to a file, and every #anchor to
an element id (or a named anchor) in the target page.

Used by tests/test_site.py; also runs on its own: ``.venv/bin/python tests/linkcheck.py _build/html``.
External links (http:, https:, mailto:, ...) are not checked: the build machines have no internet.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# (tag, attribute) pairs that point at other resources
LINK_ATTRS = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("iframe", "src"),
              ("source", "src"), ("video", "src"), ("audio", "src")}
SKIP_SCHEMES = {"http", "https", "mailto", "javascript", "data", "tel", "ftp"}


class _Page(HTMLParser):
    """One pass over a page: its links (tag, attribute, url) and its anchors (ids, and names of <a>)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for attr, value in attrs:
            if value is None:
                continue
            if attr == "id" or (tag == "a" and attr == "name"):
                self.anchors.add(value)
            if (tag, attr) in LINK_ATTRS:
                self.links.append((tag, attr, value))

    handle_startendtag = handle_starttag


@lru_cache(maxsize=None)
def _parsed(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    page.close()
    return page


def _anchors(path: Path) -> set[str]:
    return _parsed(path).anchors


def html_pages(root: Path) -> list[Path]:
    """The site's pages: every .html file outside the theme's static assets and Sphinx's copied sources."""
    return sorted(p for p in root.rglob("*.html")
                  if not p.relative_to(root).parts[0].startswith(("_static", "_sources", "_images", "_downloads")))


def _target(root: Path, page: Path, url: str) -> tuple[Path | None, str]:
    """(file the URL points at, fragment); file is None for an unresolvable path."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not path:
        target = page
    elif path.startswith("/"):
        target = root / path.lstrip("/")
    else:
        target = page.parent / path
    target = Path(target).resolve() if target.exists() else Path(target)
    if target.is_dir():
        target = target / "index.html"
    return (target if target.is_file() else None), unquote(parts.fragment)


def broken_links(root: Path) -> list[str]:
    """Describe every broken internal link or anchor in the site under ``root`` (empty list: all fine)."""
    root = Path(root).resolve()
    problems: list[str] = []
    for page in html_pages(root):
        rel_page = page.relative_to(root)
        for tag, attr, url in _parsed(page).links:
            url = url.strip()
            if not url or url == "#" or urlsplit(url).scheme in SKIP_SCHEMES or url.startswith("//"):
                continue
            target, fragment = _target(root, page, url)
            if target is None:
                problems.append(f"{rel_page}: <{tag} {attr}={url!r}>: no such file")
                continue
            try:
                target.relative_to(root)
            except ValueError:
                problems.append(f"{rel_page}: <{tag} {attr}={url!r}>: points outside the site")
                continue
            if fragment and target.suffix == ".html" and fragment not in _anchors(target):
                problems.append(f"{rel_page}: <{tag} {attr}={url!r}>: no anchor #{fragment} "
                                f"in {target.relative_to(root)}")
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "_build/html")
    pages = html_pages(root)
    problems = broken_links(root)
    for p in problems:
        print(p)
    print(f"{len(pages)} pages checked, {len(problems)} broken internal links")
    return 1 if problems or not pages else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
