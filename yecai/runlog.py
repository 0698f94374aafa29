"""The run record: every `yecai run`, append-only, in schema `audit` of the working warehouse.

- audit.run_starts: one row when a run starts (a run killed later has a start and no end).
- audit.runs: one row when it ends: times, dbt nodes and tests, expectations, publication.
- audit.run_batches: the delivery batches (file and sha256) the run's build read.
- audit.run_expectations: every expectation's outcome in that run.
Rows are only ever inserted.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from yecai.quality.report import GateReport
from yecai.warehouse import connect

DDL = """
create schema if not exists audit;
create table if not exists audit.run_starts (
    run_id varchar not null, started_at timestamp not null, pid integer, warehouse varchar);
create table if not exists audit.runs (
    run_id varchar not null, started_at timestamp not null, ended_at timestamp not null,
    status varchar not null, exit_code integer not null,
    models_run integer, tests_run integer, tests_failed integer, tests_warned integer,
    expectations_passed integer, expectations_warned integer, expectations_failed integer,
    published boolean not null, published_database varchar, published_parquet varchar,
    data_docs varchar, message varchar);
create table if not exists audit.run_batches (
    run_id varchar not null, batch_id varchar, source_file varchar, extract_name varchar,
    status varchar, rows_loaded bigint, rows_quarantined bigint, new_in_run boolean);
create table if not exists audit.run_expectations (
    run_id varchar not null, expectation_name varchar not null, suite varchar, table_name varchar,
    column_name varchar, severity varchar, success boolean, observed varchar);
"""


@dataclass
class RunRecord:
    """What ends up in audit.runs for one run."""

    run_id: str
    started_at: dt.datetime
    status: str = "failed"  # published | audit_failed | build_failed | ingest_failed | failed
    exit_code: int = 1
    models_run: int | None = None
    tests_run: int | None = None
    tests_failed: int | None = None
    tests_warned: int | None = None
    published_database: Path | None = None
    published_parquet: Path | None = None
    data_docs: Path | None = None
    message: str | None = None


def new_run_id(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"


def record_start(warehouse: Path, run_id: str, started_at: dt.datetime) -> None:
    with connect(warehouse) as con:
        con.execute(DDL)
        con.execute("insert into audit.run_starts values (?, ?, ?, ?)",
                    [run_id, started_at, os.getpid(), str(warehouse)])


def record_end(warehouse: Path, record: RunRecord, gate: GateReport | None) -> None:
    """Append the run's row, its batches and its expectations (one transaction)."""
    outcomes = gate.outcomes if gate else []
    expectations = pd.DataFrame(
        [(record.run_id, o.name, o.suite, o.table, o.column, o.severity, o.success, o.observed) for o in outcomes],
        columns=["run_id", "expectation_name", "suite", "table_name", "column_name", "severity", "success",
                 "observed"])
    with connect(warehouse) as con:
        con.execute(DDL)
        con.execute("begin")
        con.execute(
            "insert into audit.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [record.run_id, record.started_at, dt.datetime.now(), record.status, record.exit_code,
             record.models_run, record.tests_run, record.tests_failed, record.tests_warned,
             len(gate.passed) if gate else None, len(gate.warned) if gate else None,
             len(gate.failed) if gate else None, record.status == "published",
             _text(record.published_database), _text(record.published_parquet), _text(record.data_docs),
             record.message])
        has_log = con.execute("select count(*) from information_schema.tables "
                              "where table_schema = 'ingest' and table_name = 'load_log'").fetchone()[0]
        if has_log:
            con.execute("""
                insert into audit.run_batches
                select ?, batch_id, source_file, extract_name, status, rows_loaded, rows_quarantined,
                       loaded_at >= ?
                from ingest.load_log
                where status in ('loaded', 'duplicate')
                """, [record.run_id, record.started_at])
        con.register("expectations_frame", expectations)
        con.execute("insert into audit.run_expectations select * from expectations_frame")
        con.execute("commit")


def _text(path: Path | None) -> str | None:
    return str(path) if path else None
