"""Loading one delivery: decide from the ledger, read, validate, write in one transaction.

The ledger (ingest.load_log) is what makes ingestion idempotent. A delivery is identified
by its name (source_file) and its content (batch_id = sha256):
- same name, same content as a logged row: processed before, skip, write nothing;
- same name as a *loaded* delivery but other content: refused (deliveries are immutable);
- same content as a loaded delivery of the extract under another name: 'duplicate';
- otherwise the file is read and validated, and its good rows, its quarantined rows and its
  load_log row are written in one transaction, so a crash leaves nothing half-loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from yecai.ingest.discover import Delivery, fingerprint
from yecai.ingest.encoding import text_source
from yecai.ingest.errors import Refusal
from yecai.ingest.readers import READERS, STAGING, TEXT_FORMATS
from yecai.ingest.readers import drop_scratch as drop_reader_scratch
from yecai.ingest.report import FileOutcome
from yecai.ingest.validate import bad_rows_sql, quarantine_insert_sql, raw_insert_sql

BAD_ROWS = "__ingest_bad_rows"


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every temp object of the previous file (they can be large)."""
    con.execute(f"DROP TABLE IF EXISTS {BAD_ROWS}")
    drop_reader_scratch(con)


@dataclass(frozen=True)
class _Facts:
    """What is known about a delivery before its content is read."""

    delivery: Delivery
    batch_id: str | None
    file_bytes: int | None
    encoding: str | None = None


