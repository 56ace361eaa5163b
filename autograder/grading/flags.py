"""The grader's limit flags, in one place: ``add_limit_flags(parser)`` and ``limits_from_args(args)``.

Every limit of the sandbox (see ``autograder.sandbox.pool.DEFAULT_LIMITS``) can be set from the command line.
"""
from __future__ import annotations

import argparse

FLAGS = {
    # flag: (dest, type, help)
    "--wall-seconds": ("wall_seconds", float, "time limit per submission notebook (default 120)"),
    "--exercise-seconds": ("exercise_seconds", float, "time limit per cell and per exercise's hidden checks "
                                                      "(default: 60, or half the notebook's limit if lower)"),
    "--mem-mb": ("mem_mb", int, "memory limit per submission notebook, on top of TensorFlow (default 2048)"),
    "--output-kb": ("output_kb", int, "output a notebook may print before it is cut (default 1024)"),
}


def add_limit_flags(parser: argparse.ArgumentParser) -> None:
    """Add the limit flags that ``parser`` does not have yet."""
    have = {a for action in parser._actions for a in action.option_strings}
    for flag, (dest, kind, text) in FLAGS.items():
        if flag not in have:
            parser.add_argument(flag, dest=dest, type=kind, help=text)


def limits_from_args(args: argparse.Namespace) -> dict:
    """The sandbox limits given on the command line (absent flags keep the defaults)."""
    out = {}
    if getattr(args, "wall_seconds", None) is not None:
        out["wall_seconds"] = args.wall_seconds
    if getattr(args, "exercise_seconds", None) is not None:
        out["cell_seconds"] = out["probe_seconds"] = args.exercise_seconds
    if getattr(args, "mem_mb", None) is not None:
        out["mem_mb"] = args.mem_mb
    if getattr(args, "output_kb", None) is not None:
        out["output_bytes"] = args.output_kb * 1024
    return out
