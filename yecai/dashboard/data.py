"""What the dashboard shows, read from the published BI database into one JSON-ready dict.

Every number comes from a published table as it is (metric_values and
metric_values_all_companies, metric_value_breakdowns and its all-companies twin,
fct_metric_contributions, the reconciliation marts, marts.publication); nothing here
recomputes an indicator. Lists that grow with the data are capped, and the page says so.
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import duckdb

from yecai.warehouse import connect

ALL_COMPANIES = "ALL"
TREND_MONTHS = 12
TOP_DOCUMENTS = 10
# The companies' values and the group's (company_code ALL), which the marts keep apart.
VALUES = "(select * from marts.metric_values union all select * from marts.metric_values_all_companies)"
BREAKDOWNS = ("(select * from marts.metric_value_breakdowns "
              "union all select * from marts.metric_value_breakdowns_all_companies)")
# Per company, the month the tiles show: the latest month in which the most indicators have a
# value (a month just begun, with one indicator's first orders, is not it).
REPORTING_MONTHS = f"""
    select company_code, month from (
        select company_code, month, count(value) as indicators from {VALUES} group by all)
    qualify row_number() over (partition by company_code order by indicators desc, month desc) = 1"""
BREAKS_PER_CELL = 50  # largest differences first; the cell shows its full break count
LINES_PER_BREAK = 20  # journal lines and sub-ledger records shown per break


def read_payload(database: Path) -> dict[str, Any]:
    """The dashboard's data from the published database (opened read-only)."""
    with connect(database, read_only=True) as con:
        return {
            "publication": _records(con, "select * from marts.publication")[0],
            "companies": _records(con, """
                select company_code as code, company_name_zh as name_zh, company_name_en as name_en
                from marts.dim_company order by company_code"""),
            "metrics": _metrics(con),
            "values": _values(con),
            "reporting_months": _reporting_months(con),
            "breakdowns": _breakdowns(con),
            "documents": _documents(con),
            "reconciliations": _records(con, """
                select reconciliation_code as code, name_zh, name_en, basis
                from marts.dim_reconciliation order by reconciliation_code"""),
            "break_reasons": _records(con, "select * from marts.dim_reconciliation_break_reason"),
            "reconciliation_cells": _rows(con, """
                select reconciliation_code, company_code, strftime(month_start, '%Y-%m') as month, is_clean,
                       difference, business_amount, gl_amount, break_count, unexplained_difference
                from marts.fct_reconciliation_monthly
                order by reconciliation_code, company_code, month_start"""),
            "breaks": _breaks(con),
        }


