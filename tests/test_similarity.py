"""The similarity report on a generated class: copies (renamed variables, other comments and docstrings, other
layout) are flagged; independent solutions, and the short fix everyone makes, are not."""
from __future__ import annotations

import csv

from autograder.__main__ import main as cli
from autograder.lms.similarity import normalise

from .conftest import with_answer, write

ORIGINAL = '''
def mse_loss(w, x, labels):
    """Mean squared error between the predictions x @ w and the integer labels."""
    targets = tf.cast(labels, tf.float32)          # float labels keep the path differentiable
    predictions = tf.matmul(x, w)
    residual = predictions - targets
    squared = residual * residual
    total = tf.reduce_sum(squared)
    count = tf.cast(tf.size(squared), tf.float32)
    return total / count
'''
# The same code: every name changed, comments and docstring rewritten, spacing changed.
RENAMED = '''
def mse_loss(weights, inputs, y):
    # my own MSE
    t = tf.cast(y,tf.float32)
    p = tf.matmul(inputs,   weights)   # predictions
    r = p - t

    sq = r * r
    s = tf.reduce_sum(sq)
    n = tf.cast(tf.size(sq), tf.float32)
    return s / n
'''
# A copy with one line rewritten and the lines around it reordered where order does not matter.
EDITED = RENAMED.replace("    return s / n", "    return tf.math.divide(s, n)").replace(
    "    t = tf.cast(y,tf.float32)\n    p = tf.matmul(inputs,   weights)   # predictions\n",
    "    p = tf.matmul(inputs, weights)\n    t = tf.cast(y, tf.float32)\n")
# Independent solutions, each written differently.
KERAS = '''
def mse_loss(w, x, labels):
    loss = tf.keras.losses.MeanSquaredError()
    return loss(tf.cast(labels, tf.float32), x @ w)
'''
EXPLICIT = '''
def mse_loss(w, x, labels):
    y = tf.convert_to_tensor(labels)
    y = tf.dtypes.cast(y, dtype=w.dtype)
    errors = tf.math.squared_difference(tf.linalg.matmul(x, w), y)
    per_row = tf.math.reduce_mean(errors, axis=1)
    return tf.math.reduce_mean(per_row, axis=0)
'''
LOOP = '''
def mse_loss(w, x, labels):
    n = x.shape[0]
    total = tf.constant(0.0)
    for i in range(n):
        diff = tf.tensordot(x[i], w[:, 0], axes=1) - tf.cast(labels[i, 0], tf.float32)
        total += diff ** 2
    return total / n
'''
# The one-line fix, as most of a class would write it: short edits are never compared.
SHORT = '''
def mse_loss(w, x, labels):
    predictions = tf.matmul(x, w)
    return tf.reduce_mean(tf.square(predictions - tf.cast(labels, tf.float32)))
'''


def _class(tmp_path):
    subs = tmp_path / "subs"
    for student, source in {"ann": ORIGINAL, "ben": RENAMED, "ivy": EDITED, "cat": KERAS, "dan": EXPLICIT, "eve": LOOP,
                            "fay": SHORT, "gus": SHORT.replace("predictions", "p")}.items():
        write(with_answer("casts-1", source), subs / student / "casts-1.ipynb")
    (subs / "hal").mkdir()
    (subs / "hal" / "casts-1.ipynb").write_text("not a notebook")   # unreadable: skipped, not fatal
    return subs


def test_normalise_ignores_names_comments_docstrings_layout():
    assert normalise(ORIGINAL) == normalise(RENAMED.replace("    r = p - t\n\n", "    r = p - t\n"))
    assert normalise(ORIGINAL) != normalise(KERAS)
    assert normalise("def f(:\n  pass") == ["def", "f", "(", ":", "pass"]   # does not parse: tokens still


def test_copies_are_flagged_independent_solutions_are_not(tmp_path, capsys):
    out = tmp_path / "report"
    assert cli(["similarity", str(_class(tmp_path)), "--out", str(out)]) == 0
    with open(out / "similarity.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    pairs = {frozenset((r["student_a"], r["student_b"])) for r in rows}
    assert EDITED != RENAMED
    assert pairs == {frozenset(("ann", "ben")), frozenset(("ann", "ivy")), frozenset(("ben", "ivy"))}, rows
    assert float(rows[0]["similarity"]) == 1.0 and all(r["exercise"] == "casts-1" for r in rows)
    md = (out / "similarity.md").read_text()
    assert "| casts-1 | ann | ben |" in md


def test_no_pairs_says_so(tmp_path):
    subs = tmp_path / "subs"
    write(with_answer("casts-1", KERAS), subs / "cat" / "casts-1.ipynb")
    write(with_answer("casts-1", LOOP), subs / "eve" / "casts-1.ipynb")
    assert cli(["similarity", str(subs), "--out", str(tmp_path / "r")]) == 0
    assert "No pair reaches the threshold." in (tmp_path / "r" / "similarity.md").read_text()
