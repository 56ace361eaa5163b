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


def entropy_edge_rows(cases):
    """Give two masked-softmax cases the rows where a masked-entropy fix can go wrong: an allowed position whose
    probability underflows to exactly 0 (a logit gap of 120, beyond float32's exp range), so a fix keyed on the mask
    instead of on p > 0 still computes 0 * log(0); and a row with a single allowed position (entropy 0)."""
    row = cases[1]
    row["mask"][1, :2] = True
    row["logits"][1, :2] = (60.0, -60.0)
    row = cases[2]
    row["mask"][1, :] = False
    row["mask"][1, 3] = True
    return cases
