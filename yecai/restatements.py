"""Restatements: published values that a later publication changes.

The published database is the record of what BI was shown, so each release carries the
history forward from the previous one (the file it replaces):

    marts.metric_value_history          every value of metric_values and
                                        metric_values_all_companies of every publication
                                        (run_id, published_at), append-only; company_code
                                        'ALL' is the group's value, never to add to the others
    marts.metric_restatements           each value of an already published month that a later
                                        publication changed: previous and new value, and
                                        whether the month was closed (dim_period_close)
    marts.metric_restatement_documents  the documents whose contribution changed
                                        (fct_metric_contributions, previous and new)

`detect` compares the working warehouse with the current release before publishing (the
audit stage); `write_history` writes the three tables into the new release (publish.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from yecai.warehouse import connect

HISTORY, RESTATEMENTS, DOCUMENTS = "metric_value_history", "metric_restatements", "metric_restatement_documents"
HISTORY_TABLES = (HISTORY, RESTATEMENTS, DOCUMENTS)
PREVIOUS = "previous_release"
TOLERANCE = 1e-9  # relative: a value recomputed in another order is not a restatement

VALUES, ALL_COMPANY_VALUES = "metric_values", "metric_values_all_companies"


def release_values(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    """The relation of every published value of a release, the companies' and the group's:
    the two tables, or metric_values alone in a release from before the group had its own."""
    relation = f"select * from {catalog}.marts.{VALUES}"
    if _has_table(con, catalog, ALL_COMPANY_VALUES):
        relation += f" union all select * from {catalog}.marts.{ALL_COMPANY_VALUES}"
    return f"({relation})"


_CHANGED_VALUES = """
    select
        previous_values.metric_code,
        previous_values.company_code,
        previous_values.month,
        previous_values.value as previous_value,
        new_values.value as new_value,
        coalesce(previous_values.month <= (
            select max(closed_through) from marts.dim_period_close as period_close
            where period_close.company_code = previous_values.company_code
                or previous_values.company_code = 'ALL'), false) as is_closed_month
    from {previous} as previous_values
    left join {new} as new_values
        on new_values.metric_code = previous_values.metric_code
        and new_values.company_code = previous_values.company_code
        and new_values.month = previous_values.month
    where (previous_values.value is null) <> (new_values.value is null)
        or abs(previous_values.value - new_values.value)
            > {tolerance} * greatest(1, abs(previous_values.value))
"""

# `restated`: the changed values (_CHANGED_VALUES), registered once they are read
_CHANGED_DOCUMENTS = f"""
    with previous_documents as (
        select * from {PREVIOUS}.marts.fct_metric_contributions as documents
        where exists (select 1 from restated where restated.metric_code = documents.metric_code
                      and restated.month = documents.month_start
                      and restated.company_code in (documents.company_code, 'ALL'))),
    new_documents as (
        select * from marts.fct_metric_contributions as documents
        where exists (select 1 from restated where restated.metric_code = documents.metric_code
                      and restated.month = documents.month_start
                      and restated.company_code in (documents.company_code, 'ALL')))
    select
        coalesce(previous_documents.metric_code, new_documents.metric_code) as metric_code,
        coalesce(previous_documents.company_code, new_documents.company_code) as company_code,
        coalesce(previous_documents.month_start, new_documents.month_start) as month,
        coalesce(previous_documents.document_type, new_documents.document_type) as document_type,
        coalesce(previous_documents.document_id, new_documents.document_id) as document_id,
        previous_documents.numerator as previous_numerator,
        new_documents.numerator as new_numerator,
        previous_documents.denominator as previous_denominator,
        new_documents.denominator as new_denominator
    from previous_documents
    full outer join new_documents
        on previous_documents.metric_code = new_documents.metric_code
        and previous_documents.company_code = new_documents.company_code
        and previous_documents.month_start = new_documents.month_start
        and previous_documents.document_type = new_documents.document_type
        and previous_documents.document_id = new_documents.document_id
    where previous_documents.numerator is distinct from new_documents.numerator
        or previous_documents.denominator is distinct from new_documents.denominator
