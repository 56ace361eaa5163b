"""Similarity report: answer cells of a class that are near-identical once names, comments, docstrings and
layout are taken away.

``python -m autograder similarity SUBMISSIONS --out REPORT_DIR`` writes REPORT_DIR/similarity.csv and
similarity.md: one row per pair of students whose answers to one exercise look alike.

Each answer is normalised by its AST: docstrings dropped, every name the cell binds (functions, arguments,
variables, classes, import aliases) renamed to one placeholder; comments and layout vanish in
``ast.unparse``. Everyone starts from the same shipped broken code and a fix can be one line, so whole cells are not
compared: only what a student *changed* relative to the shipped answer (their edit: the runs of GRAM tokens the
shipped answer lacks). Two edits are flagged when both have at least MIN_EDIT_TOKENS runs and their Jaccard
similarity reaches the threshold. A flag is a reason to look, not a verdict: short exercises admit few fixes.
"""
from __future__ import annotations

import ast
import csv
import io
import itertools
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

from .. import catalog
from ..grading.submissions import discover
from ..notebook import NotebookError, answer_cells, read

GRAM = 4              # tokens per fingerprint run
MIN_EDIT_TOKENS = 10   # edits with fewer runs than this are not compared (the one-line fix everybody writes)
THRESHOLD = 0.5        # Jaccard similarity of two edits; on the tests' class copies score 0.7-1, others below 0.05


class _Canonical(ast.NodeTransformer):
    """Rename every name the cell binds to one placeholder, ``v`` (free names such as tf, np, len stay).

    One placeholder rather than v0, v1, ... in order of appearance: swapping two independent lines would
    otherwise renumber every later use and hide a copy."""

    def __init__(self, bound: list[str]):
        self.names = {name: "v" for name in bound}

    def _drop_docstring(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return node

    def visit_Module(self, node):
        return self.generic_visit(self._drop_docstring(node))

    def visit_FunctionDef(self, node):
        node.name = self.names.get(node.name, node.name)
        return self.generic_visit(self._drop_docstring(node))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node.name = self.names.get(node.name, node.name)
        return self.generic_visit(self._drop_docstring(node))

    def visit_arg(self, node):
        node.arg = self.names.get(node.arg, node.arg)
        return node

    def visit_Name(self, node):
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_alias(self, node):
        if node.asname:
            node.asname = self.names.get(node.asname, node.asname)
        return node


def _bound_names(tree: ast.AST) -> list[str]:
    found: list[tuple[int, int, str]] = []
    for n in ast.walk(tree):
        pos = (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append((*pos, n.name))
        elif isinstance(n, ast.arg):
            found.append((*pos, n.arg))
        elif isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            found.append((*pos, n.id))
        elif isinstance(n, ast.alias) and n.asname:
            found.append((*pos, n.asname))
        elif isinstance(n, ast.ExceptHandler) and n.name:
            found.append((*pos, n.name))
    return list(dict.fromkeys(name for *_, name in sorted(found)))


def _tokens(code: str) -> list[str]:
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER, tokenize.ENCODING}
    out: list[str] = []
    try:
        for t in tokenize.generate_tokens(io.StringIO(code).readline):
            if t.type not in skip:
                out.append(t.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass   # broken code: the tokens up to the break still count
    return out


def normalise(source: str) -> list[str]:
    """The answer as tokens, with names canonical and comments, docstrings and layout gone."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _tokens(source)   # a cell that does not parse is still compared, by its tokens
    tree = _Canonical(_bound_names(tree)).visit(tree)
    return _tokens(ast.unparse(tree))


def grams(tokens: list[str], k: int = GRAM) -> set[tuple[str, ...]]:
    """The answer's fingerprint: its runs of k tokens (order-robust: moving a line changes only its edges)."""
    return {tuple(tokens[i:i + k]) for i in range(len(tokens) - k + 1)}


def edit(tokens: list[str], shipped: list[str]) -> set[tuple[str, ...]]:
    """What the student wrote: the answer's k-grams that the shipped answer does not have."""
    return grams(tokens) - grams(shipped)


@dataclass
class Pair:
    exercise: str
    student_a: str
    student_b: str
    similarity: float
    edit_size: int

    def row(self) -> list:
        return [self.exercise, self.student_a, self.student_b, f"{self.similarity:.2f}", self.edit_size]


def answers(submissions: Path) -> dict[str, dict[str, str]]:
    """{exercise: {student: answer source}} for every readable submission (unreadable ones are left out: the
    grading report already has their reason)."""
    out: dict[str, dict[str, str]] = {}
    for sub in discover(Path(submissions)):
        if sub.release is None or sub.problem:
            continue
        try:
            cells = answer_cells(read(sub.path))
        except NotebookError:
            continue
        for ex_id, found in cells.items():
            if found:
                out.setdefault(ex_id, {}).setdefault(sub.student, found[0].source)
    return out


def _shipped(ex_id: str) -> list[str]:
    try:
        nb = read(catalog.EXERCISES_DIR / catalog.get(ex_id).notebook)
        return normalise(answer_cells(nb)[ex_id][0].source)
    except (catalog.CatalogError, NotebookError, KeyError, IndexError):
        return []


def similar_pairs(by_exercise: dict[str, dict[str, str]], threshold: float = THRESHOLD,
                  min_tokens: int = MIN_EDIT_TOKENS) -> list[Pair]:
    pairs = []
    for ex_id, by_student in sorted(by_exercise.items()):
        shipped = _shipped(ex_id)
        edits = {s: edit(normalise(src), shipped) for s, src in by_student.items()}
        for a, b in itertools.combinations(sorted(edits), 2):
            ea, eb = edits[a], edits[b]
            if min(len(ea), len(eb)) < min_tokens:
                continue
            ratio = len(ea & eb) / len(ea | eb)
            if ratio >= threshold:
                pairs.append(Pair(ex_id, a, b, ratio, min(len(ea), len(eb))))
    return sorted(pairs, key=lambda p: (-p.similarity, p.exercise, p.student_a, p.student_b))


HEADER = ["exercise", "student_a", "student_b", "similarity", "edit_size"]


def write_report(pairs: list[Pair], out: Path, threshold: float, min_tokens: int) -> None:
    from .canvas import safe_cell   # student names come from file names: no spreadsheet formulas
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "similarity.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows([[safe_cell(c) for c in p.row()] for p in pairs])
    md = ["# Similar answers", "",
          f"Pairs whose edits to the shipped answer (names, comments, docstrings and layout normalised) are at least "
          f"{threshold:.0%} alike; edits of fewer than {min_tokens} {GRAM}-token runs are not compared. A reason to look, "
          "not a verdict.", ""]
    if pairs:
        md += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        md += ["| " + " | ".join(str(c).replace("|", "\\|") for c in p.row()) + " |" for p in pairs]
    else:
        md.append("No pair reaches the threshold.")
    (out / "similarity.md").write_text("\n".join(md) + "\n", encoding="utf-8")


def main(submissions: str, out: str, threshold: float | None = None, min_tokens: int | None = None) -> int:
    threshold = THRESHOLD if threshold is None else threshold
    min_tokens = MIN_EDIT_TOKENS if min_tokens is None else min_tokens
    if not Path(submissions).is_dir():
        print(f"error: {submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    pairs = similar_pairs(answers(Path(submissions)), threshold, min_tokens)
    write_report(pairs, Path(out), threshold, min_tokens)
    print(f"{len(pairs)} similar pairs written to {Path(out) / 'similarity.csv'} and similarity.md")
    return 0
