"""The staging shape every reader leaves behind, and the scratch objects readers make.

Every reader turns its file into the temp view `STAGING`:
    __row        BIGINT   1-based data row number in the file (header not counted)
    <contract columns>    VARCHAR, exactly the contract's names, in contract order
    __malformed  VARCHAR  set when the record could not be split into columns
    __raw        VARCHAR  the original record as JSON text, when the format has one
so that validation and casting (validate.py) is one shared SQL path for all formats.
"""

from __future__ import annotations

import duckdb

from yecai.contract import Extract
from yecai.ingest.sql import ident
from yecai.ingest.validate import MALFORMED, RAW, ROW

STAGING = "__ingest_staging"
# The table behind STAGING when a reader stores the rows (always for JSON Lines and Excel,
# for CSV when some record was malformed): where a long record's row is marked.
ROWS_TABLE = "__ingest_rows"
REJECTS = "__ingest_rejects"
REJECT_SCANS = "__ingest_reject_scans"
BAD_LINES = "__ingest_bad_lines"
_SCRATCH = ("__ingest_csv", "__ingest_lines", "__ingest_json", ROWS_TABLE, REJECTS, REJECT_SCANS, BAD_LINES)


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temp view and tables a reader leaves behind (before and after each file)."""
    con.execute(f"DROP VIEW IF EXISTS {STAGING}")
    for name in _SCRATCH:
        con.execute(f"DROP TABLE IF EXISTS {name}")


def select_staging(extract: Extract, source: str, row: str, malformed: str = "NULL",
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