def _reporting_months(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per company (and ALL): the month its tiles show (REPORTING_MONTHS), as yyyy-mm."""
    return dict(con.execute(f"select company_code, strftime(month, '%Y-%m') from ({REPORTING_MONTHS})").fetchall())


def _metrics(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    metrics = _records(con, "select * from marts.metric_catalog order by metric_code")
    extracts: dict[str, list[str]] = {}
    for metric, extract in con.execute("""
            select distinct metric_code, source_name from marts.metric_lineage
            where source_kind = 'extract' order by all""").fetchall():
        extracts.setdefault(metric, []).append(extract)
    order = {code: position for position, (code,) in enumerate(con.execute(
        "select metric_code from marts.metric_catalog").fetchall())}
    for metric in metrics:
        metric["extracts"] = extracts.get(metric["metric_code"], [])
    return sorted(metrics, key=lambda metric: order[metric["metric_code"]])


def _values(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, list[list[Any]]]]:
    """Per indicator and company: [month, value, target] of every month."""
    values: dict[str, dict[str, list[list[Any]]]] = {}
    for metric, company, month, value, target in con.execute(f"""
            select metric_code, company_code, strftime(month, '%Y-%m'), value, target_value
            from {VALUES} order by metric_code, company_code, month""").fetchall():
        values.setdefault(metric, {}).setdefault(company, []).append([month, _plain(value), _plain(target)])
    return values


def _breakdowns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, dict[str, list[list[Any]]]]]:
    """Per indicator, company and dimension, at the tile's month: [member, name, value], largest first."""
    breakdowns: dict[str, dict[str, dict[str, list[list[Any]]]]] = {}
    for metric, company, dimension, member, name, value in con.execute(f"""
            with latest as ({REPORTING_MONTHS})
            select b.metric_code, b.company_code, b.dimension, b.member, b.member_name, b.value
            from {BREAKDOWNS} as b
            inner join latest using (company_code, month)
            order by b.metric_code, b.company_code, b.dimension, abs(b.value) desc nulls last, b.member""").fetchall():
        breakdowns.setdefault(metric, {}).setdefault(company, {}).setdefault(dimension, []).append(
            [member, name, _plain(value)])
    return breakdowns


def _documents(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per indicator and company, at the tile's month: the largest documents of the drill-through."""
    documents: dict[str, dict[str, list[dict[str, Any]]]] = {}
    rows = _records(con, f"""
        with latest as ({REPORTING_MONTHS}),
        contributions as (
            select c.*, c.company_code as document_company from marts.fct_metric_contributions as c),
        company_and_all as (
            select contributions.*, contributions.company_code as view_company from contributions
            union all
            select contributions.*, '{ALL_COMPANIES}' as view_company from contributions),
        ranked as (
            select company_and_all.*, row_number() over (
                partition by company_and_all.metric_code, view_company
                order by abs(numerator) desc nulls last, abs(denominator) desc nulls last, document_id) as rank
            from company_and_all
            inner join latest
                on company_and_all.view_company = latest.company_code
                and company_and_all.month_start = latest.month)
        select metric_code, view_company, document_company, document_type, document_id, numerator, denominator,
               numerator_basis, source_extract, _source_file as source_file, _source_row_number as source_row
        from ranked where rank <= {TOP_DOCUMENTS}
        order by metric_code, view_company, rank""")
    for row in rows:
        metric, company = row.pop("metric_code"), row.pop("view_company")
        documents.setdefault(metric, {}).setdefault(company, []).append(row)
    return documents


def _breaks(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per reconciliation cell ('code|company|yyyy-mm'): its largest breaks, each with its GL
    journal lines and sub-ledger records."""
    breaks = _records(con, f"""
        with ranked as (
            select *, row_number() over (
                partition by reconciliation_code, company_code, month_start
                order by abs(difference) desc, document_key) as rank
            from marts.fct_reconciliation_breaks)
        select reconciliation_code, company_code, strftime(month_start, '%Y-%m') as month, document_type,
               document_key, document_id, break_reason, business_amount, gl_amount, difference, gl_journal_ids,
               document_date
        from ranked where rank <= {BREAKS_PER_CELL}
        order by reconciliation_code, company_code, month_start, rank""")
    journals = _grouped(con, f"""
        select reconciliation_code, company_code, strftime(month_start, '%Y-%m') as month, document_key,
               journal_id, line_no, account_code, posting_date, gl_amount, _source_file as source_file,
               _source_row_number as source_row
        from marts.fct_reconciliation_break_journal_lines
        qualify row_number() over (partition by reconciliation_code, company_code, month_start, document_key
                                   order by journal_id, line_no) <= {LINES_PER_BREAK}
        order by journal_id, line_no""")
    records = _grouped(con, f"""
        select reconciliation_code, company_code, strftime(month_start, '%Y-%m') as month, document_key,
               source_extract, document_id, business_amount, document_date, _source_file as source_file,
               _source_row_number as source_row
        from marts.fct_reconciliation_break_subledger_records
        qualify row_number() over (partition by reconciliation_code, company_code, month_start, document_key
                                   order by source_extract, _source_file, _source_row_number) <= {LINES_PER_BREAK}
        order by source_extract, _source_file, _source_row_number""")
    cells: dict[str, dict[str, Any]] = {}
    for row in breaks:
        key = (row["reconciliation_code"], row["company_code"], row["month"], row["document_key"])
        row["journal_lines"], row["subledger_records"] = journals.get(key, []), records.get(key, [])
        cell = "|".join(key[:3])
        cells.setdefault(cell, {"breaks": []})["breaks"].append(row)
    return cells


def _grouped(con: duckdb.DuckDBPyConnection, query: str) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    grouped: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in _records(con, query):
        key = tuple(row.pop(column) for column in ("reconciliation_code", "company_code", "month", "document_key"))
        grouped.setdefault(key, []).append(row)
    return grouped


def _records(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    cursor = con.execute(query)
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, map(_plain, row), strict=True)) for row in cursor.fetchall()]


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[list[Any]]:
    return [[_plain(value) for value in row] for row in con.execute(query).fetchall()]


def _plain(value: Any) -> Any:
    """JSON-ready: decimals as numbers, dates as ISO text."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
