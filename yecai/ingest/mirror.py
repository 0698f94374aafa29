"""The raw layer as Parquet files, for an engine that cannot open the DuckDB warehouse (Spark).

The DuckDB raw tables stay the one place ingestion writes; this module copies what they hold,
after the run's deliveries are decided, so there is one validator and one transaction per file.
Layout under the mirror folder (settings.raw_parquet_dir()):

    <extract>/<batch_id>.parquet   the rows one loaded delivery added to raw.<extract>, lineage
                                   columns included; written once (a batch never changes)
    ingest/<table>/<table>.parquet the ledger tables (load_log, quarantine, snapshot_held_keys,
                                   load_failures), replaced whole on every run

Every table is a folder, as an engine's table location is.

A file appears under its final name only when complete (written as .<name>.tmp, then renamed),
so a reader never sees half a batch; a killed run leaves at most that temp file (Spark and
Arrow skip names starting with a dot), which the next run's write of the same file replaces,
and the batches it had not copied yet, which the next run copies. Every batch file is checked to
hold exactly the rows load_log says were loaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from yecai.contract import Extract
from yecai.ingest.sql import ident, literal

LEDGER_FOLDER = "ingest"
LEDGER_TABLES = ("load_log", "quarantine", "snapshot_held_keys", "load_failures")
_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".tmp"


class MirrorError(RuntimeError):
    """A batch file does not hold the rows load_log says were loaded."""


@dataclass(frozen=True)
class MirrorReport:
    folder: Path
    batches_written: int
    rows_written: int


def mirror_raw_layer(con: duckdb.DuckDBPyConnection, extracts: dict[str, Extract], folder: Path) -> MirrorReport:
    """Write the Parquet file of every loaded batch that has none yet, then the ledger tables."""
    batches = rows = 0
    for extract_name, batch_id, rows_loaded in _loaded_batches(con):
        target = folder / extract_name / f"{batch_id}.parquet"
        if target.exists():
            continue
        query = f"select * from raw.{ident(extracts[extract_name].name)} where _batch_id = {literal(batch_id)}"
        _write(con, query, target, expected_rows=rows_loaded)
        batches, rows = batches + 1, rows + rows_loaded
    for table in LEDGER_TABLES:
        _write(con, f"select * from ingest.{table}", folder / LEDGER_FOLDER / table / f"{table}.parquet")
    return MirrorReport(folder=folder, batches_written=batches, rows_written=rows)


def _loaded_batches(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(extract, batch id, rows loaded) of every delivery that added rows to the raw layer."""
    return con.execute(
        "select extract_name, batch_id, rows_loaded from ingest.load_log "
        "where status = 'loaded' and rows_loaded > 0 order by extract_name, loaded_at, source_file").fetchall()


def _write(con: duckdb.DuckDBPyConnection, query: str, target: Path, expected_rows: int | None = None) -> None:
    """COPY `query` to `target` through a temp file, renamed only if it holds `expected_rows`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f"{_TEMP_PREFIX}{target.name}{_TEMP_SUFFIX}")
    written = con.execute(f"copy ({query}) to {literal(temp)} (format parquet, compression zstd)").fetchone()[0]
    if expected_rows is not None and written != expected_rows:
        temp.unlink()
        raise MirrorError(f"{target.parent.name}: the raw table holds {written:,} rows of batch {target.stem[:12]}…, "
                          f"but ingest.load_log says {expected_rows:,} were loaded; nothing mirrored for it")
    os.replace(temp, target)

