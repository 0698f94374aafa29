"""One reader per delivery format, each leaving the same staging table behind.

Every reader turns its file into the temp view `STAGING`:
    __row        BIGINT   1-based data row number in the file (header not counted)
    <contract columns>    VARCHAR, exactly the contract's names, in contract order
    __malformed  VARCHAR  set when the record could not be split into columns
    __raw        VARCHAR  the original record as JSON text, when the format has one
so that validation and casting (validate.py) is one shared SQL path for all formats.
Readers check the columns against the contract before reading the data and raise
Refusal, with a readable reason, for anything that makes the whole file unusable.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from yecai.contract import Extract
from yecai.ingest.errors import Refusal, first_line
from yecai.ingest.sql import ident, literal, varchar_columns
from yecai.ingest.validate import MALFORMED, RAW, ROW, WHITESPACE, check_columns

STAGING = "__ingest_staging"
# The table behind STAGING when a reader stores the rows (always for JSON Lines and Excel,
# for CSV when some record was malformed): where a long record's row is marked.
ROWS_TABLE = "__ingest_rows"
_REJECTS = "__ingest_rejects"
_REJECT_SCANS = "__ingest_reject_scans"
_BAD_LINES = "__ingest_bad_lines"
_SCRATCH = ("__ingest_csv", "__ingest_lines", "__ingest_json", ROWS_TABLE, _REJECTS,
            _REJECT_SCANS, _BAD_LINES)

# Delimiter for reading JSON Lines line by line through DuckDB's CSV reader: control
# characters cannot appear unescaped in valid JSON, so no valid line is ever split.
_JSONL_DELIM = "\x1e\x1f"

XLSX_CHUNK_ROWS = 100_000

# A reader gets the file to read (for text formats: the UTF-8 version of the delivery,
# see encoding.py) and the extract the delivery belongs to.
Reader = Callable[[duckdb.DuckDBPyConnection, Path, Extract], None]

# Formats read as text: their encoding is detected (and transcoded) before reading, and
# their record numbers as DuckDB counts them (records.py) start with the header for CSV.
TEXT_FORMATS = frozenset({"csv", "jsonl"})
FIRST_DATA_LINE = {"csv": 2, "jsonl": 1}


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temp view and tables a reader leaves behind (before and after each file)."""
    con.execute(f"DROP VIEW IF EXISTS {STAGING}")
    for name in _SCRATCH:
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _select_staging(extract: Extract, source: str, row: str, malformed: str = "NULL",
                    raw: str = "NULL", columns: dict[str, str] | None = None,
                    materialize: bool = False) -> str:
    """CREATE the staging view from `source` (column expressions default to the
    same-named columns of the source).

    A view, not a table: copying millions of rows costs more than reading them twice from
    the reader's own table or from Parquet. `materialize` stores the rows first, for
    sources that are expensive to compute twice (JSON extraction)."""
    columns = columns or {}
    cols = ", ".join(f"{columns.get(c.name, ident(c.name))} AS {ident(c.name)}"
                     for c in extract.columns)
    select = (f"SELECT {row} AS {ROW}, {cols}, CAST({malformed} AS VARCHAR) AS {MALFORMED}, "
              f"CAST({raw} AS VARCHAR) AS {RAW} FROM {source}")
    if materialize:
        return (f"CREATE OR REPLACE TEMP TABLE {ROWS_TABLE} AS {select}; "
                f"CREATE OR REPLACE TEMP VIEW {STAGING} AS SELECT * FROM {ROWS_TABLE}")
    return f"CREATE OR REPLACE TEMP VIEW {STAGING} AS {select}"


# --------------------------------------------------------------------------------------
# Line-oriented text (CSV, JSON Lines): DuckDB's CSV reader with rejects stored
# --------------------------------------------------------------------------------------

def _scan_text(con: duckdb.DuckDBPyConnection, path: Path, table: str, options: str,
               what: str) -> None:
    """Read a UTF-8 text file with read_csv into `table` (with `__k` = record order) and the
    records DuckDB could not split into `_BAD_LINES` (line = DuckDB's record number,
    message, original text). Order is preserved (DuckDB keeps the insertion order of a
    scan), so __k is the position of the record among the records that parsed."""
    for name in (_REJECTS, _REJECT_SCANS):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT row_number() OVER () AS __k, * "
            f"FROM read_csv({literal(path)}, auto_detect=false, {options}, "
            f"store_rejects=true, rejects_table='{_REJECTS}', rejects_scan='{_REJECT_SCANS}', "
            "rejects_limit=0)")
    except duckdb.Error as exc:
        raise Refusal(f"could not be read as {what}: {first_line(exc)}") from exc
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_BAD_LINES} AS SELECT CAST(line AS BIGINT) AS line, "
        "arg_min(lower(error_type) || ' (' || error_message || ')', column_idx) AS message, "
        "min(csv_line) AS text "
        f"FROM {_REJECTS} GROUP BY line")


