"""Restatement detection (yecai.restatements.detect) on small hand-made releases: what a build
would change of the current release, the companies' values and the group's (company ALL)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from yecai.restatements import detect

_VALUES_COLUMNS = "metric_code varchar, month date, company_code varchar, value double"


def _release(path: Path, revenue_cn10: float, revenue_all: float, as_views: bool = False) -> Path:
    """A database with the two value tables (or views over them, as a Spark build's marts
    are), the period close and the publication row."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.publication as select 'run-1' as run_id")
        con.execute("create table marts.dim_period_close as "
                    "select 'CN10' as company_code, date '2024-12-01' as closed_through")
        for name, company, value in (("metric_values", "CN10", revenue_cn10),
                                     ("metric_values_all_companies", "ALL", revenue_all)):
            stored = f"marts.{name}_rows" if as_views else f"marts.{name}"
            con.execute(f"create table {stored} ({_VALUES_COLUMNS})")
            con.execute(f"insert into {stored} values ('revenue', date '2024-03-01', ?, ?)", [company, value])
            if as_views:
                con.execute(f"create view marts.{name} as select * from {stored}")
    return path


@pytest.mark.parametrize("as_views", [False, True], ids=["tables", "views"])
def test_a_changed_group_value_is_a_restatement(tmp_path, as_views):
    previous = _release(tmp_path / "previous.duckdb", revenue_cn10=100.0, revenue_all=300.0)
    build = _release(tmp_path / "build.duckdb", revenue_cn10=100.0, revenue_all=250.0, as_views=as_views)
    found = detect(build, previous)
    assert found.previous_run_id == "run-1"
    rows = found.values[["metric_code", "company_code", "previous_value", "new_value", "is_closed_month"]]
    assert rows.values.tolist() == [["revenue", "ALL", 300.0, 250.0, True]]
