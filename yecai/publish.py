"""Publish the BI-facing marts: a DuckDB file that DuckDB 1.x clients can open, and a Parquet
copy of each table, both replaced atomically so that no reader ever sees a partial release.

published_dir after a publish:
    yecai.duckdb         the current release (renamed onto; a reader keeps its old inode)
    parquet              symlink to .releases/<run_id>/parquet: <schema>.<table>.parquet
    docs                 symlink to .releases/<run_id>/docs: the documentation site (docs.py)
    dashboard            symlink to .releases/<run_id>/dashboard: the dashboard (yecai/dashboard)
    publication.json     run id, time and row counts of the current release
    .releases/<run_id>/  the current and the previous release (a reader may still read it)
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from yecai.restatements import HISTORY_TABLES, Restatements, write_history
from yecai.restatements import none as no_restatements
from yecai.warehouse import connect

DATABASE_NAME = "yecai.duckdb"  # its stem is the catalog name the semantic manifest uses
PARQUET = "parquet"
DOCS = "docs"
DASHBOARD = "dashboard"
PUBLICATION_JSON = "publication.json"
RELEASES = ".releases"
TMP_PREFIX = ".tmp-"
LOCK_NAME = ".publish.lock"
MARTS = "marts"
PUBLICATION = "publication"
TIME_SPINE = ("semantic", "metricflow_time_spine")  # MetricFlow needs it
# BI tools embed DuckDB 1.x, which cannot read the storage format of DuckDB 2.
STORAGE_VERSION = "v1.4.0"
# Personal data never reaches BI (contract): a column whose name contains one of these is refused.
PERSONAL_DATA_MARKERS = ("phone", "email", "id_card", "address")
# A run id becomes a folder name.
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:+-]*")


class PublishError(Exception):
    """Publishing was refused or failed; the message is one line."""


@dataclass(frozen=True)
class PublishResult:
    run_id: str
    database: Path
    parquet_dir: Path
    tables: dict[str, int]
    seconds: float


def publish(warehouse: Path, published_dir: Path, run_id: str, publication: dict[str, object],
            restatements: Restatements | None = None) -> PublishResult:
    """Copy the marts, the time spine and a one-row marts.publication (run_id, published_at,
    then the keys of `publication`) from `warehouse`, opened read-only, into published_dir,
    with the history of the current release carried forward (restatements.py)."""
    started = time.perf_counter()
    if not RUN_ID_PATTERN.fullmatch(run_id):
        raise PublishError(f"run id {run_id!r} is not usable as a folder name")
    row = _publication_row(run_id, publication)
    published_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(published_dir):
        clean_stale(published_dir)
        previous = _current_release(published_dir)
        release = published_dir / RELEASES / run_id
        if release.exists():
            raise PublishError(f"run {run_id} is already published in {published_dir}")
        (release / PARQUET).mkdir(parents=True)
        temp_database = release / f"{DATABASE_NAME}.tmp"
        try:
            tables = _build(warehouse, temp_database, release / PARQUET, row, published_dir / DATABASE_NAME,
                            restatements or no_restatements())
        except BaseException:
            _remove(release)  # nothing refers to it; a kill here leaves it to clean_stale
            raise
        _swap(published_dir, temp_database, run_id)
        _write_json(published_dir / PUBLICATION_JSON, {
            "run_id": run_id, "previous_run_id": previous, "published_at": row["published_at"],
            "tables": tables, "publication": row})
        _prune(published_dir, keep={run_id, previous})
    return PublishResult(run_id=run_id, database=published_dir / DATABASE_NAME,
                         parquet_dir=published_dir / PARQUET, tables=tables,
                         seconds=time.perf_counter() - started)


def published_tables(warehouse_con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of every table and view of schema marts, then the time spine."""
    marts = sorted(name for schema, name in _relations(warehouse_con) if schema == MARTS)
    return [(MARTS, name) for name in marts] + [TIME_SPINE]


def clean_stale(published_dir: Path) -> None:
    """Remove what a killed publish left: temp files and release folders that neither the
    parquet symlink nor publication.json refers to. publish() calls it under its lock."""
    if not published_dir.is_dir():
        return
    for leftover in published_dir.glob(f"{TMP_PREFIX}*"):
        _remove(leftover)
    _prune(published_dir, keep=_referenced_releases(published_dir))


def _publication_row(run_id: str, publication: dict[str, object]) -> dict[str, object]:
    if publication.get("run_id", run_id) != run_id:
        raise PublishError(f"publication run_id {publication['run_id']!r} is not the run id {run_id!r}")
    row = {"run_id": run_id, "published_at": datetime.now(UTC), **publication}
    # TIMESTAMP has no zone: an aware time is stored in UTC (not shifted by the session's zone),
    # a naive one as given.
    return {key: value.astimezone(UTC).replace(tzinfo=None)
            if isinstance(value, datetime) and value.tzinfo else value for key, value in row.items()}


