"""The doctor during training: on the first step where a gradient is None, exactly zero for a whole variable, or
inf/NaN, run ``diagnose`` once and report (or stop training).

- ``model.fit(..., callbacks=[GradientWatch()])``. Keras 3 does not show gradients to callbacks, so the
  callback wraps the model's ``optimizer.apply_gradients`` (which ``train_step`` calls with every step's
  gradients) and ``train_step`` (to keep the step's batch), then rebuilds the train function. Inside the
  compiled step it adds one small reduction per gradient and a flag variable; the batch is copied out only on
  the step that goes wrong.
- A custom loop: ``guard = GradientGuard()`` and ``guard.check(grads, variables, loss_fn)`` after
  ``tape.gradient`` (eager code).
"""
from __future__ import annotations

import numpy as np

from .diagnose import diagnose

OK, ZERO, NONFINITE, NONE = 0, 1, 2, 3
_WORDS = {ZERO: "exactly zero", NONFINITE: "inf/NaN", NONE: "None"}


class GradientProblem(RuntimeError):
    """Raised by ``GradientGuard.check(..., stop=True)``; ``.report`` holds the diagnosis."""

    def __init__(self, message, report):
        super().__init__(message)
        self.report = report


def _codes(grads, check_finite: bool = True):
    """One code per gradient (OK/ZERO/NONFINITE/NONE) as an int32 tensor; works eagerly and inside a graph."""
    import tensorflow as tf
    present = [g for g in grads if g is not None]
    if not present:
        return tf.fill([len(grads)], NONE)
    sums = tf.stack([tf.reduce_sum(tf.abs(tf.cast(g.values if isinstance(g, tf.IndexedSlices) else g,
                                                  tf.float32))) for g in present])
    codes = tf.where(sums == 0.0, ZERO, OK)
    if check_finite:
        codes = tf.where(tf.math.is_finite(sums), codes, NONFINITE)
    it = iter(tf.unstack(codes))
    return tf.stack([next(it) if g is not None else tf.constant(NONE) for g in grads])


def _describe(codes, variables) -> str:
    bad = [(getattr(v, "path", None) or getattr(v, "name", f"variable {i}"), _WORDS[int(c)])
           for i, (c, v) in enumerate(zip(codes, variables)) if int(c) != OK]
    head = ", ".join(f"`{n}` {w}" for n, w in bad[:5])
    return head + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")


class GradientGuard:
    """For a custom training loop (eager): ``guard.check(grads, variables, loss_fn)`` after ``tape.gradient``.
    The first time a gradient is None, all zero or inf/NaN, it runs the doctor on ``loss_fn`` (a zero-argument
    function that recomputes the step's loss) and prints the report; ``stop=True`` raises GradientProblem."""

    def __init__(self, stop: bool = False, print_fn=print):
        self.stop, self.print_fn = stop, print_fn
        self.report = None
        self.step = None
        self._steps = 0

    def check(self, grads, variables, loss_fn=None, *, model=None, batch=None, loss=None):
        self._steps += 1
        if self.report is not None:
            return None
        codes = np.asarray(_codes(list(grads)))
        if not np.any(codes != OK):
            return None
        self.step = self._steps
        summary = _describe(codes, list(variables))
        if model is not None:
            self.report = diagnose(model, batch=batch, loss=loss)
        else:
            self.report = diagnose(loss_fn, list(variables))
        self.print_fn(f"GradientGuard: step {self.step}: {summary}\n{self.report}")
        if self.stop:
            raise GradientProblem(f"step {self.step}: {summary}", self.report)
        return self.report


def _keras():
    import keras
    return keras


