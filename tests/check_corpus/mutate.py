"""Mechanical wrong answers: mutate each solution's answer cell (AST) and count the mutants the check accepts.

A mutant is killed when its answer cell fails to run, its entry raises on the hidden inputs, or any hidden case
disagrees with the reference (the comparison is autograder.compare.compare_case, the one the check and the grader
use; cases run one at a time and stop at the first disagreement). A survivor either computes the same function
(an equivalent mutant: listed, with the reason, in EQUIVALENT) or is a hole in the hidden cases.

    .venv/bin/python -m tests.check_corpus.mutate [EXERCISE ...]     # prints the table
"""
from __future__ import annotations

import ast
import copy
import sys
from dataclasses import dataclass, field

# Near-twin ops: the confusions a learner (or a typo) makes. Attribute names, as in tf.<name> / tf.math.<name>.
NEAR_TWINS = {
    "reduce_mean": "reduce_sum", "reduce_sum": "reduce_mean", "reduce_max": "reduce_min",
    "reduce_min": "reduce_max", "reduce_logsumexp": "reduce_max", "reduce_std": "reduce_variance",
    "tanh": "sigmoid", "sigmoid": "tanh", "softplus": "relu", "relu": "softplus",
    "softmax": "log_softmax", "log_softmax": "softmax", "log": "log1p", "exp": "expm1",
    "sqrt": "rsqrt", "rsqrt": "sqrt", "square": "abs", "maximum": "minimum", "minimum": "maximum",
    "xlogy": "multiply", "round": "floor", "floor": "ceil", "sign": "tanh", "erfc": "erf",
    "unsorted_segment_min": "unsorted_segment_max", "zeros": "ones", "ones": "zeros",
    "float32": "float16", "norm": "reduce_sum", "log_ndtr": "log", "sigmoid_cross_entropy_with_logits":
    "softmax_cross_entropy_with_logits", "matmul": "multiply", "cast": "saturate_cast",
}
DROP_CALLS = {"stop_gradient", "ensure_shape", "watch", "cast", "squeeze", "maximum"}


@dataclass
class Mutant:
    label: str
    source: str


class _Mutator(ast.NodeTransformer):
    """Applies the ``target``-th applicable mutation (counting in a fixed walk order), recording its label."""

    def __init__(self, target: int):
        self.target, self.seen, self.label = target, -1, None

    def _hit(self, label: str) -> bool:
        self.seen += 1
        if self.seen == self.target:
            self.label = label
            return True
        return False

    def visit_Attribute(self, node):
        self.generic_visit(node)
        twin = NEAR_TWINS.get(node.attr)
        if twin and self._hit(f"line {node.lineno}:{node.col_offset}: .{node.attr} -> .{twin}"):
            return ast.copy_location(ast.Attribute(value=node.value, attr=twin, ctx=node.ctx), node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name in DROP_CALLS and node.args:
            if name == "watch" and self._hit(f"line {node.lineno}: drop {name}(...)"):
                return ast.copy_location(ast.Constant(None), node)
            if name != "watch" and self._hit(f"line {node.lineno}:{node.col_offset}: {name}(a, ...) -> a"):
                return node.args[0]
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, bool):
            if self._hit(f"line {node.lineno}:{node.col_offset}: {node.value} -> {not node.value}"):
                return ast.copy_location(ast.Constant(not node.value), node)
        elif isinstance(node.value, (int, float)):
            new = node.value + 1 if isinstance(node.value, int) else (node.value * 2 if node.value else 1.0)
            if self._hit(f"line {node.lineno}:{node.col_offset}: {node.value!r} -> {new!r}"):
                return ast.copy_location(ast.Constant(new), node)
        return node

    _BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult,
               ast.MatMult: ast.Mult}
    _CMPOPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
               ast.NotEq: ast.Eq}

    def visit_BinOp(self, node):
        self.generic_visit(node)
        new = self._BINOPS.get(type(node.op))
        if new and self._hit(f"line {node.lineno}:{node.col_offset}: {type(node.op).__name__} -> {new.__name__}"):
            node.op = new()
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        new = self._CMPOPS.get(type(node.ops[0]))
        if new and self._hit(f"line {node.lineno}:{node.col_offset}: {type(node.ops[0]).__name__} -> {new.__name__}"):
            node.ops = [new()] + node.ops[1:]
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and self._hit(f"line {node.lineno}:{node.col_offset}: drop unary minus"):
            return node.operand
        return node

    def visit_FunctionDef(self, node):
        for deco in list(node.decorator_list):
            name = getattr(deco, "attr", None) or getattr(deco, "id", None)
            if self._hit(f"line {node.lineno}: drop @{name}"):
                node.decorator_list.remove(deco)
        body = []
        for stmt in node.body:
            docstring = isinstance(stmt, ast.Expr) and isinstance(getattr(stmt, "value", None), ast.Constant)
            if (not docstring and not isinstance(stmt, (ast.Return, ast.FunctionDef))
                    and self._hit(f"line {stmt.lineno}: delete statement")):
                continue
            body.append(stmt)
        node.body = body or [ast.Pass()]
        self.generic_visit(node)
        return node


