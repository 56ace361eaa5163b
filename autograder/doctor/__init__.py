"""The gradient doctor: why is my gradient None, zero, NaN or wrong? See book/doctor.md.

    from autograder import diagnose
    print(diagnose(loss_fn, [w, b]))                        # loss_fn() returns the loss
    print(diagnose(model, batch=(x, y), loss="mse"))        # a Keras model
"""
from .causes import CAUSES, STATUSES, Cause
from .diagnose import diagnose
from .report import Finding, Report
from .training import GradientGuard, GradientProblem, GradientWatch

__all__ = ["diagnose", "CAUSES", "STATUSES", "Cause", "Finding", "Report", "GradientWatch", "GradientGuard",
           "GradientProblem"]
