"""Turning exceptions into one line a learner can act on.

Keras wraps errors raised inside ``call()``: the first line is "Exception encountered when calling X.call()."
and the explanation ("You cannot add new elements of state ... All state must be created in __init__() or
build()") comes after it, with ANSI bold codes, followed by an "Arguments received" block. Keep the explanation.
"""
from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_WRAPPERS = ("Exception encountered when calling", "Arguments received by", "Exception encountered")


def explain(exc: BaseException, limit: int = 300) -> str:
    try:
        text = _ANSI.sub("", str(exc))
    except BaseException:  # noqa: BLE001 - a learner's exception class may fail in __str__
        return "(its message could not be shown)"
    lines = [ln.strip() for ln in text.splitlines()]
    kept: list[str] = []
    for line in lines:
        if line.startswith("Arguments received by"):
            break                                   # the rest lists the call's arguments: noise
        if not line or line.startswith(_WRAPPERS) or line.startswith("•"):
            continue
        kept.append(line)
    if not kept:
        kept = [ln for ln in lines if ln][:1]
    out = " ".join(kept)
    return out if len(out) <= limit else out[: limit - 1] + "…"