def mutants(source: str) -> list[Mutant]:
    """Every single-point mutant of ``source``, each with a stable label."""
    tree = ast.parse(source)
    out, i = [], 0
    while True:
        m = _Mutator(i)
        new = m.visit(copy.deepcopy(tree))
        if m.label is None:
            return out
        out.append(Mutant(m.label, ast.unparse(ast.fix_missing_locations(new))))
        i += 1


# Survivors that compute the same function as the solution (on every input, not only the hidden ones).
AXIS = "axis=-1 -> axis=1 on a 2-D tensor: the same axis"
# The floor matters only for an all-zero row, whose direction is undefined: any floor (1e-12 on the norm, or
# tf.math.l2_normalize's on the squared norm, the hinted fix) gives an arbitrary gradient there, so no hidden row is 0.
NO_TRAINING_LAYERS = "training=False: the exercise's model has no layer that behaves differently in training"
ZERO_ROW = "the norm's floor only acts on an all-zero row (kept out of the hidden cases: its gradient is arbitrary)"
EQUIVALENT: dict[tuple[str, str], str] = {
    ("casts-1", "line 6:13: .cast -> .saturate_cast"): "int32 labels all fit in float32: saturate_cast == cast",
    ("casts-2", "line 8:37: drop unary minus"): "logits.shape[-1] -> shape[1]: logits are (batch, K)",
    ("casts-2", "line 9:39: drop unary minus"): AXIS,
    ("casts-2", "line 10:49: drop unary minus"): AXIS,
    ("no-grad-ops-1", "line 8:12: .unsorted_segment_min -> .unsorted_segment_max"):
        "the last row of an item instead of the first: all rows of one item have the same features and target",
    ("no-grad-ops-2", "line 5: delete statement"): "tf.ensure_shape only restores the static shape",
    ("no-grad-ops-2", "line 5:10: ensure_shape(a, ...) -> a"): "tf.ensure_shape only restores the static shape",
    ("underflow-1", "line 7:47: drop unary minus"): AXIS,
    ("nan-1", "line 3:64: drop unary minus"): AXIS,
    ("nan-1", "line 8:52: drop unary minus"): AXIS,
    ("nan-2", "line 9:59: 1.0 -> 2.0"): "the safe input of sqrt where its result is discarded: any positive value",
    ("keras-2", "line 6: delete statement"): "self.num_outputs is never read",
    ("rnn-1", "line 6:35: 0 -> 1"): "w_h.shape[0] -> w_h.shape[1]: w_h is square (units, units)",
    ("control-flow-1", "line 3:37: 1000000000.0 -> 2000000000.0"):
        "-1e9 and -2e9 both give padding a probability of exactly 0",
    ("control-flow-1", "line 4:35: drop unary minus"): AXIS,
    ("control-flow-1", "line 7:32: 1.0 -> 2.0"): "the safe input of log where its result is discarded",
    ("control-flow-1", "line 8:21: Gt -> GtE"): "where p == 0 both branches are 0 * log(safe) = 0, gradient 0 too",
    ("control-flow-1", "line 9:53: drop unary minus"): AXIS,
    ("capstone-2", "line 5:11: .cast -> .saturate_cast"): "a 0/1 mask: saturate_cast == cast",
    ("capstone-3", "line 3:27: drop unary minus"): AXIS,
    ("capstone-3", "line 6:32: 1e-12 -> 2e-12"): ZERO_ROW,
    ("capstone-3", "line 6:15: maximum(a, ...) -> a"): ZERO_ROW,
    ("mixed-precision-1", "line 4:33: True -> False"): NO_TRAINING_LAYERS,
    ("mixed-precision-1", "line 5:40: .cast -> .saturate_cast"): "float16 predictions fit in float32: same as cast",
    ("model-losses-1", "line 4:33: True -> False"): NO_TRAINING_LAYERS,
}


