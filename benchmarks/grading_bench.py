"""Grading benchmark: the same code as ``python -m autograder bench`` (see autograder/grading/bench.py).

    .venv/bin/python benchmarks/grading_bench.py --n 200 --baseline 10
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

if __name__ == "__main__":
    from autograder.grading.bench import main
    sys.exit(main())
