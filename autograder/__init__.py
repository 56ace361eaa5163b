"""Why is my gradient None? The course's checker, grader and gradient doctor."""


def check(exercise_id: str, namespace: dict | None = None) -> None:
    """Check an exercise from a notebook: prints solved, or what is wrong plus the next hint."""
    import inspect
    from .learner import check as _check
    return _check(exercise_id, namespace if namespace is not None else inspect.currentframe().f_back.f_globals)


def hint(exercise_id: str, show_spoiler: bool = False) -> None:
    """Print the next hint for an exercise; the last one gives the answer away and needs ``show_spoiler=True``."""
    from .learner import hint as _hint
    return _hint(exercise_id, show_spoiler)


def diagnose(loss_fn=None, variables=None, **kwargs):
    """The gradient doctor: why each variable's gradient is None, zero, NaN or wrong (see ``autograder.doctor``)."""
    from .doctor import diagnose as _diagnose
    return _diagnose(loss_fn, variables, **kwargs)


def quiet_start():
    """Import TensorFlow without its C++ start-up log lines (see ``autograder.quiet``)."""
    from .quiet import quiet_start as _start
    return _start()


__all__ = ["check", "diagnose", "hint", "quiet_start"]
