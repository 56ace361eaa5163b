"""Internal link check for the built website: every internal href/src must resolve to a file, and every #anchor to
an element id (or a named anchor) in the target page.

Used by tests/test_site.py; also runs on its own: ``.venv/bin/python tests/linkcheck.py _build/html``.
External links (http:, https:, mailto:, ...) are not checked: the build machines have no internet.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

# (tag, attribute) pairs that point at other resources
LINK_ATTRS = [("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("iframe", "src"),
              ("source", "src"), ("video", "src"), ("audio", "src")]
SKIP_SCHEMES = {"http", "https", "mailto", "javascript", "data", "tel", "ftp"}


@lru_cache(maxsize=None)
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")


@lru_cache(maxsize=None)
def _anchors(path: Path) -> frozenset[str]:
    soup = _soup(path)
    ids = {el["id"] for el in soup.find_all(id=True)}
    ids |= {el["name"] for el in soup.find_all("a", attrs={"name": True})}
    return frozenset(ids)


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
        for tag, attr in LINK_ATTRS:
            for el in _soup(page).find_all(tag, attrs={attr: True}):
                url = el[attr].strip()
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
