"""Quoting helpers for the SQL that ingestion generates.

Column names come from the contract and file paths from the landing folder; both are
quoted here rather than trusted, so a stray quote in a file name cannot break a statement.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb


def ident(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str | Path) -> str:
    """A single-quoted SQL string literal (for the places DuckDB does not take parameters,
    such as table-function arguments)."""
    return "'" + str(value).replace("'", "''") + "'"


def varchar_columns(names: list[str]) -> str:
    """The `columns={...}` struct literal of read_csv: every column VARCHAR."""
    return "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names) + "}"


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction. Called while an error is propagating: when DuckDB has
    already aborted the transaction (a full disk, say), its "no transaction is active" must
    not replace the error that caused it."""
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")
