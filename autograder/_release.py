"""Which published release of the checker the notebooks install on Colab (the one place that says so).

The exercises' set-up cell is generated from these values (``python -m autograder.lms.setup_cell``) and the
package's version in pyproject.toml is read from VERSION. A new release: tag the repository ``v{VERSION}``, bump
VERSION here, regenerate the set-up cells. TENSORFLOW is the version the course's outputs are proven on (it must
equal the pin in requirements.txt; tests/test_setup_cell.py checks).
"""
VERSION = "0.1.0"
REPO_URL = "https://github.com/gradient-course/why-is-my-gradient-none"
TENSORFLOW = "2.21.0"
PACKAGE = "why-is-my-gradient-none"


def install_spec() -> str:
    """The pip requirement for this release: the tagged commit of the repository, never its moving main branch."""
    return f"{PACKAGE} @ git+{REPO_URL}@v{VERSION}"