@contextmanager
def _exclusive(published_dir: Path) -> Iterator[None]:
    # Two overlapping publishes would delete each other's release folder in clean_stale.
    with open(published_dir / LOCK_NAME, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"another publish is running in {published_dir}") from None
        yield


def _build(warehouse: Path, temp_database: Path, parquet_dir: Path, row: dict[str, object],
           previous_database: Path, restatements: Restatements) -> dict[str, int]:
    """Write the release's database file and Parquet files; row count per published table."""
    if not warehouse.is_file():
        raise PublishError(f"no warehouse at {warehouse}")
    try:
        con = connect(warehouse, read_only=True)
    except duckdb.Error as error:
        raise PublishError(f"cannot open the warehouse {warehouse} read-only: {_first_line(error)}") from None
    try:
        tables = _tables_to_publish(con)
        _refuse_personal_data(con, tables, row)
        # The warehouse connection is read-only, so the new file must be attached read-write explicitly.
        con.execute(f"ATTACH {sql_literal(temp_database)} AS pub "
                    f"(STORAGE_VERSION '{STORAGE_VERSION}', READ_ONLY false)")
        counts = {f"{schema}.{table}": _copy_table(con, schema, table) for schema, table in tables}
        counts[f"{MARTS}.{PUBLICATION}"] = _write_publication(con, row)
        counts.update(write_history(con, "pub", previous_database, row, restatements))
        _copy_comments(con, tables)
        for name in counts:
            # zstd: a third smaller than the default snappy at the same speed (SF 10 journal lines)
            con.execute(f"COPY pub.{_qualified(name)} TO {sql_literal(parquet_dir / f'{name}.parquet')} "
                        "(FORMAT parquet, COMPRESSION zstd)")
        # Checkpointed and detached: the whole release is in the file, with no .wal beside it.
        con.execute("CHECKPOINT pub")
        con.execute("DETACH pub")
    except duckdb.Error as error:
        raise PublishError(f"publishing {warehouse} failed: {_first_line(error)}") from None
    finally:
        con.close()
    if Path(f"{temp_database}.wal").exists():
        raise PublishError(f"{temp_database} still has a write-ahead log after CHECKPOINT")
    return counts


def _tables_to_publish(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    tables = published_tables(con)
    if len(tables) == 1:
        raise PublishError("the warehouse has no marts: run dbt build first")
    for reserved in (PUBLICATION, *HISTORY_TABLES):
        if (MARTS, reserved) in tables:
            raise PublishError(f"the warehouse has a {MARTS}.{reserved}, a name the publish step reserves")
    if TIME_SPINE not in _relations(con):
        raise PublishError(f"the warehouse has no {'.'.join(TIME_SPINE)}: run dbt build first")
    return tables


def _relations(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(schema, name) of every table and view of the connection's own catalog."""
    return set(con.execute(
        """select schema_name, table_name from duckdb_tables() where database_name = current_database()
           union select schema_name, view_name from duckdb_views()
           where database_name = current_database() and not internal""").fetchall())


def _refuse_personal_data(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]],
                          row: dict[str, object]) -> None:
    wanted = set(tables)
    columns = [(f"{schema}.{table}", column) for schema, table, column in con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = current_database()").fetchall() if (schema, table) in wanted]
    columns += [(f"{MARTS}.{PUBLICATION}", key) for key in row]
    for table, column in columns:
        marker = next((m for m in PERSONAL_DATA_MARKERS if m in column.lower()), None)
        if marker:
            raise PublishError(f"{table}.{column} looks like personal data ('{marker}'): nothing published")


def _copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    target = f"pub.{sql_identifier(schema)}.{sql_identifier(table)}"
    con.execute(f"CREATE SCHEMA IF NOT EXISTS pub.{sql_identifier(schema)}")
    # Views are materialized too: the published file stands alone, without staging or intermediate.
    con.execute(f"CREATE TABLE {target} AS SELECT * FROM {sql_identifier(schema)}.{sql_identifier(table)}")
    return con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]


def _write_publication(con: duckdb.DuckDBPyConnection, row: dict[str, object]) -> int:
    columns = ", ".join(f"{sql_identifier(key)} {_sql_type(key, value)}" for key, value in row.items())
    con.execute(f"CREATE TABLE pub.{MARTS}.{PUBLICATION} ({columns})")
    con.execute(f"COMMENT ON TABLE pub.{MARTS}.{PUBLICATION} IS 'Grain: one row, the run that published "
                "this file: run_id, published_at and what the publishing job recorded.'")
    con.execute(f"INSERT INTO pub.{MARTS}.{PUBLICATION} VALUES ({', '.join('?' * len(row))})",
                list(row.values()))
    return 1


