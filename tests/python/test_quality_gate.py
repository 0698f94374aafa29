"""The quality gate's suites really compute, and each expectation can fail.

On the clean books every expectation holds. Then, for every expectation of every suite, a
copy of that warehouse is broken on purpose (tests/python/gate_breakers/<suite>.yml, or a
generic breaker for the simple column expectations) and the gate must report exactly that
expectation as failed — no more, no fewer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from yecai import settings
from yecai.quality.gate import load_area_suites, prune_results, run_gate
from yecai.quality.report import BLOCKING, WARNING

BREAKERS_DIR = Path(__file__).parent / "gate_breakers"
SUITES = load_area_suites()
EXPECTATIONS = {e["meta"]["name"]: (area, e) for area, suite in SUITES.items() for e in suite["expectations"]}
SEMANTIC_MANIFEST = settings.PROJECT_DIR / "target" / "semantic_manifest.json"


def _explicit_breakers() -> dict[str, dict[str, Any]]:
    breakers: dict[str, dict[str, Any]] = {}
    for path in sorted(BREAKERS_DIR.glob("*.yml")):
        breakers.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return breakers


BREAKERS = _explicit_breakers()
ONE_ROW = "rowid = (select min(rowid) from {table})"
LAST_ROW = "rowid = (select max(rowid) from {table})"


def generic_breaker(expectation: dict[str, Any]) -> list[str]:
    """One row made to violate a simple column expectation."""
    kind, kwargs = expectation["type"], expectation["kwargs"]
    column = f'"{kwargs["column"]}"' if "column" in kwargs else None
    if kind == "expect_column_values_to_not_be_null":
        return [f"alter table {{table}} alter column {column} drop not null",
                f"update {{table}} set {column} = null where {ONE_ROW}"]
    if kind == "expect_column_values_to_be_unique":
        return [f"update {{table}} set {column} = (select {column} from {{table}} where {ONE_ROW}) where {LAST_ROW}"]
    if kind == "expect_compound_columns_to_be_unique":
        columns = ", ".join(f'"{c}"' for c in kwargs["column_list"])
        assignments = ", ".join(f'"{c}" = first_row."{c}"' for c in kwargs["column_list"])
        return [f"update {{table}} set {assignments} from (select {columns} from {{table}} where {ONE_ROW}) "
                f"as first_row where {{table}}.{LAST_ROW}"]
    if kind == "expect_column_values_to_be_between":
        if kwargs.get("min_value") is not None:
            bad = kwargs["min_value"] if kwargs.get("strict_min") else f"{kwargs['min_value']} - 1"
        else:
            bad = kwargs["max_value"] if kwargs.get("strict_max") else f"{kwargs['max_value']} + 1"
        return [f"update {{table}} set {column} = {bad} where {ONE_ROW}"]
    if kind == "expect_column_values_to_be_in_set":
        return [f"update {{table}} set {column} = 'not_in_the_set' where {ONE_ROW}"]
    raise KeyError(f"no generic breaker for {kind}: add one to {BREAKERS_DIR}/<suite>.yml")


def breaker(name: str) -> tuple[set[str], list[str]]:
    """(tables the breaker changes, SQL statements) for one expectation."""
    _, expectation = EXPECTATIONS[name]
    explicit = BREAKERS.get(name, {})
    tables = set(explicit.get("tables", [expectation["meta"]["table"]]))
    statements = explicit.get("sql") or generic_breaker(expectation)
    return tables, [s.replace("{table}", expectation["meta"]["table"]) for s in statements]


def materialize_views(con: duckdb.DuckDBPyConnection, tables: set[str]) -> None:
    """Marts that are views become tables of their rows, so a breaker can update them."""
    for table in sorted(tables):
        schema, name = table.split(".")
        is_view = con.execute("select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
                              [schema, name]).fetchone()[0]
        if is_view:
            con.execute(f"create table {schema}.{name}__rows as select * from {table}")
            con.execute(f"drop view {table}")
            con.execute(f"alter table {schema}.{name}__rows rename to {name}")


@pytest.fixture(scope="module")
def clean_gate(clean_warehouse, tmp_path_factory) -> tuple[Path, Any]:
    """A copy of the clean warehouse and the gate's report on it."""
    database = tmp_path_factory.mktemp("gate_clean") / "yecai.duckdb"
    shutil.copyfile(clean_warehouse, database)
    report = run_gate(database, database.parent / "gx", semantic_manifest=SEMANTIC_MANIFEST, data_docs=False)
    return database, report


