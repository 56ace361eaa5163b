"""Known-wrong and known-right answer cells, one module per exercise (``casts-1`` -> ``casts_1.py``).

Each module defines ``WRONG`` and ``RIGHT``: {short description: answer-cell source}. Every WRONG answer runs
without an error in its answer cell and must be rejected by the exercise's check; every RIGHT answer, written
differently from the official solution, must pass. tests/test_check_quality.py runs them.
"""
