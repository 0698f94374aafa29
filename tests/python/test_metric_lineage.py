"""The column lineage of the indicators (yecai/lineage.py): computed from the compiled SQL,
committed as seeds/metric_column_lineage.csv and its docs page, and checked here:

- the committed files are what the SQL gives today (else: run `yecai lineage`);
- three indicators against what a reader of their SQL finds by hand;
- every indicator reaches at least one column of a source extract as a value;
- the dbt graph of every indicator (metric → semantic model → mart → sources) reaches no
  extract beyond its column lineage, except the named attributes of shared line models;
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
def loaded(compiled) -> tuple[dict, dict]:
    return lineage.load(compiled)


@pytest.fixture(scope="module")
def rows(loaded) -> list[lineage.LineageRow]:
    return lineage.compute(*loaded)


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


def test_every_row_reaches_from_the_components_to_a_staging_model(loaded, rows):
    start_models = lineage.metric_models(loaded[1])
    by_metric = defaultdict(set)
    for row in rows:
        by_metric[row.metric_code].add(row.model_name)
    for metric, models in by_metric.items():
        inputs = lineage.metric_inputs(loaded[1])[metric]
        assert {start_models[code] for code in inputs} <= models, metric
        assert all(start_models[code].startswith("fct_metric_components__") for code in inputs), metric
        assert any(model.startswith("stg_") for model in models), metric


# Extracts a model brings into every indicator that reads it although their columns reach
# none of its values: one row per invoice line carries all the line's attributes (the order's
# channel and line, the latest shipment, the standard cost, held versions); an application
# carries its receipt header (date, company); supplier invoice lines carry CNY amounts.
SHARED_MODEL_EXTRACTS = {
    "int_sales__invoice_lines": {"erp_sales_orders", "erp_sales_order_lines", "wms_shipments", "erp_standard_costs",
                                 "fin_fx_rates", "snapshot_held_keys"},
    "int_sales__receipt_applications": {"ar_receipts"},
    "int_supply__supplier_invoice_lines": {"fin_fx_rates"},
}


def graph_upstream(manifest: dict, unique_id: str) -> tuple[set[str], set[str]]:
    """The models and the sources (extract name, else identifier) upstream of a node. A model
    marked meta build_control (int_changes__recompute_months: which months an incremental build
    recomputes) decides when a model builds, not what it holds, and is not followed."""
    nodes = {**manifest["nodes"], **manifest["semantic_models"], **manifest["metrics"]}
    models, sources, todo = set(), set(), [unique_id]
    while todo:
        for parent in nodes[todo.pop()]["depends_on"]["nodes"]:
            if (nodes.get(parent, {}).get("config") or {}).get("meta", {}).get("build_control"):
                continue
            if parent.startswith("source."):
                source = manifest["sources"][parent]
                sources.add(source["config"]["meta"].get("extract") or source["identifier"])
            elif parent in nodes and nodes[parent].get("name") not in models:
                models.add(nodes[parent]["name"])
                todo.append(parent)
    return models, sources


def test_every_indicators_dbt_graph_is_no_wider_than_what_it_reads(loaded, rows):
    """An indicator's graph holds the extracts its family (the indicators of its mart) reads,
    and the named attributes of the shared line models; nothing of other areas."""
    manifest, semantic_manifest = loaded
    start_models, inputs = lineage.metric_models(semantic_manifest), lineage.metric_inputs(semantic_manifest)
    read_by_mart = defaultdict(set)
    for row in rows:
        if row.source_kind != "seed" and row.metric_code in start_models:  # a derived one reads its inputs'
            read_by_mart[start_models[row.metric_code]].add(row.source_name)
    metric_ids = {node["name"]: key for key, node in manifest["metrics"].items()}
    for metric, codes in inputs.items():
        read = set().union(*(read_by_mart[start_models[code]] for code in codes))
        models, extracts = graph_upstream(manifest, metric_ids[metric])
        allowed = set().union(*(SHARED_MODEL_EXTRACTS[model] for model in models & SHARED_MODEL_EXTRACTS.keys()))
        assert extracts - read <= allowed, (metric, sorted(extracts - read - allowed))
    # the example: dso's graph showed 19 of the 26 extracts through one union of every area
    assert graph_upstream(manifest, metric_ids["dso"])[1] == {
        "bil_invoices", "bil_invoice_lines", "ar_receipt_applications", "ar_write_offs", "fin_fx_rates", "ar_receipts"}


def _toy_manifest() -> dict:
    def model(name: str, sql: str, columns: list[str]) -> dict:
        return {"resource_type": "model", "name": name, "relation_name": f'"db"."main"."{name}"',
                "compiled_code": sql, "columns": dict.fromkeys(columns, {})}

    components = model("fct_metric_components__toy", """
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
    semantic = {"semantic_models": [{"node_relation": {"alias": "fct_metric_components__toy"},
                                     "measures": [{"name": "numerator"}, {"name": "denominator"}]}],
                "metrics": [{"name": "revenue", "type": "simple", "filter": "x",
                             "type_params": {"measure": {"name": "numerator"}}},
                            {"name": "line_count", "type": "ratio", "filter": "x",
                             "type_params": {"numerator": {"name": "line_numerator"},
                                             "denominator": {"name": "line_denominator"}}},
                            {"name": "line_numerator", "type": "simple",
                             "type_params": {"measure": {"name": "numerator"}}},
                            {"name": "line_denominator", "type": "simple",
                             "type_params": {"measure": {"name": "denominator"}}}]}
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
