"""The publish step: the BI file holds exactly the marts, the time spine, marts.publication and
the publication history (restatements.py), equal to the warehouse, in a format DuckDB 1.x
opens, beside an equal Parquet copy; a reader holding the old file keeps reading it; a publish
killed at any moment leaves the previous or the new release, never a partial one; clean_stale
removes what a killed run left."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from yecai import settings
from yecai.publish import (
    DATABASE_NAME,
    PERSONAL_DATA_MARKERS,
    PublishError,
    PublishResult,
    clean_stale,
    publish,
    published_tables,
)
from yecai.restatements import HISTORY_TABLES
from yecai.semantic import query_metrics

DUCKDB1_PATH = settings.PROJECT_DIR / ".venv" / "duckdb1"
EXPECTATIONS = {"expectations_evaluated": 120, "expectations_failed": 0}
KILL_TRIALS = 6


def _publish(warehouse: Path, published_dir: Path, run_id: str) -> PublishResult:
    return publish(warehouse, published_dir, run_id, dict(EXPECTATIONS))


def _run_id(database: Path) -> str:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select run_id from marts.publication").fetchone()[0]


def _differences(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    """Rows in one relation and not the other, duplicates counted."""
    return con.execute(f"select count(*) from ((from {left} except all from {right}) "
                       f"union all (from {right} except all from {left}))").fetchone()[0]


def _parquet(published_dir: Path, name: str) -> str:
    return f"read_parquet('{published_dir / 'parquet' / f'{name}.parquet'}')"


@pytest.fixture(scope="module")
def published(demo_warehouse, tmp_path_factory) -> PublishResult:
    return _publish(demo_warehouse, tmp_path_factory.mktemp("published"), "run-1")


@pytest.fixture(scope="module")
def warehouse_tables(demo_warehouse) -> list[tuple[str, str]]:
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        return published_tables(con)


def test_only_the_marts_the_time_spine_and_the_publication_are_published(published, warehouse_tables):
    history = {f"marts.{table}" for table in HISTORY_TABLES}
    expected = {f"{schema}.{table}" for schema, table in warehouse_tables} | {"marts.publication"} | history
    with duckdb.connect(str(published.database), read_only=True) as con:
        tables = {f"{s}.{t}" for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'yecai'").fetchall()}
        views = con.execute("select count(*) from duckdb_views() where not internal").fetchone()[0]
        columns = [c for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = 'yecai'").fetchall()]
        publication = con.execute("select * from marts.publication").df()
    assert len(warehouse_tables) > 20 and ("semantic", "metricflow_time_spine") in warehouse_tables
    assert tables == expected == set(published.tables)
    assert views == 0
    assert not [c for c in columns if any(marker in c.lower() for marker in PERSONAL_DATA_MARKERS)]
    assert len(publication) == 1
    assert publication.iloc[0].to_dict() | {"published_at": None} == {
        "run_id": "run-1", "published_at": None, **EXPECTATIONS}
    assert published.database.name == DATABASE_NAME and not Path(f"{published.database}.wal").exists()


def test_every_table_and_parquet_file_equals_the_warehouse(demo_warehouse, published, warehouse_tables):
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        con.execute(f"attach '{published.database}' as pub (read_only)")
        types = "select column_name, data_type from duckdb_columns() where database_name = ? " \
                "and schema_name = ? and table_name = ? order by column_index"
        for schema, table in warehouse_tables:
            name = f"{schema}.{table}"
            count = con.execute(f"select count(*) from {name}").fetchone()[0]
            assert published.tables[name] == count > 0, name
            assert con.execute(types, ["pub", schema, table]).fetchall() == \
                con.execute(types, ["yecai", schema, table]).fetchall(), name
            assert _differences(con, name, f"pub.{name}") == 0, name
        for name, count in published.tables.items():
            parquet = _parquet(published.parquet_dir.parent, name)
            assert con.execute(f"select count(*) from {parquet}").fetchone()[0] == count, name
            assert _differences(con, f"pub.{name}", parquet) == 0, name
    written = json.loads((published.database.parent / "publication.json").read_text())
    assert written["run_id"] == "run-1" and written["tables"] == published.tables


def test_a_duckdb_1_client_reads_the_published_file(published):
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print(duckdb.__version__, con.execute('select count(*) from marts.metric_values').fetchone()[0])")
    result = subprocess.run([sys.executable, "-c", code, str(published.database)], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(DUCKDB1_PATH)}, check=True)
    version, count = result.stdout.split()
    with duckdb.connect(str(published.database), read_only=True) as con:
        expected = con.execute("select count(*) from marts.metric_values").fetchone()[0]
    assert version.startswith("1.") and duckdb.__version__.startswith("2.")
    assert int(count) == expected == published.tables["marts.metric_values"]


def test_the_readme_sqlalchemy_url_and_parquet_query_read_the_published_file(published):
    """The README's connection examples for BI tools, with the pinned duckdb-engine and SQLAlchemy."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"duckdb:///{published.database}?access_mode=read_only")
    with engine.connect() as con:
        rows = con.exec_driver_sql(
            "select reconciliation_code, company_code, count(*) filter (where not is_clean) "
            "from marts.fct_reconciliation_monthly group by 1, 2").fetchall()
    engine.dispose()
    assert len(rows) == 5 * 2  # five reconciliations, two companies
    parquet = published.parquet_dir / "marts.metric_values.parquet"
    with duckdb.connect() as con:
        latest = dict(con.execute(f"select metric_code, max(month) from '{parquet}' group by 1").fetchall())
    assert len(latest) == 20


