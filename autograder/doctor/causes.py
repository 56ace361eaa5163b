"""The causes the gradient doctor can name, with what each means and the usual fix.

Each cause belongs to the status it explains: ``none`` (the gradient is ``None``), ``zero`` (it exists but is
exactly zero everywhere), ``nan`` (it contains inf or NaN), ``wrong`` (it disagrees with finite differences) or ``partial`` (exactly zero
for the saturated or clipped elements the loss pushes on hardest; the rest of the gradient is fine).
"""
from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("ok", "none", "zero", "nan", "wrong", "partial")


@dataclass(frozen=True)
class Cause:
    name: str
    status: str       # the status this cause usually explains
    meaning: str      # one sentence: what happened
    fix: str          # one sentence: what to do about it


_ALL = [
    Cause("not_watched", "none",
          "the tape never watched this input: it is a constant tensor, a NumPy array, or a variable created "
          "with trainable=False",
          "make it a trainable tf.Variable, or call tape.watch(...) on it inside the tape"),
    Cause("integer_input", "none",
          "the input is an integer tensor (token ids, labels, indices): gradients exist only for floating-point "
          "values, so no tape ever gives one for it",
          "differentiate with respect to what the integers select: the embedding table (a trainable variable) or "
          "the embedding output (tape.watch on the looked-up vectors)"),
    Cause("untracked_variable", "none",
          "a raw tf.Variable stored on a Keras layer: Keras never tracks it, so it is missing from "
          "model.trainable_variables and the optimizer never sees a gradient for it",
          "create it with self.add_weight(...) (or keras.Variable) in the layer's __init__ or build"),
    Cause("outside_tape", "none",
          "the loss does not depend on this variable through anything the tape recorded: the value was "
          "computed before the tape started (and reused as a constant), or the loss does not use it at all",
          "compute everything that depends on the variable inside the `with tf.GradientTape()` block"),
    Cause("non_differentiable_op", "none",
          "an op on the path from the variable to the loss has no gradient for this input (a cast to an "
          "integer type, argmax, round, a comparison, ...), so the path is cut there",
          "keep the path in floating point; use a smooth surrogate (softmax instead of argmax, no rounding)"),
    Cause("stop_gradient", "none",
          "tf.stop_gradient (or an op that calls it) blocks the gradient on the path",
          "remove the stop_gradient if the gradient should flow, or move it to the other term"),
    Cause("left_tensorflow", "none",
          "the computation left TensorFlow (NumPy, .numpy(), float(), tf.numpy_function/py_function): the "
          "tape cannot see inside",
          "use tf.* ops on tensors all the way to the loss"),
    Cause("data_pipeline", "none",
          "the variable is used inside a tf.data pipeline (Dataset.map/reduce/scan, or a `for` loop over a "
          "dataset in a tf.function, which AutoGraph turns into one): dataset ops have no gradient, so what "
          "comes out of the pipeline is a constant for the tape",
          "use tf.data only to deliver the inputs; compute everything that involves the variables on the "
          "batches the dataset yields, inside the tape (iterate in Python, or over the dataset outside the step)"),
    Cause("stateful_op", "none",
          "the value reaches the loss through a variable assignment (assign, assign_add, scatter...): "
          "assignments are not differentiable, so the tape loses track at the assign (gradient None, or wrong "
          "when other paths remain, as in an RNN whose state is stored with assign)",
          "use the new value directly as a tensor; update state only after computing the gradient"),
    Cause("no_gradient_registered", "none",
          "an op on the path has no gradient function registered at all, so tape.gradient raises LookupError",
          "replace the op with a differentiable one, or register a gradient (tf.RegisterGradient / "
          "tf.custom_gradient)"),
    Cause("underflow", "zero",
          "a value on the path underflowed to exactly 0 in floating point (exp of a large negative number, "
          "a long product, float16), so the gradient through it is exactly 0 (or inf/NaN, when a later log or "
          "division meets that 0)",
          "compute in log space (tf.math.log_softmax, tf.reduce_logsumexp), or use float32/loss scaling"),
    Cause("saturation", "zero",
          "an activation or clip on the path is saturated (sigmoid/tanh output exactly at its limit, ReLU "
          "inputs all negative, a value clipped), so its local derivative is 0 (for all elements: status zero; "
          "for the elements the loss pushes on hardest: status partial)",
          "scale the inputs down, use the fused loss (from_logits=True), or a non-saturating activation"),
    Cause("flat_region", "zero",
          "the gradient is exactly 0 and no underflow or saturation explains it: the loss really is flat in "
          "this variable here (for example it is multiplied by an exact zero)",
          "check the op the report names: is the loss meant to depend on the variable there?"),
    Cause("nan_forward", "nan",
          "an op in the forward pass produced inf or NaN (log of 0, division by 0, overflow), and the "
          "gradient inherits it",
          "guard the input of the named op (clip, add an epsilon, use a stable fused op)"),
    Cause("nan_backward", "nan",
          "the forward pass is finite but the backward pass is not: the named op's derivative is infinite "
          "at this input (sqrt or norm at 0, log hidden behind tf.where, ...)",
          "keep the unsafe input away from the singularity in BOTH branches (the double-where trick)"),
    Cause("wrong_custom_gradient", "wrong",
          "a custom gradient (tf.custom_gradient or tf.RegisterGradient) on the path disagrees with finite "
          "differences, or returns None or NaN",
          "fix the custom gradient's formula and check it with tf.test.compute_gradient"),
    Cause("loss_error", "none",
          "calling the loss (or computing its gradient) raised an exception, so there is no gradient at all",
          "read the message and fix the error first"),
    Cause("unknown", "none",
          "the doctor could not tell why (the code could not be traced into a graph, or the pattern is new)",
          "bisect by hand with tape.watch on intermediate tensors (see the course chapters)"),
]

CAUSES: dict[str, Cause] = {c.name: c for c in _ALL}