def _numbered_source(con: duckdb.DuckDBPyConnection, table: str, first_data_line: int) -> str:
    """A FROM clause giving every record of `table` plus every rejected record its line
    number among all records (`__n`), good records with `__bad_line` NULL.

    DuckDB numbers rejected records by their position in the file (header = 1 for CSV,
    counting blank lines), while good records only have their order. The good records
    fill, in order, the positions the rejected ones leave free; the caller makes sure no
    skipped blank line can shift that count.
    """
    good = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    bad, lo, hi = con.execute(f"SELECT count(*), min(line), max(line) FROM {_BAD_LINES}").fetchone()
    if not bad:
        return f"(SELECT *, __k AS __n, NULL::VARCHAR AS __bad_line, NULL::VARCHAR AS __bad_text FROM {table})"
    total = good + bad
    if lo - first_data_line + 1 < 1 or hi - first_data_line + 1 > total:
        raise Refusal("malformed lines found, and their line numbers cannot be matched to data "
                      "rows; fix the file and deliver it under a new file name")
    return f"""(
        WITH bad AS (SELECT line - {first_data_line - 1} AS n, message, text FROM {_BAD_LINES}),
             free AS (SELECT n, row_number() OVER (ORDER BY n) AS k FROM range(1, {total + 1}) t(n)
                      WHERE n NOT IN (SELECT n FROM bad))
        SELECT t.*, free.n AS __n, NULL::VARCHAR AS __bad_line, NULL::VARCHAR AS __bad_text
        FROM {table} t JOIN free ON t.__k = free.k
        UNION ALL
        SELECT t.*, bad.n, bad.message, bad.text
        FROM bad LEFT JOIN {table} t ON false
    )"""


