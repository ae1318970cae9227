"""What a check returns: findings with stable codes, and a report that prints or serializes them.

A finding's ``code`` is part of the interface (teachers grep for it, tests assert on it); its
``message`` is for the student, in plain words. ``where`` says where the disagreement was seen:
the block of theta (``W1``, ``W2``, ``b1``, ``b2``), the term of the cost (``data term``,
``weight decay``, ``sparsity``) and, when one stands out, the coordinate inside the block.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass, field
from typing import Any

#: A finding that makes the check fail, and one that is only advice.
ERROR, NOTE = "error", "note"

#: How much a report gives away: the code only; the code, term and block; the full explanation.
HINT_LEVELS = ("none", "where", "full")

#: The keys of ``where`` that the ``where`` level keeps (the line and the variable are the answer).
WHERE_KEYS = ("term", "block", "layout")


@dataclass(frozen=True)
class Finding:
    """One thing the checker noticed about the student's function.

    Parameters
    ----------
    code : str
        Stable identifier, such as ``sparsity-missing-from-delta2``.
    message : str
        What is wrong and which line of the notes it breaks, for the student.
    severity : {"error", "note"}
        Errors fail the check; notes are advice (a column vector, a slow loop).
    where : dict
        Optional keys ``block``, ``term``, ``coordinate``, ``line``: where it was seen.
    """

    code: str
    message: str
    severity: str = ERROR
    where: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        tag = "FAIL" if self.severity == ERROR else "note"
        place = ", ".join(f"{k} {v}" for k, v in self.where.items())
        head = f"  {tag} {self.code}" + (f"  [{place}]" if place else "")
        body = "\n".join(
            textwrap.fill(line, width=98, initial_indent="      ", subsequent_indent="      ")
            if not line.startswith(" ")  # keep traceback lines as they are
            else "      " + line
            for line in self.message.splitlines()
        )
        return f"{head}\n{body}"


@dataclass
class CheckReport:
    """The outcome of checking one student function.

    ``passed`` is True when no finding is an error. ``findings`` lists errors first, then notes.
    ``source`` names what was checked (``file.py:function`` or the function's qualified name).
    """

    exercise: str
    source: str
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def codes(self) -> list[str]:
        """The codes of all findings, errors and notes, in order."""
        return [f.code for f in self.findings]

    @property
    def error_codes(self) -> list[str]:
        """The codes of the findings that fail the check."""
        return [f.code for f in self.findings if f.severity == ERROR]

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``source``, ``exercise``, ``passed``, ``seconds``, ``findings``."""
        return {
            "source": self.source,
            "exercise": self.exercise,
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "findings": [asdict(f) for f in self.findings],
        }

    def to_json(self) -> str:
        """The report as one line of JSON (batch grading prints one per submission)."""
        return json.dumps(self.to_dict(), sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckReport:
        """Rebuild a report from :meth:`to_dict` (how the grading subprocess hands it back)."""
        findings = [Finding(**f) for f in data.get("findings", [])]
        return cls(data["exercise"], data["source"], findings, float(data.get("seconds", 0.0)))

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        errors = sum(f.severity == ERROR for f in self.findings)
        notes = len(self.findings) - errors
        head = (
            f"{self.source} ({self.exercise}): {verdict}, {errors} problem(s), {notes} note(s), "
            f"{self.seconds:.1f} s"
        )
        ordered = sorted(self.findings, key=lambda f: f.severity != ERROR)
        return "\n".join([head, *(str(f) for f in ordered)])


def with_hints(report: CheckReport, level: str) -> CheckReport:
    """The report as a teacher wants it shown: ``none``, ``where`` or ``full`` (as it is).

    ``none`` keeps each error's code only; ``where`` adds the term and block it was seen in (and
    the layout of theta), without the explanation, the numbers or the line. Notes (a column
    vector, a slow loop) are advice and stay whole at every level.

    Raises
    ------
    ValueError
        ``level`` is not one of :data:`HINT_LEVELS`.
    """
    if level not in HINT_LEVELS:
        raise ValueError(f"hints must be one of {', '.join(HINT_LEVELS)}; got {level!r}")
    if level == "full":
        return report
    findings = []
    for f in report.findings:
        if f.severity != ERROR:
            findings.append(f)
            continue
        where = {k: f.where[k] for k in WHERE_KEYS if k in f.where} if level == "where" else {}
        hidden = "(hints withheld: --hints " + level + ")"
        findings.append(Finding(f.code, hidden, f.severity, where))
    return CheckReport(report.exercise, report.source, findings, report.seconds)
