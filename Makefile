# The two commands a newcomer needs (see README): `make book` and `make test`.
# Both create .venv and install the pinned requirements on first use (and again only when they change).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: book test env system-packages site-test

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# Every test, including nbval of every solution under both oneDNN settings and the website in a browser.
test: $(STAMP) system-packages
	$(BIN)/python -m pytest

# Only the website tests (build + browser), as the book workflow runs them.
site-test: $(STAMP) system-packages
	$(BIN)/python -m pytest tests/test_site.py

env: $(STAMP)

# Chromium and bubblewrap, installed with apt-get when missing (root or passwordless sudo); otherwise a note.
system-packages:
	@.ci/system-packages

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -rf _build/.jupyter_cache  # cached outputs are keyed on code only: new pins must re-run every chapter
	touch $(STAMP)
