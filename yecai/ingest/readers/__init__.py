"""One reader per delivery format, each leaving the same staging view behind (shape.py).

Readers check the columns against the contract before reading the data and raise
Refusal, with a readable reason, for anything that makes the whole file unusable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from yecai.contract import Extract
from yecai.ingest.readers.csv import read_csv
from yecai.ingest.readers.jsonl import read_jsonl
from yecai.ingest.readers.parquet import read_parquet
from yecai.ingest.readers.shape import ROWS_TABLE, STAGING, drop_scratch
from yecai.ingest.readers.xlsx import read_xlsx

__all__ = ["FIRST_DATA_LINE", "READERS", "ROWS_TABLE", "STAGING", "TEXT_FORMATS", "drop_scratch"]

# A reader gets the file to read (for text formats: the UTF-8 version of the delivery,
# see encoding.py) and the extract the delivery belongs to.
Reader = Callable[[duckdb.DuckDBPyConnection, Path, Extract], None]

# Formats read as text: their encoding is detected (and transcoded) before reading, and
# their record numbers as DuckDB counts them (records.py) start with the header for CSV.
TEXT_FORMATS = frozenset({"csv", "jsonl"})
FIRST_DATA_LINE = {"csv": 2, "jsonl": 1}

READERS: dict[str, Reader] = {
    "csv": read_csv,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "xlsx": read_xlsx,
}
