"""Every DuckDB connection yecai opens, with the thread and memory settings of
settings.duckdb_config() (YECAI_THREADS, YECAI_MEMORY_LIMIT).

Beyond the limit DuckDB spills to its temp directory (beside a database file, `.tmp` in the
working folder for an in-memory one) instead of growing until the machine kills it. One
function for all stages also keeps one configuration per file and process, which DuckDB
requires of connections open at the same time.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from yecai import settings


def connect(database: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file `database` (in memory when None)."""
    return duckdb.connect(":memory:" if database is None else str(database), read_only=read_only,
                          config=settings.duckdb_config())
