"""Line-oriented text (CSV, JSON Lines): DuckDB's CSV reader with its rejects stored, and the
row numbering both formats share."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from yecai.ingest.errors import Refusal, first_line
from yecai.ingest.readers.shape import BAD_LINES, REJECT_SCANS, REJECTS
from yecai.ingest.sql import literal


def scan_text(con: duckdb.DuckDBPyConnection, path: Path, table: str, options: str,
               what: str) -> None:
    """Read a UTF-8 text file with read_csv into `table` (with `__k` = record order) and the
    records DuckDB could not split into `BAD_LINES` (line = DuckDB's record number,
    message, original text). Order is preserved (DuckDB keeps the insertion order of a
    scan), so __k is the position of the record among the records that parsed."""
    for name in (REJECTS, REJECT_SCANS):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT row_number() OVER () AS __k, * "
            f"FROM read_csv({literal(path)}, auto_detect=false, {options}, "
            f"store_rejects=true, rejects_table='{REJECTS}', rejects_scan='{REJECT_SCANS}', "
            "rejects_limit=0)")
    except duckdb.Error as exc:
        raise Refusal(f"could not be read as {what}: {first_line(exc)}") from exc
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {BAD_LINES} AS SELECT CAST(line AS BIGINT) AS line, "
        "arg_min(lower(error_type) || ' (' || error_message || ')', column_idx) AS message, "
        "min(csv_line) AS text "
        f"FROM {REJECTS} GROUP BY line")


def numbered_source(con: duckdb.DuckDBPyConnection, table: str, first_data_line: int) -> str:
    """A FROM clause giving every record of `table` plus every rejected record its line
    number among all records (`__n`), good records with `__bad_line` NULL.

    DuckDB numbers rejected records by their position in the file (header = 1 for CSV,
    counting blank lines), while good records only have their order. The good records
    fill, in order, the positions the rejected ones leave free; the caller makes sure no
    skipped blank line can shift that count.
    """
    good = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    bad, lo, hi = con.execute(f"SELECT count(*), min(line), max(line) FROM {BAD_LINES}").fetchone()
    if not bad:
        return f"(SELECT *, __k AS __n, NULL::VARCHAR AS __bad_line, NULL::VARCHAR AS __bad_text FROM {table})"
    total = good + bad
    if lo - first_data_line + 1 < 1 or hi - first_data_line + 1 > total:
        raise Refusal("malformed lines found, and their line numbers cannot be matched to data "
                      "rows; fix the file and deliver it under a new file name")
    return f"""(
        WITH bad AS (SELECT line - {first_data_line - 1} AS n, message, text FROM {BAD_LINES}),
             free AS (SELECT n, row_number() OVER (ORDER BY n) AS k FROM range(1, {total + 1}) t(n)
                      WHERE n NOT IN (SELECT n FROM bad))
        SELECT t.*, free.n AS __n, NULL::VARCHAR AS __bad_line, NULL::VARCHAR AS __bad_text
        FROM {table} t JOIN free ON t.__k = free.k
        UNION ALL
        SELECT t.*, bad.n, bad.message, bad.text
        FROM bad LEFT JOIN {table} t ON false
    )"""


def has_inner_blank_line(path: Path) -> bool:
    """True if the file has an empty line followed by more content.

    DuckDB skips empty lines of a multi-column CSV but counts them when numbering rejected
    lines, so with both present row numbers would drift. A quoted value containing an empty
    line also matches: the check errs on the safe side (the file is refused, not misnumbered).
    """
    pattern = re.compile(rb"\n\r?\n\r?[^\r\n]")
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            data = tail + chunk
            if pattern.search(data):
                return True
            tail = data[-4:]
    return False
