"""The column lineage of the indicators (yecai/lineage.py): computed from the compiled SQL,
committed as seeds/metric_column_lineage.csv and its docs page, and checked here:

- the committed files are what the SQL gives today (else: run `yecai lineage`);
- three indicators against what a reader of their SQL finds by hand;
- every indicator reaches at least one column of a source extract as a value;
- the walker itself, on a hand-made two-model project: a union branch of another indicator
  and the ON of a LEFT JOIN are not followed, a WHERE is a condition.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from yecai import lineage, settings


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return lineage.compile_project(tmp_path_factory.mktemp("lineage"))


@pytest.fixture(scope="module")
def rows(compiled) -> list[lineage.LineageRow]:
    return lineage.compute(*lineage.load(compiled))


def extract_columns(rows: list[lineage.LineageRow], metric: str, read_as: str) -> set[str]:
    return {f"{row.source_name}.{row.source_column}" for row in rows
            if row.metric_code == metric and row.read_as == read_as and row.source_kind == "extract"}


def test_committed_lineage_is_what_the_sql_gives(compiled):
    for path, text in lineage.generated_files(settings.PROJECT_DIR, compiled).items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(settings.PROJECT_DIR)} is stale: run `yecai lineage` and commit the result")


def test_revenue_reads_the_invoice_lines_net_amount_in_cny(rows):
    # int_sales__invoice_lines: revenue_cny = to_cny(net_amount) × document_sign, the sign
    # from invoice_type; lines of issued documents only (int_sales__invoices).
    assert extract_columns(rows, "revenue", "value") == {
        "bil_invoice_lines.net_amount", "bil_invoices.invoice_type", "fin_fx_rates.rate_to_cny"}
    conditions = extract_columns(rows, "revenue", "condition")
    assert {"bil_invoices.invoice_status", "bil_invoice_lines.invoice_id", "fin_fx_rates.currency"} <= conditions
    assert not any(column.startswith(("wms_", "erp_", "mes_", "ap_", "ar_")) for column in conditions)


def test_dso_reads_receivables_and_invoiced_amounts_only(rows):
    # dso = month-end AR (gross invoices − applications − write-offs) / invoiced gross × days:
    # int_sales__ar_balances_monthly and the gross amounts of int_sales__invoice_lines.
    extracts = {row.source_name for row in rows if row.metric_code == "dso" and row.source_kind == "extract"}
    assert extracts == {"bil_invoices", "bil_invoice_lines", "ar_receipt_applications", "ar_write_offs",
                        "fin_fx_rates"}
    values = extract_columns(rows, "dso", "value")
    assert {"bil_invoice_lines.net_amount", "bil_invoice_lines.tax_amount", "ar_receipt_applications.applied_amount",
            "ar_write_offs.amount", "fin_fx_rates.rate_to_cny"} <= values


def test_inventory_value_reads_stock_movements_at_their_cost(rows):
    # int_supply__inventory_balance_monthly: Σ quantity × unit_cost of the movements up to the
    # month-end, per warehouse and product.
    assert extract_columns(rows, "inventory_value", "value") == {
        "wms_inventory_movements.quantity", "wms_inventory_movements.unit_cost",
        "wms_inventory_movements.product_id", "wms_inventory_movements.warehouse_id"}
    assert "wms_inventory_movements.movement_date" in extract_columns(rows, "inventory_value", "condition")


def test_every_indicator_reaches_a_source_column(rows):
    with (settings.PROJECT_DIR / "seeds" / "metric_catalog.csv").open(encoding="utf-8") as handle:
        indicators = {row["metric_code"] for row in csv.DictReader(handle)}
    reached = defaultdict(set)
    for row in rows:
        if row.read_as == "value" and row.source_kind == "extract":
            reached[row.metric_code].add(row.source_name)
    assert set(reached) == indicators


def test_every_row_reaches_from_the_components_to_a_staging_model(rows):
    by_metric = defaultdict(set)
    for row in rows:
        by_metric[row.metric_code].add(row.model_name)
    for metric, models in by_metric.items():
        assert lineage.START_MODEL in models, metric
        assert any(model.startswith("stg_") for model in models), metric


def _toy_manifest() -> dict:
    def model(name: str, sql: str, columns: list[str]) -> dict:
        return {"resource_type": "model", "name": name, "relation_name": f'"db"."main"."{name}"',
                "compiled_code": sql, "columns": dict.fromkeys(columns, {})}

    components = model("fct_metric_components", """
        with lines as (select * from "db"."main"."int_lines"),
        revenue as (select 'revenue' as metric_code, sum(amount) as numerator, null as denominator
                    from lines where status = 'issued'),
        lines_count as (select 'line_count' as metric_code, count(*) as numerator, sum(weight) as denominator
                        from lines),
        final as (select metric_code, numerator, denominator from revenue
                  union all select metric_code, numerator, denominator from lines_count)
        select * from final""", ["metric_code", "numerator", "denominator"])
    lines = model("int_lines", """
        select raw_lines.amount * rates.rate as amount, raw_lines.status, raw_lines.weight, notes.note
        from "db"."raw"."lines" as raw_lines
        inner join "db"."raw"."rates" as rates on raw_lines.currency = rates.currency
        left join "db"."raw"."notes" as notes on raw_lines.note_id = notes.note_id""",
                  ["amount", "status", "weight", "note"])
    sources = {name: {"resource_type": "source", "source_name": "toy", "identifier": name,
                      "relation_name": f'"db"."raw"."{name}"', "config": {"meta": {"extract": f"toy_{name}"}},
                      "columns": dict.fromkeys(columns, {})}
               for name, columns in {"lines": ["amount", "status", "weight", "currency", "note_id"],
                                     "rates": ["currency", "rate"], "notes": ["note_id", "note"]}.items()}
    return {"nodes": {"a": components, "b": lines}, "sources": sources}


def test_the_walker_follows_one_indicator_and_only_the_rows_it_counts():
    semantic = {"metrics": [{"name": "revenue", "type": "simple", "filter": "x"},
                            {"name": "line_count", "type": "simple", "filter": "x"}]}
    found = lineage.compute(_toy_manifest(), semantic)
    by_metric = defaultdict(set)
    for row in found:
        if row.model_name == "int_lines":
            by_metric[row.metric_code].add((row.source_name, row.source_column, row.read_as))
    assert by_metric["revenue"] == {
        ("toy_lines", "amount", "value"), ("toy_rates", "rate", "value"),
        ("toy_lines", "currency", "condition"), ("toy_rates", "currency", "condition"),
        ("toy_lines", "status", "condition")}
    assert by_metric["line_count"] == {("toy_lines", "weight", "value"), ("toy_lines", "currency", "condition"),
                                     ("toy_rates", "currency", "condition")}
