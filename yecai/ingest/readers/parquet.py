"""Parquet deliveries: the schema's column names are the header; values are cast to text."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from yecai.contract import Extract
from yecai.ingest.errors import Refusal, first_line
from yecai.ingest.readers.shape import select_staging
from yecai.ingest.sql import ident, literal
from yecai.ingest.validate import check_columns


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
        con.execute(select_staging(
            extract, src, row="file_row_number + 1",
            columns={c.name: _parquet_text(ident(c.name), types[c.name]) for c in extract.columns}))
    except duckdb.Error as exc:
        raise Refusal(f"could not be read as Parquet: {first_line(exc)}") from exc
