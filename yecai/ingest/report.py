"""What an ingest run did, for the exit code and for the person reading the terminal.

The exit code looks at every file currently in the landing folder, including files
processed (and refused or partly quarantined) in an earlier run: as long as a
non-conforming delivery is still there, ingest keeps saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FileOutcome:
    """The result for one delivery file, as recorded in ingest.load_log.

    `earlier` is True when the file was processed in an earlier run and skipped now; its
    figures are then those of that earlier load_log row.
    """

    source_file: str
    extract_name: str | None
    status: str  # 'loaded' | 'refused' | 'duplicate'
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    earlier: bool = False

    @property
    def conforms(self) -> bool:
        return self.status != "refused" and self.rows_quarantined == 0


@dataclass
class IngestReport:
    """Outcome of one `ingest` run; `exit_code` 0 when everything in landing conforms."""

    landing: Path
    database: Path
    outcomes: list[FileOutcome] = field(default_factory=list)
    ignored_folders: list[str] = field(default_factory=list)
    landing_exists: bool = True

    @property
    def exit_code(self) -> int:
        return 0 if all(o.conforms for o in self.outcomes) else 1

    def _new(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if not o.earlier]

    def summary_text(self) -> str:
        """A short human summary: per extract, refusals, duplicates, where to look."""
        lines = [f"ingest: {self.landing} -> {self.database}"]
        if not self.landing_exists:
            lines.append(f"  landing folder {self.landing} does not exist; nothing to load "
                         "(raw tables created empty)")
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

        duplicates = [o for o in new if o.status == "duplicate"]
        if duplicates:
            lines.append("Duplicates (not loaded again):")
            lines += [f"  {o.source_file}: {o.message}" for o in duplicates]
        refused = [o for o in self.outcomes if o.status == "refused"]
        if refused:
            lines.append("Refused files (nothing loaded from them):")
            lines += [f"  {o.source_file}: {o.message}" + ("  [earlier run]" if o.earlier else "")
                      for o in refused]
        quarantined = [o for o in self.outcomes if o.rows_quarantined]
        if quarantined:
            lines.append("Files with quarantined rows:")
            lines += [f"  {o.source_file}: {o.rows_quarantined:,} of {o.rows_read:,} rows quarantined"
                      + ("  [earlier run]" if o.earlier else "") for o in quarantined]
        for folder in self.ignored_folders:
            lines.append(f"  note: sub-folder {folder}/ ignored (deliveries must sit directly in "
                         "their extract's folder)")

        lines.append(f"Database: {self.database}")
        lines.append("  select * from ingest.load_log order by loaded_at, source_file;")
        lines.append("  select source_file, source_row_number, column_name, reason, raw_record "
                     "from ingest.quarantine order by source_file, source_row_number;")
        verdict = ("OK: everything in the landing folder conforms" if self.exit_code == 0
                   else "NOT OK: some files refused or rows quarantined (exit code 1)")
        lines.append(verdict)
        return "\n".join(lines)