def _run_id_in_new_process(database: Path) -> str:
    # A new connection in this process would get DuckDB's cached instance of the old file
    # while the old connection is open (the instance cache is keyed by path); a BI tool is
    # another process.
    code = ("import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True)"
            ".execute('select run_id from marts.publication').fetchone()[0])")
    return subprocess.run([sys.executable, "-c", code, str(database)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_a_reader_keeps_its_release_while_a_new_one_is_published(demo_warehouse, tmp_path):
    first = _publish(demo_warehouse, tmp_path, "run-a")
    reader = duckdb.connect(str(first.database), read_only=True)
    old_parquet = (tmp_path / "parquet").resolve() / "marts.metric_values.parquet"
    try:
        assert reader.execute("select run_id from marts.publication").fetchone()[0] == "run-a"
        second = _publish(demo_warehouse, tmp_path, "run-b")
        assert reader.execute("select run_id from marts.publication").fetchone()[0] == "run-a"
        assert reader.execute("select count(*) from marts.fct_metric_components").fetchone()[0] == \
            second.tables["marts.fct_metric_components"]
        assert _run_id_in_new_process(second.database) == "run-b"
        # The previous release's Parquet stays for readers that resolved the symlink before.
        assert old_parquet.exists()
    finally:
        reader.close()
    assert _run_id(second.database) == "run-b"
    _publish(demo_warehouse, tmp_path, "run-c")
    assert not old_parquet.exists()
    assert sorted(p.name for p in (tmp_path / ".releases").iterdir()) == ["run-b", "run-c"]


def _assert_complete(published_dir: Path, allowed: tuple[set[str], set[str]], counts: dict[str, int],
                     context: str) -> tuple[str, str]:
    """The published file, publication.json and the Parquet copy are each a whole release; the
    run ids of the file and of publication.json (it is written after the swap)."""
    counts = {name: count for name, count in counts.items() if name.split(".")[1] not in HISTORY_TABLES}
    with duckdb.connect(str(published_dir / DATABASE_NAME), read_only=True) as con:
        run_id = con.execute("select run_id from marts.publication").fetchone()[0]
        # the history grows by one whole publication each time, the last being this one
        runs, rows, latest = con.execute("select count(distinct run_id), count(*), max_by(run_id, published_at) "
                                         "from marts.metric_value_history").fetchone()
        assert rows == runs * (counts["marts.metric_values"] + counts["marts.metric_values_all_companies"]) \
            and latest == run_id, context
        for name, count in counts.items():
            assert con.execute(f"select count(*) from {name}").fetchone()[0] == count, f"{context}: {name}"
            assert con.execute(f"select count(*) from {_parquet(published_dir, name)}").fetchone()[0] \
                == count, f"{context}: {name}.parquet"
    written = json.loads((published_dir / "publication.json").read_text())
    assert run_id in allowed[0] and written["run_id"] in allowed[1], context
    assert {name: written["tables"][name] for name in counts} == counts, context
    return run_id, written["run_id"]


def test_a_publish_killed_at_any_moment_leaves_a_complete_release(demo_warehouse, tmp_path):
    base = _publish(demo_warehouse, tmp_path, "base")
    code = ("import sys; from pathlib import Path; from yecai.publish import publish; print('ready', flush=True); "
            "publish(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], {})")
    rng = random.Random(20240601)
    current, killed = ("base", "base"), 0
    for trial in range(KILL_TRIALS):
        run_id, delay = f"kill-{trial}", rng.uniform(0, base.seconds)
        child = subprocess.Popen([sys.executable, "-c", code, str(demo_warehouse), str(tmp_path), run_id],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        killed += child.wait() == -signal.SIGKILL
        child.stdout.close()
        current = _assert_complete(tmp_path, ({current[0], run_id}, {current[1], run_id}), base.tables,
                                   f"killed after {delay:.2f} s of {base.seconds:.2f}")
    assert killed >= 1
    final = _publish(demo_warehouse, tmp_path, "final")
    assert _assert_complete(tmp_path, ({"final"}, {"final"}), base.tables, "after the kills") == ("final", "final")
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".tmp-") or p.suffix in {".tmp", ".wal"}]
    assert leftovers == []
    assert {p.name for p in (tmp_path / ".releases").iterdir()} <= {"final", *current}
    assert final.parquet_dir.resolve() == (tmp_path / ".releases" / "final" / "parquet").resolve()


def test_clean_stale_removes_what_killed_runs_left(demo_warehouse, tmp_path):
    _publish(demo_warehouse, tmp_path, "r1")
    _publish(demo_warehouse, tmp_path, "r2")
    releases = tmp_path / ".releases"
    # Killed while building r3, r4 and r5: temp database, WAL, half the Parquet.
    for run_id in ["r3", "r4", "r5"]:
        (releases / run_id / "parquet").mkdir(parents=True)
        (releases / run_id / f"{DATABASE_NAME}.tmp").write_bytes(b"partial")
        (releases / run_id / f"{DATABASE_NAME}.tmp.wal").write_bytes(b"partial")
        (releases / run_id / "parquet" / "marts.dim_date.parquet").write_bytes(b"partial")
    # Killed while swapping r4: its symlink is in place, publication.json not yet.
    (releases / "r4" / f"{DATABASE_NAME}.tmp").unlink()
    (releases / "r4" / f"{DATABASE_NAME}.tmp.wal").unlink()
    os.symlink(".releases/r4/parquet", tmp_path / ".tmp-parquet")
    os.replace(tmp_path / ".tmp-parquet", tmp_path / "parquet")
    (tmp_path / ".tmp-parquet").symlink_to(".releases/r5/parquet")
    (tmp_path / ".tmp-publication.json").write_text("{")
    database = (tmp_path / DATABASE_NAME).stat().st_ino

    clean_stale(tmp_path)

    assert sorted(p.name for p in releases.iterdir()) == ["r1", "r2", "r4"]
    assert not list(tmp_path.glob(".tmp-*"))
    assert (tmp_path / DATABASE_NAME).stat().st_ino == database
    assert json.loads((tmp_path / "publication.json").read_text())["run_id"] == "r2"
    _publish(demo_warehouse, tmp_path, "r6")
    assert sorted(p.name for p in releases.iterdir()) == ["r4", "r6"]


def _tiny_warehouse(path: Path, customer_columns: str) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema semantic")
        con.execute(f"create table marts.dim_customer as select {customer_columns}")
        con.execute("create view semantic.metricflow_time_spine as select date '2024-01-01' as date_day")
    return path


def test_personal_data_is_refused_and_nothing_is_published(tmp_path):
    warehouse = _tiny_warehouse(tmp_path / "yecai.duckdb", "'C1' as customer_id, '138' as contact_phone")
    with pytest.raises(PublishError, match=r"marts\.dim_customer\.contact_phone"):
        publish(warehouse, tmp_path / "published", "r1", {})
    assert not (tmp_path / "published" / DATABASE_NAME).exists()
    assert list((tmp_path / "published" / ".releases").iterdir()) == []


def test_problems_are_publish_errors(tmp_path):
    warehouse = _tiny_warehouse(tmp_path / "yecai.duckdb", "'C1' as customer_id")
    published_dir = tmp_path / "published"
    with pytest.raises(PublishError, match="customer_email"):
        publish(warehouse, published_dir, "r1", {"customer_email": "a@b.c"})
    with pytest.raises(PublishError, match="folder name"):
        publish(warehouse, published_dir, "../r1", {})
    with pytest.raises(PublishError, match="no warehouse"):
        publish(tmp_path / "missing.duckdb", published_dir, "r1", {})
    with duckdb.connect(str(warehouse)), pytest.raises(PublishError, match="read-only"):  # a writer holds the warehouse
        publish(warehouse, published_dir, "r1", {})
    assert publish(warehouse, published_dir, "r1", {}).tables["marts.dim_customer"] == 1
    with pytest.raises(PublishError, match="already published"):
        publish(warehouse, published_dir, "r1", {})


def test_metricflow_queries_the_published_file_while_a_writer_holds_the_warehouse(
        demo_warehouse, published, tmp_path, monkeypatch):
    locked = tmp_path / "yecai.duckdb"
    locked.write_bytes(demo_warehouse.read_bytes())
    monkeypatch.setenv("YECAI_DUCKDB_PATH", str(locked))
    with duckdb.connect(str(locked)) as writer:
        writer.execute("create table main.in_progress as select 1 as step")
        values = query_metrics(["revenue", "dso"], published.database, published=True)
    with duckdb.connect(str(published.database), read_only=True) as con:
        expected = con.execute("select metric_code, month, company_code, value from marts.metric_values "
                               "where metric_code in ('revenue', 'dso')").df()
    expected["month"] = pd.to_datetime(expected["month"])
    both = expected.merge(values, on=["metric_code", "month", "company_code"], how="left",
                          suffixes=("", "_mf"))
    assert len(both) > 0 and both["value"].notna().any()
    assert np.allclose(both["value_mf"].astype(float), both["value"].astype(float), rtol=1e-9, equal_nan=True)
