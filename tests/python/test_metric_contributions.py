"""Drill-through (穿透): marts.fct_metric_contributions and `yecai explain`.

- For every indicator, company (and ALL) and month of the demo data, the documents' parts,
  combined by the catalog's aggregation in plain pandas, give the published value of
  metric_values (Σ/Σ for ratios, Σ for sums, Σ / distinct customers for customer lifetime
  value, dso + dio − dpo for the cash conversion cycle).
- Each invoice's revenue contribution equals its revenue computed from the landing files, and
  each invoice's dso contribution its open AR at the month-end and gross of the month.
- `yecai explain` prints the documents and agrees for every indicator; it refuses an unknown
  indicator in one line.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from books import Books
from click.testing import CliRunner
from reference_sales import SalesBooks

from yecai.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def marts(demo_warehouse) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        return {
            "contributions": con.execute("select * from marts.fct_metric_contributions").df(),
            "values": con.execute(
                "select metric_code, month, company_code, value from marts.metric_values union all "
                "select metric_code, month, company_code, value from marts.metric_values_all_companies").df(),
            "catalog": con.execute("select metric_code, aggregation from marts.metric_catalog").df(),
        }


def values_from_documents(contributions: pd.DataFrame, catalog: pd.DataFrame) -> pd.Series:
    """(metric_code, company_code, month) → the value the documents give, per company and ALL."""
    rows = contributions.assign(numerator=contributions["numerator"].astype(float),
                                denominator=contributions["denominator"].astype(float))
    everyone = rows.assign(company_code="ALL")
    frames = []
    for data in (rows, everyone):
        grouped = data.groupby(["metric_code", "company_code", "month_start"])
        frames.append(pd.DataFrame({
            "numerator": grouped["numerator"].sum(),
            "denominator": grouped["denominator"].sum(min_count=1),
            "customers": grouped["document_id"].nunique()}))
    totals = pd.concat(frames).join(catalog.set_index("metric_code"), on="metric_code")
    ratio = totals["numerator"] / totals["denominator"].where(totals["denominator"] != 0)
    value = np.select([totals["aggregation"] == "sum", totals["aggregation"] == "per_customer"],
                      [totals["numerator"], totals["numerator"] / totals["customers"]], ratio)
    return pd.Series(value, index=totals.index.rename(["metric_code", "company_code", "month"]))


def test_contributions_add_up_to_every_published_value(marts):
    expected = values_from_documents(marts["contributions"], marts["catalog"])
    published = marts["values"].set_index(["metric_code", "company_code", "month"])["value"]
    derived = marts["catalog"].loc[marts["catalog"]["aggregation"] == "derived", "metric_code"]
    published_direct = published[~published.index.get_level_values(0).isin(derived)]
    compared = published_direct.to_frame("published").join(expected.rename("documents"), how="outer")
    # a published value without documents, or documents without a published row, is a defect
    missing = compared[compared["published"].notna() & compared["documents"].isna()]
    assert missing.empty, f"published values no document explains:\n{missing.head()}"
    both = compared.dropna()
    assert len(both) > 1000
    relative = (both["published"] - both["documents"]).abs() / both["published"].abs().clip(lower=1.0)
    assert relative.max() < 1e-9, both[relative >= 1e-9].head()

    cycle = published.xs("cash_conversion_cycle", level="metric_code").dropna()
    inputs = {code: expected.xs(code, level="metric_code") for code in ("dso", "dio", "dpo")}
    recomputed = (inputs["dso"] + inputs["dio"] - inputs["dpo"]).reindex(cycle.index)
    assert len(cycle) > 50 and np.allclose(cycle, recomputed, rtol=1e-9)


def test_each_invoice_contributes_its_revenue_from_the_landing_files(marts, demo_data):
    books = SalesBooks(demo_data.landing)
    reference = books.invoice_lines.groupby("invoice_id")["revenue_cny"].sum()
    revenue = marts["contributions"].query("metric_code == 'revenue'").set_index("document_id")["numerator"]
    assert set(revenue.index) == set(reference.index)
    difference = (revenue.astype(float) - reference.reindex(revenue.index)).abs()
    assert difference.max() < 0.005


@pytest.mark.parametrize("month", ["2023-12", "2024-06", "2025-03"])
def test_each_invoice_contributes_to_dso_its_open_amount_at_the_month_end(marts, demo_data, month):
    """dso's documents of a month, from the landing files: every invoice or credit note open at
    the month-end (gross − applications − write-offs up to that day, CNY at its own rate)
    gives open × days in the month, and every one of the month gives its gross."""
    books = Books(demo_data.landing)
    month_start = pd.Timestamp(f"{month}-01")
    month_end = month_start + pd.offsets.MonthEnd(0)
    invoices = books.sales_invoices.set_index("invoice_id")
    invoices = invoices[invoices["invoice_date"] <= month_end]
    sign = np.where(invoices["invoice_type"] == "invoice", 1.0, -1.0)
    applications = books.rows("ar_receipt_applications")
    applied = applications[applications["applied_date"] <= month_end].groupby("invoice_id")["applied_amount"].sum()
    write_offs = books.rows("ar_write_offs")
    written_off = write_offs[write_offs["write_off_date"] <= month_end].groupby("invoice_id")["amount"].sum()
    relieved = applied.reindex(invoices.index, fill_value=0) + written_off.reindex(invoices.index, fill_value=0)
    open_amount = invoices["gross_cny"] - sign * relieved * invoices["rate"]
    of_month = invoices["invoice_date"] >= month_start
    expected_documents = set(invoices.index[(open_amount.abs() > 0.005) | of_month])

    rows = marts["contributions"]
    dso = rows[(rows["metric_code"] == "dso") & (pd.to_datetime(rows["month_start"]) == month_start)]
    dso = dso.set_index("document_id")
    assert set(dso.index) == expected_documents
    days = month_end.day
    assert np.allclose(dso["numerator"].astype(float), open_amount.reindex(dso.index) * days, atol=0.01 * days)
    gross_of_month = invoices["gross_cny"].where(of_month, 0.0).reindex(dso.index)
    assert np.allclose(dso["denominator"].astype(float).fillna(0.0), gross_of_month, atol=0.01)


def test_balance_contributions_say_which_month_end(marts):
    rows = marts["contributions"]
    dso = rows[rows["metric_code"] == "dso"]
    assert set(dso["numerator_basis"]) == {"month_end"} and set(dso["denominator_basis"]) == {"flow"}
    assert (pd.to_datetime(dso["month_end"]) == pd.to_datetime(dso["month_start"]) + pd.offsets.MonthEnd(0)).all()
    turnover = rows[rows["metric_code"] == "inventory_turnover"]
    assert set(turnover["denominator_basis"]) == {"month_average"}
    assert set(turnover["document_type"]) >= {"invoice", "stock_position"}


def test_explain_prints_the_documents_and_agrees_for_every_indicator(marts, demo_warehouse):
    runner = CliRunner()
    for metric in marts["catalog"]["metric_code"]:
        result = runner.invoke(main, ["explain", metric, "--company", "CN10", "--month", "2024-06",
                                      "--database", str(demo_warehouse), "--limit", "3"])
        assert result.exit_code == 0, result.output
        assert "agrees with the published value" in result.output
    revenue = runner.invoke(main, ["explain", "revenue", "--company", "ALL", "--month", "2024-06",
                                   "--database", str(demo_warehouse), "--all"])
    rows = marts["contributions"]
    documents = rows[(rows["metric_code"] == "revenue") & (pd.to_datetime(rows["month_start"]) == "2024-06-01")]
    assert revenue.output.count("\n  CN") == len(documents)
    unknown = runner.invoke(main, ["explain", "ebitda", "--company", "CN10", "--month", "2024-06",
                                   "--database", str(demo_warehouse)])
    assert unknown.exit_code == 2 and "unknown indicator 'ebitda'" in unknown.output


ID_COLUMN = {"bil_invoices": "invoice_id", "erp_sales_orders": "order_id", "wms_shipments": "shipment_id",
             "ar_write_offs": "write_off_id", "crm_customers": "customer_id",
             "ap_supplier_invoices": "supplier_invoice_id", "mes_work_orders": "work_order_id"}


def test_every_document_leads_to_its_row_of_a_loaded_delivery_file(marts, demo_warehouse):
    rows = marts["contributions"]
    delivered = rows[rows["document_type"] != "stock_position"]
    assert delivered["_source_file"].notna().all() and delivered["_source_row_number"].notna().all()
    assert rows.loc[rows["document_type"] == "stock_position", "_source_file"].isna().all()
    assert set(delivered["source_extract"]) == set(ID_COLUMN)
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        con.register("documents", delivered[["source_extract", "document_id", "_source_file", "_batch_id",
                                             "_source_row_number"]].drop_duplicates())
        not_loaded = con.execute(
            "select count(*) from documents d where not exists (select 1 from ingest.load_log l where "
            "l.source_file = d._source_file and l.batch_id = d._batch_id and l.status = 'loaded')").fetchone()[0]
        assert not_loaded == 0
        for extract, id_column in ID_COLUMN.items():
            # the raw row at that file and row number is the document itself
            wrong = con.execute(
                f"select count(*) from documents d left join raw.{extract} r on r._source_file = d._source_file "
                f"and r._source_row_number = d._source_row_number where d.source_extract = ? "
                f"and r.{id_column} is distinct from d.document_id", [extract]).fetchone()[0]
            assert wrong == 0, extract
