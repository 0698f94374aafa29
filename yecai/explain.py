"""`yecai explain`: the documents behind one published value (穿透), with their totals.

Reads the published BI database (marts.fct_metric_contributions, metric_values or, for ALL,
metric_values_all_companies, and metric_catalog), never the working warehouse, so it runs beside a build. The value is
recomputed from the documents by the indicator's aggregation in the catalog and shown next
to the published one; a derived indicator (cash_conversion_cycle) is explained through the
inputs its catalog formula names.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from yecai.warehouse import connect

ALL_COMPANIES = "ALL"
# a derived indicator's catalog formula: indicator codes joined by + and − (or -)
FORMULA_TERM = re.compile(r"\s*([+−-])?\s*([a-z][a-z0-9_]*)\s*")


class ExplainError(Exception):
    """The value cannot be explained; the message says why in one line."""


@dataclass(frozen=True)
class Contribution:
    company_code: str
    document_type: str
    document_id: str
    numerator: Decimal | None
    denominator: Decimal | None
    numerator_basis: str | None
    denominator_basis: str | None


@dataclass
class Explanation:
    metric_code: str
    name: str
    unit: str
    aggregation: str
    company_code: str
    month: dt.date
    published_value: float | None
    contributions: list[Contribution] = field(default_factory=list)
    inputs: list[tuple[Explanation, int]] = field(default_factory=list)  # derived: (input, sign)

    @property
    def numerator_total(self) -> Decimal:
        return sum((c.numerator or Decimal(0) for c in self.contributions), Decimal(0))

    @property
    def denominator_total(self) -> Decimal | None:
        parts = [c.denominator for c in self.contributions if c.denominator is not None]
        return sum(parts, Decimal(0)) if parts else None

    @property
    def recomputed_value(self) -> float | None:
        """The value from the documents, by the catalog's aggregation (the charter's rules)."""
        if self.aggregation == "derived":
            values = [(item.recomputed_value, sign) for item, sign in self.inputs]
            return None if any(v is None for v, _ in values) else sum(v * sign for v, sign in values)
        if not self.contributions:
            return None
        if self.aggregation == "sum":
            return float(self.numerator_total)
        if self.aggregation == "per_customer":  # a customer of both companies counts once in ALL
            return float(self.numerator_total) / len({c.document_id for c in self.contributions})
        denominator = self.denominator_total
        return None if not denominator else float(self.numerator_total / denominator)

    @property
    def agrees(self) -> bool:
        recomputed, published = self.recomputed_value, self.published_value
        if recomputed is None or published is None:
            return recomputed is None and published is None
        return abs(recomputed - published) <= 1e-9 * max(1.0, abs(published))


def explain(database: Path, metric: str, company: str, month: dt.date) -> Explanation:
    if not database.exists():
        raise ExplainError(f"no published database at {database}: run `yecai run` first")
    with connect(database, read_only=True) as con:
        return _explain(con, metric, company, month)


def _explain(con: duckdb.DuckDBPyConnection, metric: str, company: str, month: dt.date) -> Explanation:
    catalog = con.execute("select name_zh, unit, aggregation, formula from marts.metric_catalog "
                          "where metric_code = ?", [metric]).fetchone()
    if catalog is None:
        known = ", ".join(row[0] for row in con.execute(
            "select metric_code from marts.metric_catalog order by metric_code").fetchall())
        raise ExplainError(f"unknown indicator {metric!r}; the catalog has: {known}")
    values = "metric_values_all_companies" if company == ALL_COMPANIES else "metric_values"
    published = con.execute(f"select value from marts.{values} where metric_code = ? and company_code = ? "
                            "and month = ?", [metric, company, month]).fetchone()
    if published is None:
        raise ExplainError(f"{values} has no row for {metric}, company {company}, month {month:%Y-%m} "
                           "(companies: each company_code of dim_company, or ALL)")
    published_value = None if published[0] is None else float(published[0])  # decimal(38,10) in the mart
    explanation = Explanation(metric, catalog[0], catalog[1], catalog[2], company, month, published_value)
    if catalog[2] == "derived":
        explanation.inputs = [(_explain(con, code, company, month), sign)
                              for code, sign in derived_inputs(metric, catalog[3] or "")]
        return explanation
    company_filter = "" if company == ALL_COMPANIES else "and company_code = ?"
    rows = con.execute(
        "select company_code, document_type, document_id, numerator, denominator, numerator_basis, "
        "denominator_basis from marts.fct_metric_contributions "
        f"where metric_code = ? and month_start = ? {company_filter} "
        "order by abs(coalesce(numerator, 0)) + abs(coalesce(denominator, 0)) desc, document_type, document_id",
        [metric, month] + ([] if company == ALL_COMPANIES else [company])).fetchall()
    explanation.contributions = [Contribution(*row) for row in rows]
    return explanation


def derived_inputs(metric: str, formula: str) -> list[tuple[str, int]]:
    """(indicator, sign) of each term of a derived indicator's catalog formula, e.g.
    'dso + dio − dpo' → [(dso, 1), (dio, 1), (dpo, -1)]."""
    terms, position = [], 0
    while position < len(formula):
        match = FORMULA_TERM.match(formula, position)
        if match is None or match.end() == position or (terms and match.group(1) is None):
            raise ExplainError(f"the catalog formula of {metric} is not a sum of indicators: {formula!r}")
        terms.append((match.group(2), -1 if match.group(1) in ("−", "-") else 1))
        position = match.end()
    if not terms:
        raise ExplainError(f"the catalog has no formula for the derived indicator {metric}")
    return terms


def render(explanation: Explanation, limit: int | None) -> str:
    """The explanation as text: the documents (largest first), then the totals and both values."""
    e = explanation
    lines = [f"{e.metric_code} ({e.name}), company {e.company_code}, {e.month:%Y-%m}: "
             f"published {_number(e.published_value)} {e.unit} (aggregation {e.aggregation})"]
    if e.aggregation == "derived":
        formula = " ".join(f"{'+' if sign > 0 else '−'} {item.metric_code}" for item, sign in e.inputs)
        lines.append(f"  = {formula.lstrip('+ ')}")
        for item, _ in e.inputs:
            lines.append(f"    {item.metric_code}: {_number(item.recomputed_value)} from "
                         f"{len(item.contributions):,} documents (yecai explain {item.metric_code} ...)")
    else:
        shown = e.contributions if limit is None else e.contributions[:limit]
        lines.append(f"  {'document':<34} {'numerator':>22} {'denominator':>22}  basis")
        for c in shown:
            company = f"{c.company_code} " if e.company_code == ALL_COMPANIES else ""
            basis = c.numerator_basis if c.denominator_basis in (None, c.numerator_basis) else (
                f"{c.numerator_basis} / {c.denominator_basis}")
            lines.append(f"  {company + c.document_type + ' ' + c.document_id:<34} {_number(c.numerator):>22} "
                         f"{_number(c.denominator):>22}  {basis}")
        if len(shown) < len(e.contributions):
            lines.append(f"  … {len(e.contributions) - len(shown):,} more documents (--all lists every one)")
        lines.append(f"  {'Σ over ' + format(len(e.contributions), ',') + ' documents':<34} "
                     f"{_number(e.numerator_total):>22} {_number(e.denominator_total):>22}")
        rule = {"sum": "Σ numerator", "per_customer": "Σ numerator / distinct customers"}.get(e.aggregation,
                                                                                  "Σ numerator / Σ denominator")
        lines.append(f"  {rule} = {_number(e.recomputed_value)}")
    lines.append("  agrees with the published value" if e.agrees else
                 f"  DOES NOT AGREE with the published value ({_number(e.published_value)})")
    return "\n".join(lines)


def _number(value: float | Decimal | None) -> str:
    if value is None:
        return "NULL"
    return f"{float(value):,.4f}"
