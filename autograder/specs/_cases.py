"""Hidden-input generators that several exercises share."""


def regression_batches(rng, n_range, d_range, count=3):
    """``count`` linear-regression batches: weights ``w`` (d, 1), features ``x`` (n, d), targets ``y`` (n, 1),
    with n and d drawn from the half-open ranges."""
    out = []
    for _ in range(count):
        n, d = int(rng.integers(*n_range)), int(rng.integers(*d_range))
        out.append({
            "w": rng.normal(size=(d, 1)).astype("float32"),
            "x": rng.normal(size=(n, d)).astype("float32"),
            "y": rng.normal(size=(n, 1)).astype("float32"),
        })
    return out
