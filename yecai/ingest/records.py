"""Records too long for the text reader: found before DuckDB reads the file.

DuckDB's CSV reader (which also reads JSON Lines here) rejects a record over its line limit
with the text cut to 10,000 characters, and silently drops one longer than its buffer, so
every later row would get the wrong row number. No contract record is anywhere near that
long: a long record is junk or a broken export, but it is a delivered row, so it must be
quarantined, not lost. Text deliveries are therefore scanned first, streaming:

- a record longer than MAX_RECORD_BYTES is replaced, in a copy of the file, by a one-field
  placeholder that DuckDB rejects in its place, so every row keeps its number; the row is
  then quarantined as too long, with the record's sha256 and byte range instead of its text;
- a record of FULL_TEXT_BYTES or more that DuckDB rejects keeps its whole text in the
  quarantine, read back from the file.

Records are counted the way DuckDB numbers them (header included for CSV, blank lines
included); in CSV a newline inside double quotes does not end a record.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from yecai.ingest.validate import MALFORMED, RAW, ROW

MAX_RECORD_BYTES = 1024 * 1024  # far below DuckDB's 2 MB line limit
FULL_TEXT_BYTES = 10_000  # DuckDB keeps at most this much of a rejected record's text
PLACEHOLDER = b"-"  # one field: never a valid record of an extract (every extract has 2+ columns)
_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class LongRecord:
    """A record of FULL_TEXT_BYTES or more: where it is in the file."""

    number: int  # 1-based among the file's records, header included (DuckDB's line number)
    offset: int  # byte offset of its first byte
    length: int  # bytes, up to (not including) the line terminator (\n or \r\n) that ends it

    @property
    def too_long(self) -> bool:
        return self.length > MAX_RECORD_BYTES


def scan(path: Path, quoted: bool) -> list[LongRecord]:
    """Every record of FULL_TEXT_BYTES or more in the file; `quoted`: CSV quoting applies.

    A chunk without a quote character outside a quoted field is split into lines at C
    speed; only chunks with quotes or long lines are walked line by line."""
    found: list[LongRecord] = []
    number, start, pos, in_quotes = 1, 0, 0, False
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            parts = chunk.split(b"\n")
            has_quotes = quoted and (in_quotes or b'"' in chunk)
            if not has_quotes and max(map(len, parts)) + (pos - start) < FULL_TEXT_BYTES:
                if len(parts) > 1:
                    number += len(parts) - 1
                    start = pos + len(chunk) - len(parts[-1])
                pos += len(chunk)
                continue
            cursor = pos
            for i, part in enumerate(parts):
                if has_quotes and part.count(b'"') % 2:
                    in_quotes = not in_quotes
                cursor += len(part)
                if i == len(parts) - 1:
                    break  # the chunk ends inside this line
                if not in_quotes:
                    end = cursor - 1 if part.endswith(b"\r") else cursor  # CRLF: the \r ends it too
                    if end - start >= FULL_TEXT_BYTES:
                        found.append(LongRecord(number, start, end - start))
                    number, start = number + 1, cursor + 1
                cursor += 1
            pos += len(chunk)
    if pos - start >= FULL_TEXT_BYTES:  # a last record without a newline
        found.append(LongRecord(number, start, pos - start))
    return found


def without_too_long(path: Path, records: list[LongRecord], workdir: Path) -> Path:
    """A copy of the file with every too-long record replaced by PLACEHOLDER."""
    fd, name = tempfile.mkstemp(suffix=path.suffix, dir=workdir)
    with os.fdopen(fd, "wb") as out, path.open("rb") as src:
        cursor = 0
        for record in (r for r in records if r.too_long):
            _copy_range(src, out, cursor, record.offset)
            out.write(PLACEHOLDER)
            cursor = record.offset + record.length
        _copy_range(src, out, cursor, None)
    return Path(name)


def mark(con: duckdb.DuckDBPyConnection, table: str, path: Path, records: list[LongRecord],
         first_data_line: int) -> None:
    """Set the quarantine reason and record of the long records' rows in the reader's
    materialized staging table (`path` is the file as delivered, before placeholders)."""
    for record in records:
        row = record.number - (first_data_line - 1)
        if record.too_long:
            digest = _sha256(path, record)
            reason = (f"record too long: {record.length:,} bytes, over the limit of {MAX_RECORD_BYTES:,}; "
                      f"not copied (sha256 {digest}, bytes {record.offset:,}-{record.offset + record.length - 1:,} "
                      "of the file)")
            located = json.dumps({"not_copied": "record too long", "sha256": digest, "byte_offset": record.offset,
                                  "byte_length": record.length, "record_number": row})
            con.execute(f"UPDATE {table} SET {MALFORMED} = ?, {RAW} = ? WHERE {ROW} = ?", [reason, located, row])
        else:
            text = _read(path, record).decode("utf-8", errors="replace")
            con.execute(f"UPDATE {table} SET {RAW} = to_json(?::VARCHAR) WHERE {ROW} = ? AND {MALFORMED} IS NOT NULL",
                        [text, row])


def _copy_range(src, out, start: int, end: int | None) -> None:
    src.seek(start)
    remaining = None if end is None else end - start
    while remaining is None or remaining > 0:
        chunk = src.read(_CHUNK if remaining is None else min(_CHUNK, remaining))
        if not chunk:
            return
        out.write(chunk)
        if remaining is not None:
            remaining -= len(chunk)


def _read(path: Path, record: LongRecord) -> bytes:
    with path.open("rb") as fh:
        fh.seek(record.offset)
        return fh.read(record.length)


def _sha256(path: Path, record: LongRecord) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        fh.seek(record.offset)
        remaining = record.length
        while remaining > 0 and (chunk := fh.read(min(_CHUNK, remaining))):
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()
