"""`yecai compare`: two publications are identical only when every table has the same rows
(as multisets) and columns; marts.publication is not compared."""

from __future__ import annotations

from pathlib import Path

import duckdb
from click.testing import CliRunner

from yecai.cli import main
from yecai.compare import compare


def _database(path: Path, statements: list[str]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.publication as select 'run' as run_id")
        for statement in statements:
            con.execute(statement)
    return path


BASE = ["create table marts.t as select * from (values (1, 'a'), (1, 'a'), (2, 'b')) v(id, name)"]


def test_identical_publications(tmp_path):
    before = _database(tmp_path / "a.duckdb", BASE)
    after = _database(tmp_path / "b.duckdb", [*BASE, "update marts.publication set run_id = 'other'"])
    result = compare(before, after)
    assert result.identical and result.tables_compared == 1
    assert CliRunner().invoke(main, ["compare", str(before), str(after)]).exit_code == 0


def test_a_lost_duplicate_a_changed_value_and_a_new_column_are_reported(tmp_path):
    before = _database(tmp_path / "a.duckdb", [*BASE, "create table marts.gone as select 1 as x"])
    after = _database(tmp_path / "b.duckdb", [
        "create table marts.t as select * from (values (1, 'a'), (2, 'B')) v(id, name)",
        "alter table marts.t add column extra integer"])
    result = compare(before, after)
    (difference,) = result.differences
    assert (difference.table, difference.rows_before, difference.rows_after) == ("marts.t", 3, 2)
    assert difference.differing_rows == 3  # one lost duplicate of (1, a), (2, b) against (2, B)
    assert difference.columns_added == ("extra",) and result.only_before == ("marts.gone",)
    outcome = CliRunner().invoke(main, ["compare", str(before), str(after)])
    assert outcome.exit_code == 1 and "marts.t: 3 differing rows" in outcome.output
