"""Excel deliveries: first sheet, header in row 1, streamed with openpyxl."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from yecai.contract import Extract
from yecai.ingest.errors import Refusal, first_line
from yecai.ingest.readers.shape import ROWS_TABLE, STAGING
from yecai.ingest.sql import ident
from yecai.ingest.validate import MALFORMED, RAW, ROW, check_columns

XLSX_CHUNK_ROWS = 100_000


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
