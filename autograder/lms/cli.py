"""The sub-commands for where classes already are: release, gradescope, canvas, similarity.

Registered by ``autograder/__main__.py`` with one call; each imports its module only when it runs, so
``python -m autograder --help`` stays fast."""
from __future__ import annotations


def cmd_release(args) -> int:
    from .release import main
    return main(args.out_dir)


def cmd_gradescope(args) -> int:
    from .gradescope import main
    return main(args.out_zip, args.notebooks, args.visibility, args.seed)


def cmd_canvas(args) -> int:
    from .canvas import main
    return main(args.report_dir, args.roster, args.out, args.assignment)


def cmd_similarity(args) -> int:
    from .similarity import main
    return main(args.submissions, args.out, args.threshold, args.min_tokens)


def add_commands(sub) -> None:
    r = sub.add_parser("release", help="write the student release: exercises + a checker, no solutions or references")
    r.add_argument("out_dir", help="a new or empty folder")
    r.set_defaults(func=cmd_release)

    gs = sub.add_parser("gradescope", help="build a Gradescope autograder bundle (setup.sh, run_autograder, course)")
    gs.add_argument("out_zip")
    gs.add_argument("--notebooks", nargs="+", help="the assignment's notebooks (default: all)")
    gs.add_argument("--visibility", default="visible", help="of each test: visible, hidden, after_due_date, "
                                                            "after_published (default visible)")
    gs.add_argument("--seed", type=int, help="grading seed (default: a new random one, kept in the bundle)")
    gs.set_defaults(func=cmd_gradescope)

    cv = sub.add_parser("canvas", help="Canvas gradebook import CSV from a report folder and Canvas's roster export")
    cv.add_argument("report_dir", help="a folder written by `grade`")
    cv.add_argument("--roster", required=True, help="the gradebook CSV Canvas exports (Grades > Export)")
    cv.add_argument("--out", required=True, help="the CSV to import into Canvas")
    cv.add_argument("--assignment", default="Why is my gradient None? exercises", help="the assignment column")
    cv.set_defaults(func=cmd_canvas)

    sm = sub.add_parser("similarity", help="flag near-identical answer cells across a class (similarity.csv/.md)")
    sm.add_argument("submissions", help="the folder given to `grade`")
    sm.add_argument("--out", required=True, help="report folder")
    sm.add_argument("--threshold", type=float, help="flag pairs at this Jaccard similarity or above (default 0.5)")
    sm.add_argument("--min-tokens", type=int, help="ignore edits with fewer 4-token runs than this (default 10)")
    sm.set_defaults(func=cmd_similarity)
