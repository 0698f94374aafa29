"""What an ingest run did, for the exit code and for the person reading the terminal.

The exit code looks at this run's deliveries only: a file refused or quarantined in an
earlier run is listed again (so it is not forgotten) but does not make every later run
fail, so a scheduler can tell a new problem from an old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from yecai.ingest.mirror import MirrorReport

EXIT_CLEAN, EXIT_NOT_CLEAN = 0, 1  # and settings.EXIT_CANNOT_RUN, raised as IngestStopped


@dataclass(frozen=True)
class FileOutcome:
    """The result for one delivery file.

    status: 'loaded' | 'refused' | 'duplicate' (decided, in ingest.load_log); 'failed'
    (could not be processed, in ingest.load_failures, retried next run); 'waiting' (still
    being written: not read, a later run takes it). `earlier` is True when the file was
    decided in an earlier run and skipped now; its figures are those of that load_log row.
    """

    source_file: str
    extract_name: str | None
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    earlier: bool = False

    @property
    def conforms(self) -> bool:
        return self.status not in ("refused", "failed") and self.rows_quarantined == 0


@dataclass
class IngestReport:
    """Outcome of one `ingest` run; `exit_code` 0 when every new delivery conforms."""

    landing: Path
    database: Path
    outcomes: list[FileOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # entries left alone on purpose (discover.py)
    mirror: MirrorReport | None = None  # the raw layer's Parquet copy, when one is kept (mirror.py)

    @property
    def exit_code(self) -> int:
        return EXIT_CLEAN if all(o.conforms for o in self._new()) else EXIT_NOT_CLEAN

    def _new(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if not o.earlier]

    def summary_text(self) -> str:
        """A short human summary: per extract, refusals, duplicates, where to look."""
        lines = [f"ingest: {self.landing} -> {self.database}"]
        new = self._new()
        per_extract: dict[str, list[FileOutcome]] = {}
        for o in new:
            if o.extract_name and o.status == "loaded":
                per_extract.setdefault(o.extract_name, []).append(o)
        if per_extract:
            width = max(len(n) for n in per_extract) + 2
            lines.append(f"  {'extract':<{width}}{'files':>6}{'rows loaded':>14}{'quarantined':>14}")
            for name, outs in per_extract.items():
                lines.append(
                    f"  {name:<{width}}{len(outs):>6}{sum(o.rows_loaded for o in outs):>14,}"
                    f"{sum(o.rows_quarantined for o in outs):>14,}")
        else:
            lines.append("  no new delivery loaded")
        earlier = [o for o in self.outcomes if o.earlier]
        if earlier:
            lines.append(f"  {len(earlier)} file(s) already processed in earlier runs: skipped")

        def section(title: str, outcomes: list[FileOutcome], text) -> None:  # noqa: ANN001
            if outcomes:
                lines.append(title)
                lines.extend(f"  {o.source_file}: {text(o)}" + ("  [earlier run]" if o.earlier else "")
                             for o in outcomes)

        section("Duplicates (not loaded again):", [o for o in new if o.status == "duplicate"], lambda o: o.message)
        section("Refused files (nothing loaded from them):", [o for o in self.outcomes if o.status == "refused"],
                lambda o: o.message)
        section("Files with quarantined rows:", [o for o in self.outcomes if o.rows_quarantined],
                lambda o: f"{o.rows_quarantined:,} of {o.rows_read:,} rows quarantined")
        section("Failed (not loaded; tried again on the next run):", [o for o in new if o.status == "failed"],
                lambda o: o.message)
        section("Not complete yet (not read; a later run takes them):", [o for o in new if o.status == "waiting"],
                lambda o: o.message)
        lines.extend(f"  note: {note}" for note in self.notes)

        if self.mirror:
            lines.append(f"Parquet mirror of the raw layer: {self.mirror.folder} "
                         f"({self.mirror.batches_written} new batch file(s), {self.mirror.rows_written:,} rows)")
        lines.append(f"Database: {self.database}")
        lines.append("  select * from ingest.load_log order by loaded_at, source_file;")
        lines.append("  select source_file, source_row_number, column_name, reason, raw_record "
                     "from ingest.quarantine order by source_file, source_row_number;")
        verdict = ("OK: every new delivery conforms" if self.exit_code == EXIT_CLEAN
                   else "NOT OK: some new deliveries refused, failed or with quarantined rows (exit code 1)")
        lines.append(verdict)
        return "\n".join(lines)
