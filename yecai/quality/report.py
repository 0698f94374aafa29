"""What the quality gate found: one outcome per expectation, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# GX severities and what the gate does with them (expectations/README.md).
BLOCKING = "critical"
WARNING = "warning"


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result on one table."""

    suite: str  # the area suite (file expectations/suites/<suite>.json)
    table: str  # schema.table
    name: str  # the expectation's stable name (meta.name), unique across suites
    expectation_type: str
    column: str | None
    description: str
    severity: str
    success: bool
    observed: str  # what GX measured, e.g. "3 of 1,540 rows unexpected"
    samples: tuple[dict, ...] = ()  # failing rows (with _source_file/_source_row_number where the table has them)
    expectation_id: str = ""

    @property
    def label(self) -> str:
        target = f"{self.table}.{self.column}" if self.column else self.table
        return f"{self.name} ({self.expectation_type} on {target})"


@dataclass
class GateReport:
    """The audit verdict: publication is allowed when no blocking expectation failed."""

    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    data_docs: Path | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == BLOCKING]

    @property
    def warned(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != BLOCKING]

    @property
    def passed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.success]

    @classmethod
    def could_not_run(cls, error: Exception, log: Path) -> GateReport:
        """A gate that crashed blocks publication like a failed expectation."""
        outcome = ExpectationOutcome(
            suite="gate", table="-", name="gate.ran", expectation_type="-", column=None,
            description="The quality gate itself must run to completion.", severity=BLOCKING, success=False,
            observed=f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''} "
                     f"(traceback in {log})")
        return cls(outcomes=[outcome])

    @property
    def publishable(self) -> bool:
        return bool(self.outcomes) and not self.failed

    def summary_text(self, max_samples: int = 3) -> str:
        lines = [f"audit: {len(self.outcomes)} expectations — {len(self.passed)} passed, "
                 f"{len(self.warned)} warned, {len(self.failed)} failed (blocking)"]
        for title, outcomes in (("FAILED (blocks publication)", self.failed), ("warning", self.warned)):
            for o in outcomes:
                lines.append(f"  {title}: {o.label}")
                lines.append(f"    {o.description}")
                lines.append(f"    observed: {o.observed}")
                for sample in o.samples[:max_samples]:
                    lines.append("    row: " + ", ".join(f"{k}={v}" for k, v in sample.items()))
        if self.data_docs:
            lines.append(f"  Data Docs: {self.data_docs}")
        return "\n".join(lines)
