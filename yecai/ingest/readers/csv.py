"""CSV deliveries: header row, comma, double quotes; UTF-8 (BOM or not) or GB18030."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from yecai.contract import Extract
from yecai.ingest.errors import Refusal
from yecai.ingest.readers.lines import has_inner_blank_line, numbered_source, scan_text
from yecai.ingest.readers.shape import BAD_LINES, select_staging
from yecai.ingest.sql import varchar_columns
from yecai.ingest.validate import check_columns


def _csv_header(path: Path) -> list[str] | None:
    """The first record of a UTF-8 CSV file (None when there is none), parsed the same way
    DuckDB will parse it (comma, double quotes)."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        try:
            return next(csv.reader(fh), None)
        except csv.Error as exc:  # e.g. a field longer than the csv module's limit (128 KB)
            raise Refusal(f"the header row cannot be read as CSV ({exc}): not the contract's columns") from None


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, extract: Extract) -> None:
    """CSV: header row, comma, double quotes; UTF-8 (BOM or not) or GB18030.

    Records DuckDB cannot split into the header's number of fields (or that have an
    unterminated quote) are quarantined as malformed lines, with the original text, rather
    than refusing the whole file. Their row numbers come from DuckDB's rejects table; when
    the file also contains empty lines the numbering of the remaining rows would be
    unreliable, so that one combination refuses the file instead (see lines.has_inner_blank_line).
    """
    header = _csv_header(path)
    if not header or not any(h.strip() for h in header):
        raise Refusal("no header row (the first line is empty); expected the contract's columns: "
                      + ", ".join(extract.column_names))
    check_columns(header, extract)
    options = (f"header=true, delim=',', quote='\"', escape='\"', "
               f"columns={varchar_columns(header)}")
    scan_text(con, path, "__ingest_csv", options, "CSV")
    n_bad = con.execute(f"SELECT count(*) FROM {BAD_LINES}").fetchone()[0]
    if n_bad and has_inner_blank_line(path):
        first = con.execute(f"SELECT line, message FROM {BAD_LINES} ORDER BY line LIMIT 1").fetchone()
        raise Refusal(
            f"{n_bad} malformed CSV line(s) (first: line {first[0]}: {first[1]}) in a file that "
            "also has empty lines, so row numbers cannot be assigned reliably; fix the file and "
            "deliver it under a new file name")
    source = numbered_source(con, "__ingest_csv", first_data_line=2)
    con.execute(select_staging(
        extract, source, row="__n",
        malformed="CASE WHEN __bad_line IS NOT NULL THEN 'malformed CSV line: ' || __bad_line END",
        raw="to_json(__bad_text)", materialize=n_bad > 0))
