"""Compare two published BI databases table by table, row for row.

For a refactoring that must not change a number (compare the publication before and after)
and for any two builds that must agree. Rows are compared as multisets (duplicates count);
marts.publication (which run published) is skipped, and so is the raw layer's load time;
so are the tables that record how a warehouse was built rather than what it holds (the log
of month-range incremental builds and the changes the last build looked at).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from yecai.warehouse import connect

SKIPPED_TABLES = {"marts.publication", "audit.recompute_log", "staging.stg_build__delivered_versions",
                  "intermediate.int_changes__recompute_months"}
SKIPPED_COLUMNS = {"_loaded_at"}


@dataclass(frozen=True)
class TableDifference:
    table: str
    rows_before: int
    rows_after: int
    differing_rows: int  # rows in one and not the other, duplicates counted
    columns_removed: tuple[str, ...] = ()
    columns_added: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    tables_compared: int
    only_before: tuple[str, ...]
    only_after: tuple[str, ...]
    differences: tuple[TableDifference, ...]

    @property
    def identical(self) -> bool:
        return not (self.only_before or self.only_after or self.differences)

    def summary_text(self) -> str:
        lines = [f"{self.tables_compared} tables compared: "
                 + ("identical" if self.identical else f"{len(self.differences)} differ")]
        lines += [f"  only before: {t}" for t in self.only_before]
        lines += [f"  only after:  {t}" for t in self.only_after]
        for d in self.differences:
            detail = f"{d.differing_rows:,} differing rows ({d.rows_before:,} before, {d.rows_after:,} after)"
            if d.columns_removed or d.columns_added:
                detail += f"; columns -{list(d.columns_removed)} +{list(d.columns_added)}"
            lines.append(f"  {d.table}: {detail}")
        return "\n".join(lines)


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    schema, name = table.split(".")
    return [c for (c,) in con.execute(
        "select column_name from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? order by column_index", [database, schema, name]).fetchall()]


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?", [database]).fetchall()}


def compare(before: Path, after: Path) -> Comparison:
    con = connect()
    try:
        con.execute("attach ? as before (read_only)", [str(before)])
        con.execute("attach ? as after (read_only)", [str(after)])
        in_before, in_after = _tables(con, "before"), _tables(con, "after")
        differences = []
        common = sorted((in_before & in_after) - SKIPPED_TABLES)
        for table in common:
            old, new = _columns(con, "before", table), _columns(con, "after", table)
            shared = ", ".join(f'"{c}"' for c in old if c in new and c not in SKIPPED_COLUMNS)
            differing = con.execute(
                f"select count(*) from ((select {shared} from before.{table} except all "
                f"select {shared} from after.{table}) union all (select {shared} from after.{table} "
                f"except all select {shared} from before.{table}))").fetchone()[0]
            removed = tuple(c for c in old if c not in new)
            added = tuple(c for c in new if c not in old)
            if differing or removed or added:
                counts = [con.execute(f"select count(*) from {db}.{table}").fetchone()[0] for db in ("before", "after")]
                differences.append(TableDifference(table, counts[0], counts[1], differing, removed, added))
        return Comparison(len(common), tuple(sorted(in_before - in_after - SKIPPED_TABLES)),
                          tuple(sorted(in_after - in_before - SKIPPED_TABLES)), tuple(differences))
    finally:
        con.close()
