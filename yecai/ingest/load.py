"""Loading one delivery: decide from the ledger, read, validate, write in one transaction.

The ledger (ingest.load_log) is what makes ingestion idempotent. A delivery is identified
by its name (source_file) and its content (batch_id = sha256):
- same name, same content as a logged row: processed before, skip, write nothing;
- same name as a *loaded* delivery but other content: refused (deliveries are immutable);
- same content as a loaded delivery of the extract under another name: 'duplicate';
- otherwise the file is read and validated, and its good rows, its quarantined rows and its
  load_log row are written in one transaction, so a crash leaves nothing half-loaded.

A file that changed while it was read is not decided at all (a later run takes it), and one
that could not be processed for a reason other than its content is recorded in
ingest.load_failures and tried again on the next run; neither stops the other files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import re
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from yecai.ingest import records
from yecai.ingest.discover import Delivery
from yecai.ingest.encoding import text_source
from yecai.ingest.errors import IngestStopped, Refusal, first_line
from yecai.ingest.files import OpenedFile, changed_since_opened, fingerprint, open_regular
from yecai.ingest.readers import FIRST_DATA_LINE, READERS, ROWS_TABLE, STAGING, TEXT_FORMATS
from yecai.ingest.readers import drop_scratch as drop_reader_scratch
from yecai.ingest.report import FileOutcome
from yecai.ingest.sql import rollback
from yecai.ingest.validate import (
    bad_rows_count_sql,
    bad_rows_sql,
    first_bad_column_sql,
    held_keys_insert_sql,
    quarantine_insert_sql,
    raw_insert_sql,
)

BAD_ROWS = "__ingest_bad_rows"
# Errors of the machine, not of a file: the run stops (exit 2) instead of failing every file.
_ENVIRONMENT_ERRORS = (duckdb.OutOfMemoryException, duckdb.IOException, duckdb.FatalException)
_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}
_SEQUENCE = re.compile(r"(.*?)(\d+)")


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every temp object of the previous file (they can be large)."""
    con.execute(f"DROP TABLE IF EXISTS {BAD_ROWS}")
    drop_reader_scratch(con)


def next_name(name: str) -> str:
    """A file name that sorts after `name`: its last number increased (…__001.csv → …__002.csv)."""
    path = Path(name)
    match = _SEQUENCE.fullmatch(path.stem)
    if match and match.group(2):
        number = match.group(2)
        return f"{match.group(1)}{int(number) + 1:0{len(number)}d}{path.suffix}"
    return f"{path.stem}__002{path.suffix}"


@dataclass(frozen=True)
class _Facts:
    """What is known about a delivery before its content is read."""

    delivery: Delivery
    batch_id: str | None
    file_bytes: int | None
    encoding: str | None = None


