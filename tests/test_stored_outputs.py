"""Stored notebook outputs must not depend on the CPU.

nbval compares a solution's stored outputs as text. The last float32 digits change with the CPU's kernels
(TF_ENABLE_ONEDNN_OPTS, AVX2 vs AVX-512), so a stored float with many significant digits fails on a machine of
another kind. Printing at most four significant digits keeps the comparison meaningful (a wrong gradient still
differs) while a change in the last bits of the result does not show. tests/test_cpu_kernels.py proves it by
running nbval under both oneDNN settings.
"""
from __future__ import annotations

import re

import nbformat
import pytest

from autograder import catalog

from .conftest import ROOT

MAX_SIGNIFICANT = 4
# A decimal number (optionally in scientific notation) that is not part of a word, a path or a version string.
FLOAT = re.compile(r"(?<![\w.])-?(\d+\.\d+)(?:e[-+]?\d+)?(?![\w.])")
# Volatile text that tests/nbval-sanitize.cfg replaces before comparing: the digits in it are never compared.
SANITIZED = re.compile(r"\d+(\.\d+)? ?(s|ms|seconds)\b|0x[0-9a-fA-F]+")


def significant_digits(number: str) -> int:
    return len(number.replace(".", "").lstrip("0")) or 1


def stored_texts(nb):
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = out.get("text") or "".join(out.get("data", {}).get("text/plain", ""))
            if text:
                yield index, text


def over_precise(text: str) -> list[str]:
    text = SANITIZED.sub("", text)
    return [m.group(0) for m in FLOAT.finditer(text) if significant_digits(m.group(1)) > MAX_SIGNIFICANT]


@pytest.mark.parametrize("name", catalog.notebooks())
def test_solution_outputs_print_few_significant_digits(name):
    nb = nbformat.read(ROOT / "solutions" / name, as_version=4)
    found = [(i, n) for i, text in stored_texts(nb) for n in over_precise(text)]
    assert not found, (f"solutions/{name} stores floats with more than {MAX_SIGNIFICANT} significant digits "
                       f"(cell, value): {found}. Their last digits depend on the CPU: print rounded values, "
                       f"e.g. np.round(g.numpy(), 3) or f'{{x:.4g}}'.")


@pytest.mark.parametrize("text, bad", [
    ("loss: 0.5274999737739563", ["0.5274999737739563"]),
    ("[[-0.6966667 ]\n [-0.13666672]]", ["-0.6966667", "-0.13666672"]),
    ("norm 110.5935", ["110.5935"]),
    ("1.23456e-05", ["1.23456e-05"]),
    ("loss: 0.5275 gradient: [-0.697 -0.137] took 12.345678 s", []),
    ("tensorflow 2.21.0, file casts-1.ipynb line 12", []),
    ("scale: 21.03 (initial 10.00)", []),
])
def test_the_precision_guard_itself(text, bad):
    assert over_precise(text) == bad
