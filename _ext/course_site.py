"""Small Sphinx tweaks for the course website (loaded by _config.yml: sphinx.local_extensions).

* Launch buttons (Colab, Binder) only make sense for pages whose source is a notebook in the repository: the
  exercises and solutions. The chapters are MyST Markdown notebooks (book/*.md): Colab cannot open them and
  Binder would show them as plain text, so their launch buttons are removed. Their download button still offers
  the executed chapter as .ipynb.
* Sphinx 7.4 writes every inline <script> added by an extension after the builder started twice (it re-adds it
  with filename '' instead of None), so sphinx-thebe's `const THEBE_JS_URL = ...` is declared twice and every
  page throws "Identifier 'THEBE_JS_URL' has already been declared". Each page keeps the first copy only.
  tests/test_site.py checks in a browser that no page logs an error.
"""
from __future__ import annotations


def _drop_launch_buttons_on_markdown(app, pagename, templatename, context, doctree):
    if context.get("page_source_suffix") == ".ipynb":
        return
    buttons = context.get("header_buttons")
    if buttons:
        context["header_buttons"] = [b for b in buttons if b.get("label") != "launch-buttons"]


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        filename = getattr(js, "filename", js) or ""
        attributes = getattr(js, "attributes", {}) or {}
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    # sphinx-book-theme adds its header buttons at priority 501; run after it.
    app.connect("html-page-context", _drop_launch_buttons_on_markdown, priority=900)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
