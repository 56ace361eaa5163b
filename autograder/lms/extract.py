"""Cut one function (and only what it needs) out of a module's source, by its AST.

The student release ships the specs' *probes* (code that calls the learner's function and records its value and
gradients) but never their references: this keeps a probe's top-level dependencies (imports, helpers, constants)
and drops every statement the probe does not reach, so ``reference`` and its helpers cannot come along.
"""
from __future__ import annotations

import ast


def _bound(stmt: ast.stmt) -> set[str]:
    """The top-level names a statement defines."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def _used(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}


def extract(source: str, roots: set[str]) -> tuple[str, list[tuple[int, str, set[str]]]]:
    """(source keeping only ``roots`` and their dependencies, [(level, relative module, names imported from it)]).

    ``from __future__`` imports are kept; nothing else that ``roots`` do not reach (not even the docstring)."""
    tree = ast.parse(source)
    body = tree.body
    wanted, keep = set(roots), set()
    changed = True
    while changed:
        changed = False
        for i, stmt in enumerate(body):
            if i not in keep and _bound(stmt) & wanted:
                keep.add(i)
                wanted |= _used(stmt)
                changed = True
    missing = set(roots) - set().union(*(_bound(s) for s in body))
    if missing:
        raise ValueError(f"not defined at the top level: {', '.join(sorted(missing))}")
    kept, relative = [], []
    for i, stmt in enumerate(body):
        future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        if i in keep or future:
            if isinstance(stmt, ast.ImportFrom) and stmt.level and not future:
                # import only the names that are used, and follow them into their module
                stmt.names = [a for a in stmt.names if (a.asname or a.name) in wanted]
                relative.append((stmt.level, stmt.module or "", {a.name for a in stmt.names}))
            kept.append(stmt)
    module = ast.Module(body=kept, type_ignores=[])
    return ast.unparse(module) + "\n", relative