class Loader:
    """Processes deliveries one by one on an open connection; one instance per run."""

    def __init__(self, con: duckdb.DuckDBPyConnection, loaded_at: dt.datetime, workdir: Path):
        self.con = con
        self.loaded_at = loaded_at
        self.workdir = workdir

    # ---------------------------------------------------------------- ledger look-ups
    def _earlier(self, facts: _Facts) -> FileOutcome | None:
        """The outcome of an earlier run for exactly this name and content, if any.

        (A file that could not even be read has no batch id; its refusal is matched on the
        NULL id, so that it too is logged once, not on every run.)"""
        row = self.con.execute(
            "select status, rows_read, rows_loaded, rows_quarantined, message "
            "from ingest.load_log where source_file = ? and batch_id is not distinct from ? "
            "order by loaded_at desc limit 1",
            [facts.delivery.source_file, facts.batch_id]).fetchone()
        if row is None:
            return None
        return FileOutcome(facts.delivery.source_file, facts.delivery.extract_name, row[0],
                           row[1], row[2], row[3], row[4], earlier=True)

    def _name_conflict(self, facts: _Facts) -> str | None:
        row = self.con.execute(
            "select batch_id, loaded_at from ingest.load_log where source_file = ? "
            "and status = 'loaded' and batch_id <> ? order by loaded_at limit 1",
            [facts.delivery.source_file, facts.batch_id]).fetchone()
        if row is None:
            return None
        return (f"a delivery with this file name was already loaded on {row[1]:%Y-%m-%d %H:%M:%S} "
                f"with different content (batch {row[0][:12]}…); deliveries are immutable: "
                "deliver corrected data under a new file name")

    def _first_with_same_content(self, facts: _Facts) -> str | None:
        row = self.con.execute(
            "select source_file from ingest.load_log where extract_name = ? and batch_id = ? "
            "and status = 'loaded' order by loaded_at, source_file limit 1",
            [facts.delivery.extract_name, facts.batch_id]).fetchone()
        return row[0] if row else None

    # ---------------------------------------------------------------- writing
    def _log(self, facts: _Facts, status: str, message: str | None,
             rows_loaded: int = 0, rows_quarantined: int = 0) -> None:
        d = facts.delivery
        self.con.execute(
            "insert into ingest.load_log (batch_id, extract_name, source_file, file_format, "
            "encoding, file_bytes, status, rows_read, rows_loaded, rows_quarantined, message, "
            "loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [facts.batch_id, d.extract_name, d.source_file, d.file_format, facts.encoding,
             facts.file_bytes, status, rows_loaded + rows_quarantined, rows_loaded,
             rows_quarantined, message, self.loaded_at])

    def _log_only(self, facts: _Facts, status: str, message: str) -> FileOutcome:
        """Record a refusal or a duplicate: one load_log row, nothing else."""
        self.con.execute("begin transaction")
        try:
            self._log(facts, status, message)
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise
        return FileOutcome(facts.delivery.source_file, facts.delivery.extract_name, status,
                           message=message)

    # ---------------------------------------------------------------- one delivery
    def process(self, delivery: Delivery) -> FileOutcome:
        """Load one delivery (or skip, refuse, or mark it duplicate) and say what happened."""
        try:
            batch_id, size = fingerprint(delivery.path)
        except OSError as exc:
            facts = _Facts(delivery, None, None)
            return self._log_only(facts, "refused", f"cannot read the file: {exc.strerror or exc}")
        facts = _Facts(delivery, batch_id, size)

        earlier = self._earlier(facts)
        if earlier is not None:
            return earlier
        if delivery.problem:
            return self._log_only(facts, "refused", delivery.problem)
        conflict = self._name_conflict(facts)
        if conflict:
            return self._log_only(facts, "refused", conflict)
        first = self._first_with_same_content(facts)
        if first:
            return self._log_only(facts, "duplicate", f"same content as {first}; skipped")
        if size == 0:
            return self._log_only(facts, "refused", "empty file (0 bytes)")

        extract = delivery.extract
        assert extract is not None and delivery.file_format is not None
        readable = delivery.path  # the file the reader reads: a UTF-8 copy for GB18030 text
        drop_scratch(self.con)
        try:
            try:
                if delivery.file_format in TEXT_FORMATS:
                    source = text_source(delivery.path, self.workdir)
                    readable = source.utf8_path
                    facts = replace(facts, encoding=source.encoding)
                READERS[delivery.file_format](self.con, readable, extract)
                rows_read = self.con.execute(f"select count(*) from {STAGING}").fetchone()[0]
                if rows_read == 0 and extract.mode == "snapshot":
                    raise Refusal(f"snapshot delivery with zero data rows: loading it would empty "
                                  f"{extract.name}; a snapshot must hold the complete current state")
                self.con.execute(bad_rows_sql(extract, STAGING, BAD_ROWS))
                rows_bad = self.con.execute(f"select count(*) from {BAD_ROWS}").fetchone()[0]
            except Refusal as refusal:
                return self._log_only(facts, "refused", refusal.reason)
            return self._write(facts, rows_read, rows_bad)
        finally:
            drop_scratch(self.con)
            if readable != delivery.path:
                readable.unlink(missing_ok=True)

    def _write(self, facts: _Facts, rows_read: int, rows_bad: int) -> FileOutcome:
        """Raw rows, quarantine rows and the load_log row of one delivery, atomically."""
        d = facts.delivery
        extract = d.extract
        assert extract is not None
        common = {"source_file": d.source_file, "batch_id": facts.batch_id,
                  "loaded_at": self.loaded_at}
        self.con.execute("begin transaction")
        try:
            inserted = self.con.execute(raw_insert_sql(extract, STAGING, BAD_ROWS),
                                        common).fetchone()[0]
            if inserted != rows_read - rows_bad:
                raise RuntimeError(f"{d.source_file}: inserted {inserted} raw rows, expected "
                                   f"{rows_read - rows_bad}")
            if rows_bad:
                self.con.execute(quarantine_insert_sql(extract, BAD_ROWS),
                                 {**common, "extract_name": extract.name})
            self._log(facts, "loaded", None, rows_loaded=inserted, rows_quarantined=rows_bad)
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise
        return FileOutcome(d.source_file, extract.name, "loaded", rows_read, inserted, rows_bad)