class Loader:
    """Processes deliveries one by one on an open connection; one instance per run."""

    def __init__(self, con: duckdb.DuckDBPyConnection, loaded_at: dt.datetime, workdir: Path,
                 max_bad_rows: int, failure_log: Path):
        self.con = con
        self.loaded_at = loaded_at
        self.workdir = workdir
        self.max_bad_rows = max_bad_rows
        self.failure_log = failure_log

    # ---------------------------------------------------------------- ledger look-ups
    def _earlier(self, facts: _Facts) -> FileOutcome | None:
        """The outcome of an earlier run for exactly this name and content, if any.

        (A file that could not even be opened has no batch id; its refusal is matched on the
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
        name = facts.delivery.source_file
        return (f"{name} was already loaded on {row[1]:%Y-%m-%d %H:%M:%S} with other content (batch {row[0][:12]}…), "
                "and a delivered file is never changed; this version is not loaded. To replace what was loaded, "
                f"deliver the complete corrected file under a new name that sorts after it, e.g. "
                f"{next_name(Path(name).name)}: the newest snapshot wins, and a delta's rows replace those of "
                "the same key (ties go to the later delivery)")

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
            rollback(self.con)
            raise
        return FileOutcome(facts.delivery.source_file, facts.delivery.extract_name, status,
                           message=message)

    # ---------------------------------------------------------------- one delivery
    def process(self, delivery: Delivery) -> FileOutcome:
        """Load one delivery (or skip, refuse, or mark it duplicate) and say what happened.

        Raises IngestStopped for an error of the machine (memory, disk); any other error is
        recorded against this file, which the next run tries again."""
        try:
            if delivery.size is None:  # not a regular file: decided from the entry, never opened
                return self._refuse_unread(delivery, delivery.problem or "not a regular file")
            try:
                with open_regular(delivery.path) as opened:
                    return self._process_opened(delivery, opened)
            except Refusal as refusal:  # could not be opened as a regular file
                return self._refuse_unread(delivery, refusal.reason)
        except _ENVIRONMENT_ERRORS as exc:
            raise IngestStopped(f"{delivery.source_file}: {type(exc).__name__}: {first_line(exc)}") from exc
        except OSError as exc:
            if exc.errno in _ENVIRONMENT_ERRNOS:
                raise IngestStopped(f"{delivery.source_file}: {exc.strerror or exc}") from exc
            return self._failed(delivery, exc)
        except Exception as exc:  # noqa: BLE001 — one file's failure must not stop the others
            return self._failed(delivery, exc)
        finally:
            # a failed cleanup must not hide the error being raised; the next file replaces them
            with contextlib.suppress(duckdb.Error):
                drop_scratch(self.con)

    def _refuse_unread(self, delivery: Delivery, reason: str) -> FileOutcome:
        facts = _Facts(delivery, None, None)
        return self._earlier(facts) or self._log_only(facts, "refused", reason)

    def _failed(self, delivery: Delivery, exc: Exception) -> FileOutcome:
        rollback(self.con)
        self.failure_log.parent.mkdir(parents=True, exist_ok=True)
        with self.failure_log.open("a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {delivery.source_file}\n")
            log.write("".join(traceback.format_exception(exc)))
        error = f"{type(exc).__name__}: {first_line(exc)}"
        self.con.execute("insert into ingest.load_failures values (?, ?, ?, ?, ?, ?)",
                         [delivery.extract_name, delivery.source_file, None, error, str(self.failure_log),
                          dt.datetime.now()])
        return FileOutcome(delivery.source_file, delivery.extract_name, "failed",
                           message=f"could not be processed ({error}); it is tried again on the next run "
                                   f"(traceback in {self.failure_log})")

    def _process_opened(self, delivery: Delivery, opened: OpenedFile) -> FileOutcome:
        facts = _Facts(delivery, fingerprint(opened), opened.size)
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
        if opened.size == 0:
            return self._log_only(facts, "refused", "empty file (0 bytes)")
        try:
            facts, rows_read, rows_bad = self._read(facts, opened)
        except Refusal as refusal:
            if changed_since_opened(delivery.path, opened):
                return self._changed(delivery)
            return self._log_only(facts, "refused", refusal.reason)
        return self._write(facts, rows_read, rows_bad, opened)

    def _read(self, facts: _Facts, opened: OpenedFile) -> tuple[_Facts, int, int]:
        """Read and validate into STAGING and BAD_ROWS: (facts with encoding, rows read, bad rows)."""
        delivery = facts.delivery
        extract, fmt = delivery.extract, delivery.file_format
        assert extract is not None and fmt is not None
        with ExitStack() as temporary:
            readable, long_records, text = opened.read_path, [], opened.read_path
            if fmt in TEXT_FORMATS:
                source = text_source(opened.read_path, self.workdir)
                facts = replace(facts, encoding=source.encoding)
                if source.utf8_path != opened.read_path:  # a transcoded copy
                    temporary.callback(source.utf8_path.unlink, missing_ok=True)
                    text = temporary.enter_context(open_regular(source.utf8_path)).read_path
                readable, long_records = text, records.scan(text, quoted=fmt == "csv")
                header = next((r for r in long_records if r.number == 1), None) if fmt == "csv" else None
                if header and header.too_long:
                    raise Refusal(f"the header row is {header.length:,} bytes long, over the limit of "
                                  f"{records.MAX_RECORD_BYTES:,}: not the contract's columns")
                if any(r.too_long for r in long_records):
                    copy = records.without_too_long(text, long_records, self.workdir)
                    temporary.callback(copy.unlink, missing_ok=True)
                    readable = temporary.enter_context(open_regular(copy)).read_path
            READERS[fmt](self.con, readable, extract)
            if long_records and self._exists(ROWS_TABLE):
                records.mark(self.con, ROWS_TABLE, text, long_records, FIRST_DATA_LINE[fmt])
            rows_read = self.con.execute(f"select count(*) from {STAGING}").fetchone()[0]
            if rows_read == 0 and extract.mode == "snapshot":
                raise Refusal(f"snapshot delivery with zero data rows: loading it would empty "
                              f"{extract.name}; a snapshot must hold the complete current state")
            self.con.execute(bad_rows_sql(extract, STAGING, BAD_ROWS, limit=self.max_bad_rows + 1))
            rows_bad = self.con.execute(f"select count(*) from {BAD_ROWS}").fetchone()[0]
            if rows_bad > self.max_bad_rows:
                total = self.con.execute(bad_rows_count_sql(extract, STAGING)).fetchone()[0]
                row, column = self.con.execute(first_bad_column_sql(extract, BAD_ROWS)).fetchone()
                raise Refusal(f"{total:,} of {rows_read:,} rows break the contract, "
                              f"more than the {self.max_bad_rows:,} allowed (YECAI_INGEST_MAX_BAD_ROWS): "
                              "the file is refused as a whole, nothing loaded; "
                              f"the first is row {row} ({f'column {column}' if column else 'malformed'})")
        return facts, rows_read, rows_bad

    def _exists(self, temp_table: str) -> bool:
        return self.con.execute("select count(*) from duckdb_tables() where temporary and table_name = ?",
                                [temp_table]).fetchone()[0] > 0

    def _changed(self, delivery: Delivery) -> FileOutcome:
        return FileOutcome(delivery.source_file, delivery.extract_name, "waiting",
                           message="the file changed while it was read (still being written?): nothing loaded; "
                                   "a later run takes it once it is unchanged")

    def _write(self, facts: _Facts, rows_read: int, rows_bad: int, opened: OpenedFile) -> FileOutcome:
        """Raw rows, quarantine rows, held snapshot keys and the load_log row of one delivery,
        atomically; nothing if the file changed while it was read."""
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
                if extract.mode == "snapshot":
                    self.con.execute(held_keys_insert_sql(extract, BAD_ROWS),
                                     {**common, "extract_name": extract.name})
            self._log(facts, "loaded", None, rows_loaded=inserted, rows_quarantined=rows_bad)
            if changed_since_opened(d.path, opened):
                rollback(self.con)
                return self._changed(d)
            self.con.execute("commit")
        except BaseException:
            rollback(self.con)
            raise
        return FileOutcome(d.source_file, extract.name, "loaded", rows_read, inserted, rows_bad)
