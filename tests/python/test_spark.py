"""The same project on Apache Spark (issue 14): the main job, `yecai run` with
YECAI_TARGET=spark, on the demo landing: ingest (with its Parquet mirror), `dbt build` on Spark
(dbt-spark in session mode, local), the gate through GX's Spark engine, the published tables
written by Spark as Parquet and published. Every table it published equals the one the DuckDB
main job published from the same landing (first_run): the same tables, columns and column
types, the same rows; strings, dates and flags exactly, numbers within 1e-9. Then a late
delivery: the Spark run overwrites only the month partitions it recomputes, and its release
again equals DuckDB's.

`make test` installs pyspark (`make spark`) and Java 17; it prints the slowest fixtures, this
run among them (its time is measured by benchmarks/bench_main_job.py, not asserted here).
`make test-fast` leaves it out (slow)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from main_job import YECAI, cancel_an_invoice_late, run_env, yecai_run
from worker_project import copy_project

from yecai.publish import MARTS, PARQUET, PUBLICATION
from yecai.quality.gate import run_gate_on_spark
from yecai.restatements import HISTORY_TABLES
from yecai.spark import SparkUnavailable, require_spark, session_settings, spark_session

TOLERANCE = 1e-9


@pytest.fixture(scope="session")
def spark_run(demo_data, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A data folder after `yecai run` on Spark, in a project copy of its own (dbt's target/
    is the engine's), and the run. Built once per test session, on the worker of this file's
    tests (conftest: group spark)."""
    scratch = tmp_path_factory.mktemp("spark")
    root = scratch / "data"
    shutil.copytree(demo_data.landing, root / "landing")
    copy_project(scratch / "project")
    run = _spark_main_job(root)
    assert run.returncode == 0, _tail(run)
    return root, run


def _spark_main_job(root: Path) -> subprocess.CompletedProcess:
    """`yecai run` on Spark on the data folder `root`, in the project copy beside it."""
    env = {**run_env(root), "YECAI_TARGET": "spark", "YECAI_PROJECT_DIR": str(root.parent / "project")}
    return subprocess.run([YECAI, "run", "--no-progress"], env=env, cwd=env["YECAI_PROJECT_DIR"],
                          capture_output=True, text=True, timeout=1800)


def _tail(process: subprocess.CompletedProcess) -> str:
    return "\n".join((process.stdout + process.stderr).splitlines()[-60:])


def _published_tables(root: Path) -> dict[str, Path]:
    """The Parquet files of the release that dbt's tables fill (not the publish step's own
    publication row and history, which name the run)."""
    own = {f"marts.{name}" for name in (PUBLICATION, *HISTORY_TABLES)}
    tables = {path.name.removesuffix(".parquet"): path for path in (root / "published" / PARQUET).glob("*.parquet")}
    return {name: path for name, path in tables.items() if name not in own}


def _read(path: Path) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The table's rows (numbers as Decimal or float, as stored) and its (column, type) list."""
    source = f"read_parquet('{path}/*.parquet')" if path.is_dir() else f"read_parquet('{path}')"
    with duckdb.connect() as con:
        relation = con.sql(f"select * from {source}")
        columns, types = relation.columns, [str(t) for t in relation.types]
        rows = relation.fetchall()
    return pd.DataFrame(rows, columns=columns, dtype=object), list(zip(columns, types, strict=True))


def _differences(duck: pd.DataFrame, spark: pd.DataFrame, limit: int = 3) -> list[str]:
    """Row-by-row differences after sorting both on every column (exact values first, so a
    number that differs within the tolerance cannot change the order)."""
    if len(duck) != len(spark):
        return [f"{len(duck)} rows on DuckDB, {len(spark)} on Spark"]
    numeric = [c for c in duck.columns if duck[c].map(lambda v: isinstance(v, float)).any()]
    order = [c for c in duck.columns if c not in numeric] + numeric
    duck, spark = (frame.sort_values(order, key=lambda s: s.map(_sort_key)).reset_index(drop=True)
                   for frame in (duck, spark))
    found = []
    for column in duck.columns:
        for index, (a, b) in enumerate(zip(duck[column], spark[column], strict=True)):
            if not _equal(a, b):
                found.append(f"{column} row {index}: DuckDB {a!r}, Spark {b!r}")
                break
        if len(found) >= limit:
            break
    return found


