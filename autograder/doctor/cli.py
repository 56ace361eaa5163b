"""``python -m autograder doctor SCRIPT.py``: run the gradient doctor on a script.

The script defines ``loss_fn`` (no arguments, returns the loss) and ``variables`` (a list or dict), or a Keras
``model`` plus ``batch = (x, y)`` and ``loss``. The script runs as ``__main__`` would, except that the doctor,
not the script, decides when to call the loss.
"""
from __future__ import annotations

import argparse
import os
import runpy
import sys


def load_script(path: str) -> dict:
    """Run the script and return the keyword arguments for ``diagnose``."""
    namespace = runpy.run_path(path, run_name="__doctor__")
    if "model" in namespace and "batch" in namespace:
        return {"loss_fn": namespace["model"], "batch": namespace["batch"], "loss": namespace.get("loss"),
                "variables": namespace.get("variables")}
    missing = [k for k in ("loss_fn", "variables") if k not in namespace]
    if missing:
        raise SystemExit(f"error: {path} must define loss_fn and variables (or model, batch and loss); "
                         f"missing: {', '.join(missing)}")
    return {"loss_fn": namespace["loss_fn"], "variables": namespace["variables"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder doctor",
                                     description="Explain why gradients are None, zero, NaN or wrong.")
    parser.add_argument("script", help="a Python file defining loss_fn and variables (or model, batch, loss)")
    parser.add_argument("--no-custom-check", action="store_true",
                        help="skip the finite-difference check of custom gradients")
    parser.add_argument("--graph", metavar="OUT.svg",
                        help="also draw each variable's path to the loss, with the cut marked (.svg, .png, .pdf)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from ..quiet import quiet_start
    quiet_start()
    if not os.path.isfile(args.script):
        print(f"error: no such file: {args.script}", file=sys.stderr)
        return 2
    sys.path.insert(0, os.path.dirname(os.path.abspath(args.script)))
    try:
        kwargs = load_script(args.script)
    except SystemExit:
        raise
    except Exception as exc:
        from .source import exception_location, first_line
        where = exception_location(exc)
        print(f"error: running {args.script} failed{' at ' + where if where else ''}: {first_line(exc)}",
              file=sys.stderr)
        return 2
    from .diagnose import diagnose
    report = diagnose(**kwargs, check_custom_gradients=not args.no_custom_check)
    print(report)
    if args.graph:
        print(f"path drawing: {report.draw(args.graph)}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
