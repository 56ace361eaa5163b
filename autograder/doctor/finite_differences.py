"""Compare a gradient with finite differences along a random direction (cheap: two loss evaluations per step)."""
from __future__ import annotations

import numpy as np


def directional_check(loss_fn, variable, grad, seed: int = 0, flat: list | None = None) -> tuple[bool, str]:
    """(agrees, evidence). Perturbs ``variable`` in place and always restores it. If ``flat`` is a list, True is
    appended when the loss is piecewise constant here (it did not move, or only jumped at a rounding tie): any
    gradient is then a surrogate."""
    import tensorflow as tf
    v0 = tf.identity(variable).numpy()
    g = np.asarray(tf.convert_to_tensor(grad).numpy(), dtype=np.float64)
    rng = np.random.default_rng(seed)
    d = rng.standard_normal(v0.shape)
    analytic = float(np.sum(g * d))
    scale = float(np.sqrt(np.mean(np.square(v0.astype(np.float64))))) if v0.size else 1.0
    best = None
    sides: list = []   # (loss at +h, loss at -h) for each step size
    base = [float(np.sum(np.asarray(_loss_only(loss_fn())), dtype=np.float64)) for _ in range(2)]
    if base[0] != base[1]:
        return True, "the loss changes between two calls with the same values (dropout? random ops?): not checked"
    try:
        for rel in (1e-2, 1e-3):
            h = rel * max(scale, 1e-1)
            vals = []
            for sign in (1.0, -1.0):
                variable.assign((v0 + sign * h * d).astype(v0.dtype))
                vals.append(float(np.sum(np.asarray(_loss_only(loss_fn())), dtype=np.float64)))
            sides.append(tuple(vals))
            numeric = (vals[0] - vals[1]) / (2 * h)
            noise = 1e-6 * max(abs(vals[0]), abs(vals[1]), 1e-30) / h
            err = abs(numeric - analytic)
            rel_err = err / max(abs(numeric), abs(analytic), 1e-12)
            if best is None or rel_err < best[0]:
                best = (rel_err, err, noise, numeric)
    finally:
        variable.assign(v0)
    rel_err, err, noise, numeric = best
    if flat is not None:
        flat.append(_piecewise_constant(base[0], sides))
    agrees = rel_err < 0.01 or err < 10 * noise
    return agrees, (f"along a random direction the gradient predicts a slope of {analytic:.5g}, finite "
                    f"differences measure {numeric:.5g}")


def _piecewise_constant(base: float, sides) -> bool:
    """Is the loss piecewise constant here, along the direction? Yes when each side keeps one value, to the last
    bit, at both step sizes (it did not move, or it jumped: the point sits on a rounding tie), or when the five
    losses (at the point and at both steps on both sides) take at most two values (a rounding boundary lies
    between two of the steps). Then the difference of the two sides is a jump, not a slope. A smooth loss with a
    slope, however curved, moves at every step; a kink (a ReLU at 0) still moves on one side at both steps."""
    plus, minus = {p for p, _ in sides}, {m for _, m in sides}
    return (len(plus) == 1 and len(minus) == 1) or len(plus | minus | {base}) <= 2


def _loss_only(y):
    from .eager_run import split_step
    if isinstance(y, (tuple, list)) and len(y) == 2:
        step = split_step(y, len(y[1]) if isinstance(y[1], (tuple, list)) else 1)
        if step is not None:
            return step[0]
    return y


def scales_with_upstream(loss_fn, variable, grad) -> bool:
    """Does doubling the loss double the gradient? A gradient function that ignores its upstream ``dy`` fails."""
    import tensorflow as tf
    with tf.GradientTape() as tape:
        y = 2.0 * tf.convert_to_tensor(_loss_only(loss_fn()))
    g2 = tape.gradient(y, variable)
    if g2 is None:
        return True
    g = np.asarray(tf.convert_to_tensor(grad).numpy(), dtype=np.float64)
    g2 = np.asarray(tf.convert_to_tensor(g2).numpy(), dtype=np.float64)
    scale = max(float(np.max(np.abs(g))) if g.size else 0.0, 1e-30)
    return bool(np.allclose(g2, 2.0 * g, rtol=1e-3, atol=1e-5 * scale))