def _sql_type(key: str, value: object) -> str:
    # bool before int: bool is an int in Python.
    for python_type, sql_type in ((bool, "BOOLEAN"), (int, "BIGINT"), (float, "DOUBLE"),
                                  (datetime, "TIMESTAMP"), (str, "VARCHAR"), (type(None), "VARCHAR")):
        if isinstance(value, python_type):
            return sql_type
    raise PublishError(f"publication[{key!r}] is a {type(value).__name__}: "
                       "only str, int, float, bool, datetime or None can be published")


def _copy_comments(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> None:
    """The dbt descriptions (persisted as comments) travel with the tables, for BI users."""
    wanted = set(tables)
    table_comments = con.execute(
        """select schema_name, table_name, comment from duckdb_tables()
           where database_name = current_database() and comment is not null
           union all select schema_name, view_name, comment from duckdb_views()
           where database_name = current_database() and comment is not null""").fetchall()
    for schema, table, comment in table_comments:
        if (schema, table) in wanted:
            con.execute(f"COMMENT ON TABLE pub.{sql_identifier(schema)}.{sql_identifier(table)} "
                        f"IS {sql_literal(comment)}")
    column_comments = con.execute(
        """select schema_name, table_name, column_name, comment from duckdb_columns()
           where database_name = current_database() and comment is not null""").fetchall()
    for schema, table, column, comment in column_comments:
        if (schema, table) in wanted:
            con.execute(f"COMMENT ON COLUMN pub.{sql_identifier(schema)}.{sql_identifier(table)}."
                        f"{sql_identifier(column)} IS {sql_literal(comment)}")


def _swap(published_dir: Path, temp_database: Path, run_id: str) -> None:
    """Make the release current: rename the database onto the published name, then point the
    parquet symlink at the release. Each rename is atomic; the database is the first."""
    release = temp_database.parent
    for path in [*sorted((release / PARQUET).iterdir()), release / PARQUET, temp_database]:
        _fsync(path)  # on disk before anything points at it (a power cut, not only a kill)
    os.replace(temp_database, published_dir / DATABASE_NAME)
    _point(published_dir, PARQUET, run_id)


def _point(published_dir: Path, name: str, run_id: str) -> None:
    """Atomically point the link published_dir/<name> at the release's folder of that name."""
    link = published_dir / f"{TMP_PREFIX}{name}"
    link.unlink(missing_ok=True)
    os.symlink(Path(RELEASES) / run_id / name, link)  # relative: the folder can move
    os.replace(link, published_dir / name)
    _fsync(published_dir)


def publish_folder(published_dir: Path, run_id: str, name: str, build: Callable[[Path], Path]) -> Path:
    """Build a folder of the current release (`build(folder)` writes it and returns its
    index), then point published_dir/<name> at it: the docs site (DOCS), the dashboard
    (DASHBOARD). Returns published_dir/<name>/<the index's name>."""
    with _exclusive(published_dir):
        if _current_release(published_dir) != run_id:
            raise PublishError(f"run {run_id} is not the current release of {published_dir}")
        index = build(published_dir / RELEASES / run_id / name)
        _point(published_dir, name, run_id)
    return published_dir / name / index.name


def _write_json(path: Path, content: dict[str, object]) -> None:
    temp = path.with_name(f"{TMP_PREFIX}{path.name}")
    temp.write_text(json.dumps(content, indent=2, ensure_ascii=False, default=datetime.isoformat) + "\n",
                    encoding="utf-8")
    _fsync(temp)
    os.replace(temp, path)


def _current_release(published_dir: Path) -> str | None:
    """The run id the parquet symlink points at."""
    link = published_dir / PARQUET
    if not link.is_symlink():
        if link.exists():
            raise PublishError(f"{link} is not a symlink: move it away before publishing")
        return None
    return Path(os.readlink(link)).parent.name


def _referenced_releases(published_dir: Path) -> set[str | None]:
    keep = {_current_release(published_dir)}
    path = published_dir / PUBLICATION_JSON
    if path.exists():
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            raise PublishError(f"{path} is not valid JSON") from None
        keep |= {content.get("run_id"), content.get("previous_run_id")}
    return keep


def _prune(published_dir: Path, keep: set[str | None]) -> None:
    releases = published_dir / RELEASES
    for release in sorted(releases.iterdir()) if releases.is_dir() else []:
        if release.name not in keep:
            _remove(release)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(name: str) -> str:
    return ".".join(sql_identifier(part) for part in name.split(".", 1))


def sql_literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
