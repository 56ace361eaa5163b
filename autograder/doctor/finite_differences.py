"""Compare a gradient with finite differences along a random direction (cheap: two loss evaluations per step)."""
from __future__ import annotations

import numpy as np


def directional_check(loss_fn, variable, grad, seed: int = 0) -> tuple[bool, str]:
    """(agrees, evidence). Perturbs ``variable`` in place and always restores it."""
    import tensorflow as tf
    v0 = tf.identity(variable).numpy()
    g = np.asarray(tf.convert_to_tensor(grad).numpy(), dtype=np.float64)
    rng = np.random.default_rng(seed)
    d = rng.standard_normal(v0.shape)
    analytic = float(np.sum(g * d))
    scale = float(np.sqrt(np.mean(np.square(v0.astype(np.float64))))) if v0.size else 1.0
    best = None
    try:
        for rel in (1e-2, 1e-3):
            h = rel * max(scale, 1e-1)
            vals = []
            for sign in (1.0, -1.0):
                variable.assign((v0 + sign * h * d).astype(v0.dtype))
                vals.append(float(np.sum(np.asarray(loss_fn()), dtype=np.float64)))
            numeric = (vals[0] - vals[1]) / (2 * h)
            noise = 1e-6 * max(abs(vals[0]), abs(vals[1]), 1e-30) / h
            err = abs(numeric - analytic)
            rel_err = err / max(abs(numeric), abs(analytic), 1e-12)
            if best is None or rel_err < best[0]:
                best = (rel_err, err, noise, numeric)
    finally:
        variable.assign(v0)
    rel_err, err, noise, numeric = best
    agrees = rel_err < 0.05 or err < 10 * noise
    return agrees, (f"along a random direction the gradient predicts a slope of {analytic:.5g}, finite "
                    f"differences measure {numeric:.5g}")
