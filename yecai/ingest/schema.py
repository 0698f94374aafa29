"""The tables ingestion owns: every raw table of the contract and the ingest ledger.

They are created on every run, even with an empty landing folder, so that dbt always finds
its sources. The accounting rule of load_log (rows_read = rows_loaded + rows_quarantined)
is a CHECK constraint: a bug in the loader fails loudly instead of writing a wrong ledger.
"""

from __future__ import annotations

import duckdb

from yecai.contract import LINEAGE_COLUMNS, MAX_KEY_COLUMNS, Extract, raw_table_ddl
from yecai.ingest.sql import rollback

LOAD_LOG_DDL = """
create table if not exists ingest.load_log (
    batch_id         varchar,
    extract_name     varchar,
    source_file      varchar   not null,
    file_format      varchar,
    encoding         varchar,
    file_bytes       bigint,
    status           varchar   not null check (status in ('loaded', 'refused', 'duplicate')),
    rows_read        bigint    not null,
    rows_loaded      bigint    not null,
    rows_quarantined bigint    not null,
    message          varchar,
    loaded_at        timestamp not null,
    check (rows_read = rows_loaded + rows_quarantined)
)"""

QUARANTINE_DDL = """
create table if not exists ingest.quarantine (
    batch_id          varchar   not null,
    extract_name      varchar   not null,
    source_file       varchar   not null,
    source_row_number bigint,
    column_name       varchar,
    reason            varchar   not null,
    raw_record        varchar,
    loaded_at         timestamp not null
)"""


HELD_KEYS_DDL = f"""
create table if not exists ingest.snapshot_held_keys (
    batch_id          varchar   not null,
    extract_name      varchar   not null,
    source_file       varchar   not null,
    source_row_number bigint    not null,
    {", ".join(f"key_{n + 1} varchar" for n in range(MAX_KEY_COLUMNS))},
    loaded_at         timestamp not null
)"""

# Files that could not be processed for a reason other than their content (a bug, an
# interrupted read): not decided in load_log, so the next run tries them again.
FAILURES_DDL = """
create table if not exists ingest.load_failures (
    extract_name varchar,
    source_file  varchar   not null,
    batch_id     varchar,
    error        varchar   not null,
    log_file     varchar,
    failed_at    timestamp not null
)"""


class SchemaMismatch(RuntimeError):
    """A raw table exists with other columns than the contract now says."""


def ensure_schema(con: duckdb.DuckDBPyConnection, extracts: dict[str, Extract]) -> None:
    """Create schemas raw and ingest and all their tables (if missing), in one transaction,
    and check that existing raw tables still have exactly the contract's columns."""
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists raw")
        con.execute("create schema if not exists ingest")
        for extract in extracts.values():
            con.execute(raw_table_ddl(extract, schema="raw"))
        con.execute(LOAD_LOG_DDL)
        con.execute(QUARANTINE_DDL)
        con.execute(HELD_KEYS_DDL)
        con.execute(FAILURES_DDL)
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise
    for extract in extracts.values():
        found = [name for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = ? order by ordinal_position", [extract.name]).fetchall()]
        expected = [*extract.column_names, *LINEAGE_COLUMNS]
        if found != expected:
            raise SchemaMismatch(
                f"raw.{extract.name} has columns {found}, but the contract now says {expected}; "
                "rebuild the warehouse database (delete it and ingest again)")
