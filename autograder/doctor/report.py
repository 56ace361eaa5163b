"""The doctor's report: one finding per variable, readable by a learner with ``print(report)``."""
from __future__ import annotations

from dataclasses import dataclass, field

from .causes import CAUSES

_ICON = {"ok": "ok  ", "none": "NONE", "zero": "ZERO", "nan": "NAN ", "wrong": "WRONG", "partial": "PART"}


@dataclass
class Finding:
    """What the doctor found for one variable."""
    name: str
    status: str                   # ok | none | zero | nan | wrong
    cause: str | None = None      # a key of autograder.doctor.CAUSES, None when status is ok
    op: str | None = None         # the graph op to blame, e.g. "Cast" (name) ...
    op_type: str | None = None    # ... and its type, e.g. "Cast to int32"
    location: str | None = None   # the learner's file:line that created the op
    detail: str = ""              # the specific evidence (values, counts, the error message)
    also: tuple = ()              # other causes that describe the same problem (e.g. numpy_function is both)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def __str__(self) -> str:
        head = f"[{_ICON.get(self.status, self.status)}] {self.name}"
        if self.ok:
            return head + ": gradient ok"
        cause = CAUSES.get(self.cause)
        also = f", also {', '.join(self.also)}" if self.also else ""
        lines = [f"{head}: gradient is {self._status_words()} ({self.cause}{also})"]
        if self.op_type or self.op:
            where = f" at {self.location}" if self.location else ""
            lines.append(f"    op: {self.op_type or ''}{' (' + self.op + ')' if self.op and self.op != self.op_type else ''}{where}")
        elif self.location:
            lines.append(f"    at: {self.location}")
        if self.detail:
            lines.append(f"    evidence: {self.detail}")
        if cause:
            lines.append(f"    why: {cause.meaning}")
            lines.append(f"    fix: {cause.fix}")
        return "\n".join(lines)

    def _status_words(self) -> str:
        return {"none": "None", "zero": "exactly zero", "nan": "inf/NaN",
                "wrong": "wrong (disagrees with finite differences)",
                "partial": "partly zero"}.get(self.status, self.status)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    loss: float | None = None
    notes: list[str] = field(default_factory=list)
    paths: list = field(default_factory=list, repr=False)   # for draw(): each group's path (picture.chains)

    def draw(self, path: str) -> str:
        """Save a drawing of each variable's path to the loss, the cut / NaN origin / underflow marked."""
        from .picture import draw
        return draw(self, path)

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __getitem__(self, key) -> Finding:
        if isinstance(key, int):
            return self.findings[key]
        for f in self.findings:
            if f.name == key:
                return f
        raise KeyError(key)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def causes(self) -> set[str]:
        """Every cause named, including the secondary ones in ``Finding.also``."""
        return {c for f in self.findings for c in ((f.cause,) if f.cause else ()) + tuple(f.also)}

    def __str__(self) -> str:
        n_bad = sum(not f.ok for f in self.findings)
        loss = f"loss = {self.loss:.6g}; " if isinstance(self.loss, float) else ""
        head = (f"Gradient doctor: {loss}{len(self.findings)} variable(s), "
                + ("all gradients ok." if not n_bad else f"{n_bad} with a problem."))
        return "\n".join([head] + [str(f) for f in self.findings] + [f"note: {n}" for n in self.notes])

    def _repr_pretty_(self, p, cycle):  # IPython shows the readable form
        p.text(str(self))

    def to_dict(self) -> dict:
        """Plain data (JSON-ready), e.g. to pass a diagnosis from a sandboxed process to the grader."""
        from dataclasses import asdict
        return {"loss": self.loss, "notes": list(self.notes), "ok": self.ok,
                "findings": [dict(asdict(f), also=list(f.also)) for f in self.findings]}

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        return cls([Finding(**dict(f, also=tuple(f.get("also", ())))) for f in data.get("findings", [])],
                   loss=data.get("loss"), notes=list(data.get("notes", [])))

    def sentences(self) -> str | None:
        """The findings as sentences from the catalogue of causes (never a bare code like `flat_region`): what
        a learner's check and the grader's feedback show."""
        from .causes import CAUSES
        out = []
        for f in self.findings:
            if f.ok:
                continue
            cause = CAUSES.get(f.cause)
            where = " ".join(b for b in (f"at {f.op_type or f.op}" if (f.op_type or f.op) else "",
                                         f"({f.location})" if f.location else "") if b)
            text = f"gradient doctor: the gradient for `{f.name}` {_STATUS_WORDS.get(f.status, f.status)}"
            text += f" {where}" if where else ""
            if cause is not None:
                text += f": {cause.meaning}. Usual fix: {cause.fix}."
            out.append(text)
        return "\n".join(out) or None

    def summary(self) -> str:
        """One line per problem, for embedding in a checker's feedback."""
        out = []
        for f in self.findings:
            if f.ok:
                continue
            bits = [b for b in (f.op_type or f.op, f"at {f.location}" if f.location else None) if b]
            where = f" ({' '.join(bits)})" if bits else ""
            out.append(f"gradient doctor: `{f.name}` gradient is {f._status_words()}: {f.cause}{where}")
        return "\n".join(out)


_STATUS_WORDS = {"none": "is None", "zero": "is exactly zero", "nan": "contains inf or NaN",
                 "wrong": "disagrees with finite differences", "partial": "is zero where it matters most"}