@dataclass
class Tally:
    exercise: str
    total: int = 0
    survivors: list[str] = field(default_factory=list)

    @property
    def unexplained(self) -> list[str]:
        return [s for s in self.survivors if (self.exercise, s) not in EQUIVALENT]


def killed(ex, source: str, seed: int) -> bool:
    from autograder.compare import compare_case
    from .run import namespace_with
    try:
        fn = namespace_with(ex.id, source).get(ex.entry)
    except Exception:  # noqa: BLE001 - a mutant that does not even run is killed
        return True
    if fn is None:
        return True
    for case, ref in zip(ex.cases(seed), _references(ex, seed)):
        try:
            got = ex.probe(fn, case)
        except Exception:  # noqa: BLE001
            return True
        if compare_case(got, ref, ex.rtol, ex.atol):
            return True
    return False


_REFS: dict = {}


def _references(ex, seed):
    if (ex.id, seed) not in _REFS:
        _REFS[(ex.id, seed)] = [ex.probe(ex.reference, case) for case in ex.cases(seed)]
    return _REFS[(ex.id, seed)]


def survey(exercise_ids=None, seed: int = 1234) -> list[Tally]:
    from autograder import catalog
    from .run import solution_source
    tallies = []
    for ex in catalog.all_exercises():
        if exercise_ids and ex.id not in exercise_ids:
            continue
        t = Tally(ex.id)
        for m in mutants(solution_source(ex.id)):
            t.total += 1
            if not killed(ex, m.source, seed):
                t.survivors.append(m.label)
        tallies.append(t)
    return tallies


def table(tallies: list[Tally]) -> str:
    lines = [f"{'exercise':<18} {'mutants':>7} {'survive':>7} {'equiv.':>6} {'rate':>6}  unexplained survivors"]
    for t in tallies:
        eq = len(t.survivors) - len(t.unexplained)
        rate = len(t.survivors) / t.total if t.total else 0.0
        lines.append(f"{t.exercise:<18} {t.total:>7} {len(t.survivors):>7} {eq:>6} {rate:>6.0%}  "
                     + "; ".join(t.unexplained))
    total = sum(t.total for t in tallies)
    surv = sum(len(t.survivors) for t in tallies)
    unexp = sum(len(t.unexplained) for t in tallies)
    lines.append(f"{'all':<18} {total:>7} {surv:>7} {surv - unexp:>6} {surv / max(total, 1):>6.0%}  "
                 f"({unexp} unexplained)")
    return "\n".join(lines)


if __name__ == "__main__":
    from autograder import quiet_start
    quiet_start()
    print(table(survey(sys.argv[1:] or None)))