"""


@dataclass
class Restatements:
    """What the candidate release would change of the current one."""

    previous_run_id: str | None
    values: pd.DataFrame  # metric_code, company_code, month, previous_value, new_value, is_closed_month
    documents: pd.DataFrame  # metric_code, company_code, month, document_type, document_id, previous_/new_ parts

    @property
    def closed(self) -> pd.DataFrame:
        return self.values[self.values["is_closed_month"]]

    def summary_lines(self, limit: int = 6) -> list[str]:
        """One line per company and month restated (closed months first): the indicators
        changed and the documents whose contributions changed."""
        if self.values.empty:
            return []
        lines = [f"{len(self.values):,} published value(s) changed since run {self.previous_run_id}, "
                 f"{len(self.closed):,} in closed months (marts.metric_restatements):"]
        groups = self.values.groupby(["company_code", "month"], sort=False)
        ordered = sorted(groups, key=lambda item: (not item[1]["is_closed_month"].any(), item[0][1], item[0][0]))
        for (company, month), rows in ordered[:limit]:
            mine = self.documents["month"] == month
            if company != "ALL":
                mine &= self.documents["company_code"] == company
            documents = self.documents[mine].drop_duplicates(["document_type", "document_id"])
            named = ", ".join(f"{d.document_type} {d.document_id}" for d in documents.head(3).itertuples())
            more = f" +{len(documents) - 3}" if len(documents) > 3 else ""
            closed = "closed " if rows["is_closed_month"].any() else ""
            lines.append(f"  {closed}{company} {pd.Timestamp(month):%Y-%m}: {', '.join(sorted(rows['metric_code']))}"
                         + (f"; documents: {named}{more}" if named else ""))
        if len(ordered) > limit:
            lines.append(f"  … {len(ordered) - limit:,} more company-months")
        return lines


VALUE_COLUMNS = {"metric_code": "varchar", "company_code": "varchar", "month": "date", "previous_value": "double",
                 "new_value": "double", "is_closed_month": "boolean"}
DOCUMENT_COLUMNS = {"metric_code": "varchar", "company_code": "varchar", "month": "date",
                    "document_type": "varchar", "document_id": "varchar",
                    "previous_numerator": "decimal(38, 16)", "new_numerator": "decimal(38, 16)",
                    "previous_denominator": "decimal(38, 16)", "new_denominator": "decimal(38, 16)"}


def none() -> Restatements:
    return Restatements(None, pd.DataFrame(columns=list(VALUE_COLUMNS)), pd.DataFrame(columns=list(DOCUMENT_COLUMNS)))


def detect(warehouse: Path, previous_database: Path) -> Restatements:
    """The restatements the warehouse's marts would publish over `previous_database` (none
    when nothing was published yet)."""
    if not previous_database.is_file():
        return none()
    with connect(warehouse, read_only=True) as con:
        _attach_previous(con, previous_database)
        previous_run_id = con.execute(f"select run_id from {PREVIOUS}.marts.publication").fetchone()[0]
        (warehouse_catalog,) = con.execute("select current_database()").fetchone()
        changed = _CHANGED_VALUES.format(previous=release_values(con, PREVIOUS),
                                         new=release_values(con, warehouse_catalog), tolerance=TOLERANCE)
        values = con.execute(changed + " order by 1, 2, 3").df()
        documents = none().documents
        if not values.empty and _has_table(con, PREVIOUS, "fct_metric_contributions"):
            con.register("restated", values)
            documents = con.execute(_CHANGED_DOCUMENTS + " order by 1, 3, 2, 4, 5").df()
    return Restatements(previous_run_id, values, documents)


def write_history(con: duckdb.DuckDBPyConnection, target: str, previous_database: Path,
                  publication: dict[str, object], restatements: Restatements) -> dict[str, int]:
    """Write the three history tables into catalog `target` (the release being built, with
    its marts.metric_values and metric_values_all_companies copied): the previous release's
    rows, then this publication's.
    Returns their row counts."""
    if not _has_table(con, target, VALUES):  # a release without indicators has no history to keep
        return {}
    run_id, published_at = publication["run_id"], publication["published_at"]
    has_previous = previous_database.is_file()
    if has_previous:
        _attach_previous(con, previous_database)
    try:
        history = f"{target}.marts.{HISTORY}"
        if has_previous and _has_table(con, PREVIOUS, HISTORY):
            con.execute(f"create table {history} as select * from {PREVIOUS}.marts.{HISTORY}")
        elif has_previous:  # the release before history was kept: its own values are its history
            con.execute(f"create table {history} as select p.run_id, p.published_at, v.metric_code, v.month, "
                        f"v.company_code, v.value from {release_values(con, PREVIOUS)} as v "
                        f"cross join {PREVIOUS}.marts.publication as p")
        else:
            con.execute(f"create table {history} (run_id varchar, published_at timestamp, metric_code varchar, "
                        "month date, company_code varchar, value double)")
        con.execute(f"insert into {history} select ?, ?, metric_code, month, company_code, value "
                    f"from {release_values(con, target)}", [run_id, published_at])
        _append(con, target, RESTATEMENTS, has_previous, restatements.values, VALUE_COLUMNS, run_id,
                published_at, restatements.previous_run_id)
        _append(con, target, DOCUMENTS, has_previous, restatements.documents, DOCUMENT_COLUMNS, run_id,
                published_at, restatements.previous_run_id)
        for table, comment in _COMMENTS.items():
            con.execute(f"comment on table {target}.marts.{table} is '{comment}'")
        return {f"marts.{table}": con.execute(f"select count(*) from {target}.marts.{table}").fetchone()[0]
                for table in HISTORY_TABLES}
    finally:
        if has_previous:
            con.execute(f"DETACH {PREVIOUS}")


def _append(con: duckdb.DuckDBPyConnection, target: str, table: str, has_previous: bool, rows: pd.DataFrame,
            columns: dict[str, str], run_id: object, published_at: object, previous_run_id: str | None) -> None:
    con.register("new_rows", rows)
    try:
        typed = ", ".join(f"cast({name} as {sql_type}) as {name}" for name, sql_type in columns.items())
        new = (f"select cast(? as varchar) as run_id, cast(? as timestamp) as published_at, "
               f"cast(? as varchar) as previous_run_id, {typed} from new_rows")
        parameters = [run_id, published_at, previous_run_id]
        if has_previous and _has_table(con, PREVIOUS, table):
            con.execute(f"create table {target}.marts.{table} as select * from {PREVIOUS}.marts.{table} "
                        f"union all by name {new}", parameters)
        else:
            con.execute(f"create table {target}.marts.{table} as {new}", parameters)
    finally:
        con.unregister("new_rows")


def _attach_previous(con: duckdb.DuckDBPyConnection, previous_database: Path) -> None:
    path = str(previous_database).replace("'", "''")
    con.execute(f"ATTACH '{path}' AS {PREVIOUS} (READ_ONLY)")


def _has_table(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> bool:
    """A table or a view (a Spark build's marts are views over its Parquet: yecai.spark)."""
    return con.execute("select count(*) from information_schema.tables where table_catalog = ? "
                       "and table_schema = 'marts' and table_name = ?", [catalog, table]).fetchall()[0][0] > 0


_COMMENTS = {
    HISTORY: "Grain: one row per publication (run_id), indicator, month and company_code: every value of "
             "metric_values and metric_values_all_companies (company_code ALL, the group: never add it to "
             "the companies) each publication showed BI, append-only (published_at).",
    RESTATEMENTS: "Grain: one row per publication (run_id) and value it changed of a month already "
                  "published (metric_code, company_code, month): previous and new value, the publication "
                  "it replaced (previous_run_id), and whether the month was closed (dim_period_close).",
    DOCUMENTS: "Grain: one row per publication (run_id), restated indicator, company, month and document whose "
               "contribution changed (fct_metric_contributions): previous and new numerator and denominator; "
               "a document that appeared or disappeared has NULL on the other side.",
}