def test_every_expectation_has_a_unique_name_table_and_known_severity():
    names = [e["meta"]["name"] for suite in SUITES.values() for e in suite["expectations"]]
    assert len(names) == len(set(names)), "expectation names must be unique across suites"
    for name, (_area, expectation) in EXPECTATIONS.items():
        assert expectation.get("severity") in (BLOCKING, WARNING), f"{name}: severity critical or warning"
        assert "." in expectation["meta"]["table"], f"{name}: meta.table is schema.table"
        assert expectation.get("description"), f"{name}: says what it checks"


def test_only_the_newest_runs_results_and_data_docs_pages_are_kept(tmp_path):
    stored = Path("uncommitted/validations/sales/marts/fct_write_offs/__none__")
    pages = Path("uncommitted/data_docs/local_site/validations/sales/marts/fct_write_offs/__none__")
    runs = [f"2026120{day}T{hour:02d}0000.{hour:06d}Z" for day in (3, 1, 2) for hour in (9, 23, 10)]
    for folder in (stored, pages):
        for run in runs:
            (tmp_path / folder / run).mkdir(parents=True)
            (tmp_path / folder / run / "result").write_text("{}")
    prune_results(tmp_path, keep=4)
    newest = ["20261202T230000.000023Z", "20261203T090000.000009Z", "20261203T100000.000010Z",
              "20261203T230000.000023Z"]
    for folder in (stored, pages):
        assert sorted(run.name for run in (tmp_path / folder).iterdir()) == newest


def test_every_expectation_holds_on_the_clean_books(clean_gate):
    _, report = clean_gate
    assert len(report.outcomes) == len(EXPECTATIONS)
    assert not report.failed and not report.warned, report.summary_text()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_expectation_fails_exactly_on_data_broken_for_it(name, clean_gate, tmp_path):
    clean, _ = clean_gate
    database = tmp_path / "yecai.duckdb"
    shutil.copyfile(clean, database)
    tables, statements = breaker(name)
    with duckdb.connect(str(database)) as con:
        materialize_views(con, tables)
        for statement in statements:
            con.execute(statement)
    report = run_gate(database, tmp_path / "gx", semantic_manifest=SEMANTIC_MANIFEST, tables=tables,
                      data_docs=False)
    failing = {o.name for o in report.outcomes if not o.success}
    database.unlink()  # a copy of the warehouse per expectation: together they filled 18 GB of /tmp
    assert failing == {name}, report.summary_text()


def test_a_sql_check_fails_by_its_count_and_is_reported_under_its_suites_type(tmp_path):
    """The gate runs an unexpected_rows_expectation as unexpected_rows_count (its query once,
    for the count): it fails exactly when the query returns rows, and the report names the
    suite's type and samples the rows."""
    warehouse = tmp_path / "yecai.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.orders as select * from (values (1, 10.0), (2, -5.0), (3, -1.0)) "
                    "as t(order_id, amount)")
    check = {"type": "unexpected_rows_expectation", "severity": "critical", "description": "No negative order.",
             "kwargs": {"unexpected_rows_query": "select * from {batch} where amount < 0"}}
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "sales.json").write_text(json.dumps({"name": "sales", "expectations": [
        {**check, "meta": {"name": "sales.orders.no_negative", "table": "marts.orders"}},
        {**check, "kwargs": {"unexpected_rows_query": "select * from {batch} where amount < -100"},
         "meta": {"name": "sales.orders.no_large_negative", "table": "marts.orders"}}]}))
    report = run_gate(warehouse, tmp_path / "gx", semantic_manifest=tmp_path / "none.json", suites_dir=suites,
                      data_docs=False)
    stored = [e["type"] for path in (tmp_path / "gx" / "suites").rglob("*.json")
              for e in json.loads(path.read_text())["expectations"]]
    assert stored == ["unexpected_rows_count"] * 2  # as GX ran them
    outcomes = {o.name: o for o in report.outcomes}
    failed, passed = outcomes["sales.orders.no_negative"], outcomes["sales.orders.no_large_negative"]
    assert (failed.success, passed.success) == (False, True)
    assert failed.expectation_type == passed.expectation_type == "unexpected_rows_expectation"
    assert failed.observed == "2 unexpected rows"
    assert sorted(sample["order_id"] for sample in failed.samples) == [2, 3]
    # the stored suite and results name the gate's type: a later process renders them too
    docs = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                           "from yecai.quality.gate import build_data_docs; print(build_data_docs(Path(sys.argv[1])))",
                           str(tmp_path / "gx")], capture_output=True, text=True, timeout=300)
    assert docs.returncode == 0 and "not found" not in docs.stderr, docs.stderr[-2000:]
    assert docs.stdout.strip().endswith("index.html"), docs.stdout
