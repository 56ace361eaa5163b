"""The in-notebook check: what a learner sees, call after call."""
from __future__ import annotations

import nbformat

import autograder

from .conftest import ROOT, kernel_namespace, namespace_of, released, with_answer


def test_check_on_a_solution_says_solved_and_why(capsys):
    ns = namespace_of(nbformat.read(ROOT / "solutions" / "casts-1.ipynb", as_version=4))
    capsys.readouterr()
    autograder.check("casts-1", ns)
    out = capsys.readouterr().out
    assert "✅ casts-1 solved" in out and "Why this works:" in out and "Next:" in out


def test_hints_advance_on_distinct_attempts_only_and_the_doctor_names_the_op(capsys):
    ns = kernel_namespace(released("casts-1"))
    capsys.readouterr()
    autograder.check("casts-1", ns)
    first = capsys.readouterr().out
    autograder.check("casts-1", ns)                       # the same code again: a rerun, not an attempt
    again = capsys.readouterr().out
    assert "not solved yet" in first and "Hint 1/3" in first and "Hint 1/3" in again
    assert "the gradient for `w` is None" in first
    assert "gradient doctor:" in first and "Cast to int32" in first
    assert "flat_region" not in first and "non_differentiable_op" not in first   # sentences, not codes
    # A changed answer that fails differently (now the values are wrong) is a real attempt: the next hint, and
    # feedback about the symptom the learner has now, not the shipped one.
    mae = "def mse_loss(w, x, labels):\n    return tf.reduce_mean(tf.abs(x @ w - tf.cast(labels, tf.float32)))\n"
    ns2 = kernel_namespace(with_answer("casts-1", mae))
    autograder.check("casts-1", ns2)
    changed = capsys.readouterr().out
    assert "Hint 2/3" in changed and "Your change moved the problem" in changed and "numbers are off" in changed
    autograder.check("casts-1", ns2)
    autograder.check("casts-1", kernel_namespace(with_answer("casts-1", "def mse_loss(w, x, labels):\n"
                                                                      "    return tf.reduce_sum(w)\n")))
    later = capsys.readouterr().out
    assert "Hint 3/3" not in later, "the last hint (the answer) is never shown without asking"


def test_a_crash_does_not_advance_hints(capsys):
    for source in ("def mse_loss(w, x, labels):\n    return undefined_name\n",
                   "def mse_loss(w, x, labels):\n    return 1 / 0\n"):
        autograder.check("casts-1", kernel_namespace(with_answer("casts-1", source)))
    assert "Hint 1/3" in capsys.readouterr().out.splitlines()[-2]


def test_hint_in_the_notebook_marks_the_spoiler(capsys):
    from autograder.learner import hint
    for _ in range(3):
        hint("casts-1")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Hint 1/3") and out[1].startswith("Hint 2/3")
    assert "gives the answer away" in out[2] and "show_spoiler=True" in out[2]
    hint("casts-1", show_spoiler=True)
    assert capsys.readouterr().out.startswith("Hint 3/3")


def test_check_finds_the_callers_globals(capsys):
    ns = namespace_of(nbformat.read(ROOT / "solutions" / "casts-1.ipynb", as_version=4))
    exec("import autograder\nautograder.check('casts-1')", ns)  # noqa: S102 - as a notebook cell would
    assert "solved" in capsys.readouterr().out


def test_a_helper_outside_the_answer_cell_is_refused_in_the_notebook_too():
    from autograder.learner import evaluate

    from .conftest import HELPER, USES_HELPER, kernel_namespace, with_answer, with_extra_cell
    inside = kernel_namespace(with_answer("casts-1", HELPER + "\n\n" + USES_HELPER))
    assert evaluate("casts-1", inside).passed
    outside = kernel_namespace(with_extra_cell(with_answer("casts-1", USES_HELPER), HELPER))
    result = evaluate("casts-1", outside)
    assert not result.passed
    assert result.problems == ["`as_float` is defined outside the answer cell; the grader only uses answer cells - "
                               "move it into the answer cell"]


def test_keras_explanations_survive_in_messages():
    from autograder.learner import evaluate

    from .check_corpus.run import namespace_with
    source = ("class MLPHead(keras.layers.Layer):\n"
              "    def __init__(self, hidden_units, num_outputs, **kwargs):\n"
              "        super().__init__(**kwargs)\n"
              "        self.num_outputs = num_outputs\n"
              "        self.hidden = keras.layers.Dense(hidden_units, activation='relu')\n"
              "    def call(self, x):\n"
              "        h = self.hidden(x)\n"
              "        return h @ self.add_weight(shape=(h.shape[-1], self.num_outputs))\n")
    text = " ".join(evaluate("keras-2", namespace_with("keras-2", source)).problems)
    assert "You cannot add new elements of state" in text and "build()" in text, text
    assert "Exception encountered" not in text and "\x1b[" not in text


def test_a_helper_outside_the_answer_cell_in_a_real_kernel(tmp_path):
    """The notebook path for real: a Jupyter kernel runs the notebook, IPython's own history included."""
    import nbclient

    from .conftest import HELPER, USES_HELPER, with_answer, with_extra_cell
    nb = with_extra_cell(with_answer("casts-1", USES_HELPER), HELPER)
    nbclient.NotebookClient(nb, timeout=300, allow_errors=True, resources={"metadata": {"path": str(ROOT)}},
                            kernel_name="python3").execute()
    check_cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("check("))
    text = "".join(o.get("text", "") for o in check_cell.outputs)
    assert "`as_float` is defined outside the answer cell; the grader only uses answer cells" in text, text
