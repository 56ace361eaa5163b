"""Sandboxed execution of learner code: a zygote that forks one isolated child per job."""