class GradientWatch(_keras().callbacks.Callback):
    """``model.fit(..., callbacks=[GradientWatch()])``: on the first training step whose gradients are None,
    all zero for some variable, or inf/NaN, diagnose that step's batch once and print the report
    (``stop=True`` also stops training). After fit: ``.report`` (or None), ``.step`` (the global step), ``.summary``.

    The check runs inside the compiled step and records the first bad step (its batch and the weights before the
    update); the callback reads that record every ``check_every`` steps and at the end of each epoch, so healthy
    steps never wait for it. The report is always about the first bad step; ``stop=True`` stops training at the
    next read (at most ``check_every`` - 1 steps later; ``check_every=1`` stops at once, a little slower).

    With a ``LossScaleOptimizer`` (mixed precision) inf/NaN gradients are expected on the steps it skips, so only
    None and zero gradients are watched."""

    def __init__(self, stop: bool = False, print_fn=print, check_every: int = 20):
        super().__init__()
        self.stop, self.print_fn, self.check_every = stop, print_fn, max(1, int(check_every))
        self._step_var = None
        self.report = self.step = self.summary = None
        self._batch = None
        self._before, self._weights = [], []
        self._flags = None
        self._names = []
        self._seen = 0

    # --- inside the compiled train step ---------------------------------------------------------------------
    def _wrap(self):
        import tensorflow as tf
        keras = _keras()
        model, opt = self.model, self.model.optimizer
        check_finite = not isinstance(opt, keras.optimizers.LossScaleOptimizer)
        original_apply, original_step = opt.apply_gradients, model.train_step
        current = {}

        def keep(n_data, *flat):  # runs on the host, only on the first bad step
            if self._batch is None:
                n = int(n_data)
                self._batch = [np.asarray(t) for t in flat[:n]]
                self._before = [np.asarray(t) for t in flat[n:]]   # the weights before this step's update
            return np.int32(0)

        def apply_gradients(grads_and_vars, *args, **kwargs):
            pairs = list(grads_and_vars)
            grads = [g for g, _ in pairs]
            self._names = [v for _, v in pairs]
            if self._flags is None or self._flags.shape[0] != len(pairs):
                with tf.init_scope():
                    self._flags = tf.Variable(tf.zeros([len(pairs)], tf.int32), trainable=False)
                    self._step_var = tf.Variable([0, 0], trainable=False)   # steps so far, first bad step
            codes = _codes(grads, check_finite)
            fresh = tf.logical_and(tf.reduce_all(self._flags == OK), tf.reduce_any(codes != OK))
            flat = [t for t in tf.nest.flatten(current.get("data")) if tf.is_tensor(t)]
            weights = list(model.trainable_variables)
            self._weights = weights

            def store():
                return tf.py_function(keep, [tf.constant(len(flat))] + flat + [tf.identity(w) for w in weights],
                                      tf.int32)

            stored = tf.cond(fresh, store, lambda: tf.constant(0))
            with tf.control_dependencies([stored]):
                self._flags.assign(tf.where(fresh, codes, self._flags))
                count = self._step_var[0] + 1
                self._step_var.assign(tf.stack([count, tf.where(fresh, count, self._step_var[1])]))
            return original_apply(pairs, *args, **kwargs)

        def train_step(data):
            current["data"] = data
            return original_step(data)

        opt.apply_gradients, model.train_step = apply_gradients, train_step
        self._data_structure = current

    def _unwrap(self):
        for obj, name in ((self.model.optimizer, "apply_gradients"), (self.model, "train_step")):
            obj.__dict__.pop(name, None)
        self.model.train_function = None

    # --- Keras callback hooks ----------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self.report = self.step = self.summary = None
        self._batch, self._flags, self._seen = None, None, 0
        self._wrap()
        self.model.make_train_function(force=True)

    def on_train_batch_end(self, batch, logs=None):
        self._seen += 1
        if self._seen % self.check_every == 0:
            self._read()

    def on_epoch_end(self, epoch, logs=None):
        self._read()

    def _read(self):
        if self.report is not None or self._flags is None:
            return
        codes = self._flags.numpy()
        if not np.any(codes != OK):
            return
        self.step = int(self._step_var.numpy()[1])
        self.summary = _describe(codes, self._names)
        self.report = self._diagnose()
        self.print_fn(f"GradientWatch: training step {self.step}: {self.summary}\n{self.report}")
        if self.stop:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self._read()
        self._unwrap()

    def _diagnose(self):
        import tensorflow as tf
        data = self._data_structure.get("data")
        if self._batch is None or data is None:
            return None
        it = iter(tf.constant(a) for a in self._batch)
        batch = tf.nest.map_structure(lambda t: next(it) if tf.is_tensor(t) else t, data)
        batch = tuple(batch) if isinstance(batch, (tuple, list)) else (batch,)
        loss = getattr(self.model, "loss", None)
        after = [w.numpy() for w in self._weights]
        try:   # diagnose the step that went wrong, with the weights it saw (the optimizer has updated them since)
            for w, value in zip(self._weights, self._before):
                w.assign(value)
            return diagnose(self.model, batch=batch, loss=loss)
        finally:
            for w, value in zip(self._weights, after):
                w.assign(value)


__all__ = ["GradientWatch", "GradientGuard", "GradientProblem"]