def _sort_key(value: object) -> tuple:
    return (value is None, str(type(value)), value if value is not None else 0)


def _equal(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return abs(a - b) <= Decimal(str(TOLERANCE)) * max(Decimal(1), abs(a))
    return a == b


def test_the_comparison_finds_a_changed_number_string_or_row():
    duck = pd.DataFrame({"code": ["a", "b"], "amount": [Decimal("1.50000000"), Decimal("2.00000000")],
                         "ratio": [0.25, 1 / 3]}, dtype=object)
    assert _differences(duck, duck.iloc[::-1].copy()) == []  # order does not matter
    within = duck.assign(ratio=[0.25, 1 / 3 * (1 + TOLERANCE / 10)])
    assert _differences(duck, within) == []
    assert _differences(duck, duck.assign(ratio=[0.25, 1 / 3 * (1 + TOLERANCE * 10)])) != []
    assert _differences(duck, duck.assign(amount=[Decimal("1.50000000"), Decimal("2.00000001")])) != []
    assert _differences(duck, duck.assign(code=["a", "c"])) != []
    assert _differences(duck, duck.assign(ratio=[0.25, None])) != []
    assert _differences(duck, duck.iloc[:1]) != []


def test_the_main_job_runs_every_stage_on_spark(spark_run):
    _, run = spark_run
    assert "dbt build on Spark" in run.stdout and "on the Spark build" in run.stdout
    summary = run.stdout.split("\nrun ")[-1]
    assert summary.splitlines()[0].endswith(": published"), _tail(run)
    assert "docs     " in summary and "not updated" not in summary, summary


def test_the_gate_on_spark_evaluates_what_it_evaluates_on_duckdb(spark_run, first_run):
    def evaluated(root: Path) -> list[tuple]:
        with duckdb.connect(str(root / "yecai.duckdb"), read_only=True) as con:
            return con.execute("""select suite, table_name, expectation_name, success from audit.run_expectations
                                  where run_id = (select max(run_id) from audit.runs) order by all""").fetchall()
    on_spark, on_duckdb = evaluated(spark_run[0]), evaluated(first_run[0])
    assert len(on_spark) > 200 and on_spark == on_duckdb


def test_spark_publishes_the_tables_duckdb_publishes(spark_run, first_run):
    duck, spark = _published_tables(first_run[0]), _published_tables(spark_run[0])
    assert {"marts.metric_values", "marts.fct_reconciliation_monthly", "semantic.metricflow_time_spine"} <= set(duck)
    assert sorted(spark) == sorted(duck)


def test_every_published_table_is_equal_on_both_engines(spark_run, first_run):
    _assert_same_release(first_run[0], spark_run[0])


def _assert_same_release(duckdb_root: Path, spark_root: Path) -> None:
    duck, spark = _published_tables(duckdb_root), _published_tables(spark_root)
    unequal, compared_rows = {}, 0
    for name in sorted(set(duck) & set(spark)):
        duck_rows, duck_types = _read(duck[name])
        spark_rows, spark_types = _read(spark[name])
        compared_rows += len(duck_rows)
        if duck_types != spark_types:
            unequal[name] = [f"columns {duck_types} on DuckDB, {spark_types} on Spark"]
        elif problems := _differences(duck_rows, spark_rows):
            unequal[name] = problems
    assert not unequal, json.dumps(unequal, indent=1, ensure_ascii=False)[:4000]
    assert compared_rows > 10_000  # not vacuous


def test_the_published_tables_carry_the_descriptions_they_carry_on_duckdb(spark_run, first_run):
    def comments(root: Path) -> set[tuple]:
        with duckdb.connect(str(root / "published" / "yecai.duckdb"), read_only=True) as con:
            return set(con.execute("""select schema_name, table_name, null, comment from duckdb_tables()
                                      union all
                                      select schema_name, table_name, column_name, comment from duckdb_columns()
                                      where not internal""").fetchall())
    on_spark, on_duckdb = comments(spark_run[0]), comments(first_run[0])
    assert sum(comment is not None for *_, comment in on_duckdb) > 600  # not vacuous
    assert on_spark == on_duckdb, sorted(on_spark ^ on_duckdb, key=str)[:10]


def test_a_late_delivery_on_spark_overwrites_only_the_months_it_recomputes(spark_run, first_run, tmp_path):
    """A late delta (a CN10 invoice of 2024-03 cancelled in 2026) on the Spark run: a month-range
    table is partitioned by month, with one file a partition; the run writes new files into the
    partitions from the first recomputed month on and leaves every earlier partition's files as
    they were; the release then equals the DuckDB main job's after the same delivery. It
    changes the Spark run: after the tests that read its first release. The values it restates
    are DuckDB's too."""
    root, _ = spark_run
    table = root / "spark" / "warehouse" / f"{MARTS}.db" / "metric_values"
    before = _partition_files(table)
    assert len(before) >= 24, sorted(before)  # a partition a month
    assert all(len(files) == 1 for files in before.values()), before  # one file a partition (macros/spark.sql)
    invoice = cancel_an_invoice_late(root, "2024-03", "20260102")
    run = _spark_main_job(root)
    assert run.returncode == 0, _tail(run)
    assert f"invoice {invoice}" in run.stdout  # the restatement of a closed month is reported
    after = _partition_files(table)
    assert sorted(after) == sorted(before)
    kept = sorted(month for month in before if after[month] == before[month])
    rewritten = sorted(month for month in before if not after[month] & before[month])
    assert kept and rewritten and len(kept) + len(rewritten) == len(before), (kept, rewritten)
    assert kept[-1] < rewritten[0] <= "month=2024-03-01", (kept, rewritten)
    duck = shutil.copytree(first_run[0], tmp_path / "duckdb", symlinks=True)
    assert cancel_an_invoice_late(duck, "2024-03", "20260102") == invoice
    assert yecai_run(duck).returncode == 0
    _assert_same_release(duck, root)
    assert _restated(root) == _restated(duck) != []


def _restated(root: Path) -> list[tuple]:
    """The values the newest release restated: (indicator, company, month, before, after)."""
    with duckdb.connect(str(root / "published" / "yecai.duckdb"), read_only=True) as con:
        return con.execute("""select metric_code, company_code, month, round(previous_value, 6), round(new_value, 6)
                              from marts.metric_restatements
                              where run_id = (select run_id from marts.publication) order by all""").fetchall()


def _partition_files(table: Path) -> dict[str, set[str]]:
    """The Parquet files of each partition folder (month=…) of a Spark table."""
    return {folder.name: {file.name for file in folder.glob("*.parquet")} for folder in table.glob("*=*")}


def test_the_gate_on_spark_fails_on_broken_data(spark_run, tmp_path, monkeypatch):
    """Last in this file: it breaks the Spark run's customer dimension (three customers twice)."""
    monkeypatch.setenv("YECAI_DATA_DIR", str(spark_run[0]))
    table = "marts.dim_customer"
    with spark_session() as session:
        jvm = session.sparkContext._gateway.proc
        session.sql(f"insert into {table} select * from {table} order by customer_id limit 3")
        report = run_gate_on_spark(session, tmp_path / "gx", tables={table}, data_docs=False)
    assert jvm.poll() is not None  # the JVM has ended: the Derby catalog is free for the next dbt
    failed = [o for o in report.failed if o.table == table]
    assert not report.publishable
    assert [o.expectation_type for o in failed] == ["expect_column_values_to_be_unique"], report.outcomes
    assert all(o.samples and "sample_error" not in o.samples[0] for o in failed), [o.samples for o in failed]


def test_the_session_takes_the_profiles_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("YECAI_SPARK_DIR", str(tmp_path / "catalog"))
    monkeypatch.setenv("YECAI_SPARK_MASTER", "local[2]")
    rendered = session_settings()
    assert rendered["spark.master"] == "local[2]"
    assert rendered["spark.sql.warehouse.dir"] == f"{tmp_path}/catalog/warehouse"
    assert f"databaseName={tmp_path}/catalog/metastore_db" in rendered["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert rendered["spark.sql.decimalOperations.allowPrecisionLoss"] == "false"


def test_without_java_spark_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(SparkUnavailable, match="Java 17"):
        require_spark()
