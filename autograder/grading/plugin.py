"""The grader as a pytest plugin: each (submission, exercise) is a test item; the report is written at the end.

This process never runs learner code: notebooks run in sandboxed children (autograder.sandbox), and the items
only compare what those children wrote with references computed by trusted children. Collection does not walk
the submissions folder as pytest would (no conftest.py or test_*.py of a student is ever imported).
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from .. import catalog
from ..sandbox.pool import Sandbox, SandboxError
from .outcome import Grader, Outcome, Pending, start_tensorflow
from .report import clean_text, write_reports
from .submissions import Submission, discover, shard


class GradeFailed(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__("; ".join(outcome.reasons))
        self.outcome = outcome


class GradeItem(pytest.Item):
    def __init__(self, *, submission: Submission, exercise: str, plugin: "GradingPlugin", **kw):
        super().__init__(**kw)
        self.submission = submission
        self.exercise = exercise
        self.plugin = plugin

    def runtest(self) -> None:
        outcome = self.plugin.outcome(self.submission, self.exercise)
        if outcome.status != "passed":
            raise GradeFailed(outcome)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, GradeFailed):
            o = excinfo.value.outcome
            return clean_text(f"{o.status}: " + "\n".join(o.reasons))
        return f"grader error: {excinfo.value!r}"

    def reportinfo(self):
        return self.submission.path, None, clean_text(f"{self.submission.student}::{self.exercise}")


class GradingPlugin:
    def __init__(self, submissions: Path, out: Path, seed: int, shard_spec: tuple[int, int] | None,
                 limits: dict | None, parallel: int | None, hide: list[Path], progress: bool = True,
                 insecure: bool = False, courtesy: bool = True):
        self.root = submissions
        self.out = out
        self.seed = seed
        self.shard_spec = shard_spec
        self.limits = limits
        self.parallel = parallel
        self.hide = hide
        self.progress = progress
        self.insecure = insecure
        self.courtesy = courtesy
        self.outcomes: dict[tuple[str, str], Outcome] = {}
        self._pending: dict[str, Pending] = {}
        self._bar = None
        self.sandbox: Sandbox | None = None
        self.grader: Grader | None = None
        self.report_written = False
        self.internal_errors: list[str] = []
        self.start_error = ""

    # -- collection: build items from the submissions folder, and start every notebook right away ---------
    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> bool:
        subs = discover(self.root)
        if self.shard_spec:
            subs = shard(subs, *self.shard_spec)
        threading.Thread(target=start_tensorflow, daemon=True).start()  # the references' TensorFlow, meanwhile
        try:
            self.sandbox = Sandbox(parallel=self.parallel, limits=self.limits, hide=[str(p) for p in self.hide],
                                   secure=True, insecure=self.insecure, courtesy=self.courtesy)
            self.grader = Grader(self.sandbox, seed=self.seed)
            self.grader.isolation.add("jail: bubblewrap around the sandbox" if self.sandbox.jailed
                                      else "no jail: bubblewrap unavailable, run with --insecure")
        except SandboxError as exc:  # e.g. the sandbox died while starting: every row says so, the report stays
            self.start_error = str(exc)
        items = []
        for sub in subs:
            exercises = [ex.id for ex in catalog.by_notebook(sub.release)] if sub.release else ["?"]
            if sub.problem is None and self.grader is not None:
                self._pending[sub.key] = self.grader.start(sub.student, sub.path, sub.release)
            for ex_id in exercises:
                items.append(GradeItem.from_parent(session, name=clean_text(f"{sub.student}::{ex_id}"), submission=sub,
                                                   exercise=ex_id, plugin=self))
        session.items = items
        session.testscollected = len(items)
        if self.progress:
            from tqdm import tqdm
            self._bar = tqdm(total=len(items), unit="item", desc="grading", dynamic_ncols=True)
        return True

    def outcome(self, sub: Submission, ex_id: str) -> Outcome:
        key = (sub.key, ex_id)
        if key not in self.outcomes:
            if sub.problem is not None:
                ex = catalog.get(ex_id) if ex_id != "?" else None
                # The path inside the class folder: two problem files of one student stay two rows.
                where = sub.path.relative_to(self.root)
                name = str(where.relative_to(where.parts[0])) if len(where.parts) > 1 else where.name
                self.outcomes[key] = Outcome(sub.student, ex_id, name, 0.0, ex.points if ex else 0,
                                             "error", [sub.problem])
            else:
                try:
                    if self.start_error:
                        raise SandboxError(self.start_error)
                    for o in self._pending[sub.key].outcomes():
                        self.outcomes[(sub.key, o.exercise)] = o
                except Exception as exc:  # the grader failed, not the learner: still give the row, then fail loudly
                    self.internal_errors.append(f"{sub.key}: {exc!r}")
                    for ex in catalog.by_notebook(sub.release):
                        self.outcomes[(sub.key, ex.id)] = Outcome(sub.student, ex.id, sub.path.name, 0.0, ex.points,
                                                                  "error", [f"internal grader error: {exc}"])
        return self.outcomes[key]

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" and self._bar is not None:
            self._bar.update(1)

    # -- the score writer: runs here, in the grader's process, after every item ---------------------------
    def pytest_sessionfinish(self, session) -> None:
        if self._bar is not None:
            self._bar.close()
        try:
            rows = sorted(self.outcomes.values(), key=lambda o: (o.student, o.exercise, o.notebook))
            write_reports(rows, self.out)
            if self.grader is not None:
                # How the notebooks were isolated (e.g. namespaces unavailable: audit hook only), for the record.
                (self.out / "sandbox.txt").write_text("".join(f"{line}\n" for line in sorted(self.grader.isolation)))
            self.report_written = True
            if session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
                # Nothing to grade (an empty folder, or a shard no student falls into) is a complete, empty
                # report, not a failure: a sharded CI run must not fail because one shard was empty.
                session.exitstatus = pytest.ExitCode.OK
        finally:
            if self.sandbox is not None:
                self.sandbox.close()
