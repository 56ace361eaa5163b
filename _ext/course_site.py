"""Small Sphinx tweaks for the course website (loaded by _config.yml: sphinx.local_extensions).

Launch buttons (Colab, Binder) only make sense for pages whose source is a notebook in the repository: the
exercises and solutions. The chapters are MyST Markdown notebooks (book/*.md): Colab cannot open them and Binder
would show them as plain text, so their launch buttons are removed. Their download button still offers the
executed chapter as .ipynb.
"""
from __future__ import annotations


def _drop_launch_buttons_on_markdown(app, pagename, templatename, context, doctree):
    if context.get("page_source_suffix") == ".ipynb":
        return
    buttons = context.get("header_buttons")
    if buttons:
        context["header_buttons"] = [b for b in buttons if b.get("label") != "launch-buttons"]


def setup(app):
    # sphinx-book-theme adds its header buttons at priority 501; run after it.
    app.connect("html-page-context", _drop_launch_buttons_on_markdown, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
