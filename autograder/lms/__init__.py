"""Where instructors and learners already are: a student release, Gradescope, Canvas, a similarity report, and
the notebooks' set-up cell for Colab and Binder. Each lives in its own module; the CLI registers them."""