def _has_inner_blank_line(path: Path) -> bool:
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
    unreliable, so that one combination refuses the file instead (see _has_inner_blank_line).
    """
    header = _csv_header(path)
    if not header or not any(h.strip() for h in header):
        raise Refusal("no header row (the first line is empty); expected the contract's columns: "
                      + ", ".join(extract.column_names))
    check_columns(header, extract)
    options = (f"header=true, delim=',', quote='\"', escape='\"', "
               f"columns={varchar_columns(header)}")
    _scan_text(con, path, "__ingest_csv", options, "CSV")
    n_bad = con.execute(f"SELECT count(*) FROM {_BAD_LINES}").fetchone()[0]
    if n_bad and _has_inner_blank_line(path):
        first = con.execute(f"SELECT line, message FROM {_BAD_LINES} ORDER BY line LIMIT 1").fetchone()
        raise Refusal(
            f"{n_bad} malformed CSV line(s) (first: line {first[0]}: {first[1]}) in a file that "
            "also has empty lines, so row numbers cannot be assigned reliably; fix the file and "
            "deliver it under a new file name")
    source = _numbered_source(con, "__ingest_csv", first_data_line=2)
    con.execute(_select_staging(
        extract, source, row="__n",
        malformed="CASE WHEN __bad_line IS NOT NULL THEN 'malformed CSV line: ' || __bad_line END",
        raw="to_json(__bad_text)", materialize=n_bad > 0))


def read_jsonl(con: duckdb.DuckDBPyConnection, path: Path, extract: Extract) -> None:
    """JSON Lines: one JSON object a line; the row number is the line number.

    Lines are read as text first, so a line that is not a JSON object is quarantined with
    its original text instead of breaking the file; the columns are the union of the keys
    of all objects (a key absent from one object is an empty value in that row). A file in
    which no line is a JSON object is refused as not being JSON Lines.
    """
    options = (f"header=false, delim='{_JSONL_DELIM}', quote='', escape='', "
               "columns={'line': 'VARCHAR'}")
    _scan_text(con, path, "__ingest_lines", options, "JSON Lines")
    source = _numbered_source(con, "__ingest_lines", first_data_line=1)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __ingest_json AS "
        "SELECT __n, coalesce(line, __bad_text) AS line, __bad_line, "
        "CASE WHEN __bad_line IS NULL AND json_valid(line) THEN json_type(line) END AS jtype "
        f"FROM {source} WHERE __bad_line IS NOT NULL OR trim(line, {literal(WHITESPACE)}) <> ''")
    rows, objects = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE jtype = 'OBJECT') FROM __ingest_json").fetchone()
    if rows == 0:
        keys: list[str] = []
    elif objects == 0:
        raise Refusal("not JSON Lines: no line holds a JSON object")
    else:
        keys = [k for (k,) in con.execute(
            "SELECT DISTINCT unnest(json_keys(line)) FROM __ingest_json WHERE jtype = 'OBJECT'"
        ).fetchall()]
        check_columns(keys, extract)
    paths = "[" + ", ".join(literal('$."' + c.name.replace('"', '\\"') + '"')
                            for c in extract.columns) + "]"
    source = (f"(SELECT *, CASE WHEN jtype = 'OBJECT' THEN json_extract_string(line, {paths}) END AS __v, "
              "CASE WHEN jtype = 'OBJECT' THEN json_keys(line) END AS __keys FROM __ingest_json)")
    con.execute(_select_staging(
        extract, source, row="__n",
        columns={c.name: f"__v[{i + 1}]" for i, c in enumerate(extract.columns)},
        malformed=("CASE WHEN __bad_line IS NOT NULL THEN 'malformed JSON line: ' || __bad_line "
                   "WHEN jtype IS NULL THEN 'malformed JSON line: not valid JSON' "
                   "WHEN jtype <> 'OBJECT' THEN 'malformed JSON line: a JSON ' || lower(jtype) || ', not an object' "
                   "WHEN len(__keys) <> len(list_distinct(__keys)) THEN 'malformed JSON line: duplicate key' END"),
        raw="CASE WHEN jtype IS NOT NULL THEN line ELSE to_json(line) END", materialize=True))


# --------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------

def _parquet_text(col_sql: str, duck_type: str) -> str:
    """SQL rendering a typed Parquet value as the text the contract expects.

    Dates and timestamps render ISO; sub-microsecond timestamps are first cast to the raw
    TIMESTAMP (microseconds). Floating-point numbers are rounded to 10 places to drop
    binary noise (0.30000000000000004 -> 0.3) and written without exponent; integral floats
    (pandas writes nullable integer columns as float) render as integers.
    """
    t = duck_type.upper()
    if t in ("FLOAT", "DOUBLE", "REAL"):
        return (f"CASE WHEN NOT isfinite({col_sql}) THEN CAST({col_sql} AS VARCHAR) "
                f"WHEN {col_sql} = trunc({col_sql}) AND abs({col_sql}) < 1e18 "
                f"THEN CAST(CAST({col_sql} AS BIGINT) AS VARCHAR) "
                f"ELSE coalesce(rtrim(rtrim(CAST(TRY_CAST({col_sql} AS DECIMAL(38,10)) AS VARCHAR), '0'), '.'), "
                f"CAST({col_sql} AS VARCHAR)) END")
    if t in ("TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"):
        return f"CAST(CAST({col_sql} AS TIMESTAMP) AS VARCHAR)"
    return f"CAST({col_sql} AS VARCHAR)"


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, extract: Extract) -> None:
    """Parquet: the schema's column names are the header; values are cast to text."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except (pa.ArrowException, OSError) as exc:
        raise Refusal(f"not a valid Parquet file: {first_line(exc)}") from exc
    check_columns(names, extract)
    src = f"read_parquet({literal(path)}, file_row_number=true)"
    try:
        types = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
        con.execute(_select_staging(
            extract, src, row="file_row_number + 1",
            columns={c.name: _parquet_text(ident(c.name), types[c.name]) for c in extract.columns}))
    except duckdb.Error as exc:
        raise Refusal(f"could not be read as Parquet: {first_line(exc)}") from exc


# --------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------

def _xlsx_number(value: float | int) -> str:
    """An Excel number as plain text: integral values without '.0', others at Excel's own
    15 significant digits (what the sender saw in the cell), never in exponent form."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    text = format(value, ".15g")
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def _xlsx_cell_converter(col_type: str) -> Callable[[Any], str | None]:
    """A function rendering one Excel cell value as contract text for a column type."""

    def convert(value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return _xlsx_number(value)
        if isinstance(value, dt.datetime):
            midnight = value.time() == dt.time(0)
            if col_type == "timestamp":
                return value.isoformat(sep=" ")
            if midnight and col_type in ("date", "string"):
                return value.date().isoformat()
            return value.isoformat(sep=" ")  # a time of day in a date column: quarantined
        if isinstance(value, dt.date):
            return value.isoformat() + (" 00:00:00" if col_type == "timestamp" else "")
        if isinstance(value, dt.time):
            return value.isoformat()
        return str(value)

    return convert


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, extract: Extract) -> None:
    """Excel: first sheet, header in row 1; the row number is the sheet row minus one.

    Read with openpyxl in read-only mode (streaming) and handed to DuckDB in Arrow chunks.
    Date cells become ISO text according to the contract type of their column; empty rows
    are skipped; a value to the right of the last header cell makes its row malformed.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    # A file object, not the path: openpyxl judges a path by its extension, and the path read
    # is the open file's descriptor (files.py).
    with path.open("rb") as fh:
        try:
            workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise Refusal(f"not a valid .xlsx workbook: {first_line(exc)}") from exc
        except Exception as exc:  # openpyxl fails in many ways on a zip that is not a workbook
            raise Refusal(f"not a valid .xlsx workbook: {type(exc).__name__}: {first_line(exc)}") from exc
        _read_workbook(con, workbook, extract)


def _read_workbook(con: duckdb.DuckDBPyConnection, workbook, extract: Extract) -> None:  # noqa: ANN001
    try:
        rows = _xlsx_rows(workbook.worksheets[0].iter_rows(values_only=True))
        header_cells = next(rows, None)
        header = [("" if h is None else str(h)) for h in (header_cells or ())]
        while header and header[-1] == "":
            header.pop()
        if not header:
            raise Refusal("no header row (row 1 of the first sheet is empty); expected the "
                          "contract's columns: " + ", ".join(extract.column_names))
        check_columns(header, extract)
        _load_xlsx_rows(con, rows, header, extract)
    finally:
        workbook.close()


def _xlsx_rows(rows: Iterator[tuple]) -> Iterator[tuple]:
    """The sheet's rows, turning openpyxl's errors on a broken sheet into a refusal."""
    try:
        yield from rows
    except Exception as exc:  # openpyxl raises many types for corrupt sheet XML
        raise Refusal(f"could not read the first sheet: {first_line(exc)}") from exc


def _load_xlsx_rows(con: duckdb.DuckDBPyConnection, rows: Iterator[tuple], header: list[str],
                    extract: Extract) -> None:
    width = len(header)
    converters = [_xlsx_cell_converter(extract.column(name).type) for name in header]
    cols_ddl = ", ".join(f"{ident(c.name)} VARCHAR" for c in extract.columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {ROWS_TABLE} ({ROW} BIGINT, {cols_ddl}, "
                f"{MALFORMED} VARCHAR, {RAW} VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {STAGING} AS SELECT * FROM {ROWS_TABLE}")
    order = ", ".join(ident(c.name) for c in extract.columns)

    def flush(columns: list[list], numbers: list[int], malformed: list) -> None:
        data = {ROW: pa.array(numbers, pa.int64())}
        data.update({name: pa.array(columns[i], pa.string()) for i, name in enumerate(header)})
        data[MALFORMED] = pa.array(malformed, pa.string())
        chunk = pa.table(data)
        con.register("__ingest_xlsx_chunk", chunk)
        con.execute(f"INSERT INTO {ROWS_TABLE} ({ROW}, {order}, {MALFORMED}) "
                    f"SELECT {ROW}, {order}, {MALFORMED} FROM __ingest_xlsx_chunk")
        con.unregister("__ingest_xlsx_chunk")

    columns: list[list] = [[] for _ in header]
    numbers: list[int] = []
    malformed: list[str | None] = []
    for number, row in enumerate(rows, start=1):
        if not any(v is not None and v != "" for v in row):
            continue  # an empty sheet row is not a data row
        extra = [v for v in row[width:] if v is not None and v != ""]
        for i in range(width):
            columns[i].append(converters[i](row[i]) if i < len(row) else None)
        numbers.append(number)
        malformed.append(f"malformed row: {len(extra)} value(s) to the right of the last header "
                         "column" if extra else None)
        if len(numbers) >= XLSX_CHUNK_ROWS:
            flush(columns, numbers, malformed)
            columns, numbers, malformed = [[] for _ in header], [], []
    if numbers:
        flush(columns, numbers, malformed)


READERS: dict[str, Reader] = {
    "csv": read_csv,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "xlsx": read_xlsx,
}
