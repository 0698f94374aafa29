"""Supply indicators (inventory_value, average inventory, dpo, three_way_match_rate,
unit_output_cost) of the built demo warehouse against plain-pandas values computed from the
landing files (reference_supply.py), for every company and month; and the supply and GL facts
tied back to staging and to the pandas books."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from books import MONTHS, Books
from reference_supply import COMPANY_MONTH, SupplyReference

REL_TOL, ABS_TOL = 1e-9, 1e-6


@pytest.fixture(scope="module")
def books(demo_data) -> Books:
    return Books(demo_data.landing)


@pytest.fixture(scope="module")
def reference(books) -> SupplyReference:
    return SupplyReference(books)


@pytest.fixture(scope="module")
def query(demo_warehouse):
    def run(sql: str) -> pd.DataFrame:
        with duckdb.connect(str(demo_warehouse), read_only=True) as con:
            return con.execute(sql).df()
    return run


def _with_months(df: pd.DataFrame, column: str = "month_start") -> pd.DataFrame:
    return df.assign(month=pd.to_datetime(df[column]).dt.to_period("M"))


def assert_close(actual: pd.Series, expected: pd.Series, fill_missing: float | None = None) -> None:
    """Same index, same NULLs (NaN), values within the relative or the absolute tolerance."""
    extra = actual.index.difference(expected.index)
    assert extra.empty, f"values the reference does not have: {list(extra[:10])}"
    actual = actual.reindex(expected.index)
    if fill_missing is not None:
        actual = actual.fillna(fill_missing)
    a, e = actual.to_numpy(dtype=float), expected.to_numpy(dtype=float)
    null_mismatch = np.isnan(a) != np.isnan(e)
    assert not null_mismatch.any(), f"NULL differs at {list(expected.index[null_mismatch][:10])}"
    both = ~np.isnan(e)
    diff = np.abs(a[both] - e[both])
    bad = (diff > ABS_TOL) & (diff > REL_TOL * np.abs(e[both]))
    assert not bad.any(), pd.DataFrame({"actual": a[both][bad], "expected": e[both][bad]},
                                       index=expected.index[both][bad]).head(10).to_string()


def component_values(query, metric_code: str) -> pd.Series:
    """The indicator per company and month from its document rows (int_metric_components__documents),
    by the rule of docs/METRICS.md: Σ numerator / Σ denominator (NULL when 0), or Σ numerator."""
    rows = _with_months(query(
        "select company_code, month_start, cast(numerator as double) as numerator, "
        "cast(denominator as double) as denominator "
        f"from intermediate.int_metric_components__documents where metric_code = '{metric_code}'"))
    sums = rows.groupby(COMPANY_MONTH)[["numerator", "denominator"]].sum(min_count=1)
    if rows["denominator"].isna().all():
        return sums["numerator"]
    return sums["numerator"] / sums["denominator"].where(sums["denominator"] != 0)


# ---- the indicators, every company and month ------------------------------------------

def test_inventory_value_per_company_and_month(query, reference):
    assert_close(component_values(query, "inventory_value"), reference.inventory_value(), fill_missing=0.0)


def test_inventory_value_per_product_and_warehouse(query, reference):
    expected = reference.inventory_positions()
    actual = _with_months(query(
        "select company_code, product_id, warehouse_id, month_start, "
        "cast(inventory_value_cny as double) as inventory_value, "
        "cast(previous_month_end_value_cny as double) as previous_value "
        "from marts.fct_inventory_balance_monthly")).set_index(list(expected.index.names))
    for column in ["inventory_value", "previous_value"]:
        assert_close(actual[column], expected[column], fill_missing=0.0)


def test_average_inventory_per_company_and_month(query, reference):
    rows = _with_months(query(
        "select company_code, product_id, warehouse_id, month_start, days_in_month, "
        "cast(average_inventory_cny as double) as average_inventory "
        "from intermediate.int_supply__average_inventory_monthly"))
    assert (rows["days_in_month"] == rows["month"].dt.days_in_month).all()
    expected = reference.inventory_positions()["average_inventory"]
    assert_close(rows.set_index(list(expected.index.names))["average_inventory"], expected, fill_missing=0.0)
    assert_close(rows.groupby(COMPANY_MONTH)["average_inventory"].sum(), reference.average_inventory(),
                 fill_missing=0.0)


def test_dpo_per_company_and_month(query, reference):
    expected = reference.dpo()
    assert expected.notna().sum() > 50
    assert_close(component_values(query, "dpo"), expected)


def test_three_way_match_rate_per_company_and_month(query, reference):
    expected = reference.three_way_match_rate()
    assert (expected.dropna() < 1).any(), "the demo data should have unmatched lines"
    assert_close(component_values(query, "three_way_match_rate"), expected)


def test_unit_output_cost_per_company_and_month(query, reference):
    expected = reference.unit_output_cost()
    assert expected.notna().sum() > 50
    assert_close(component_values(query, "unit_output_cost"), expected)


def test_components_have_a_company_and_a_known_metric(query):
    rows = query("select metric_code, company_code, month_start from intermediate.int_metric_components__documents "
                 "where component_source in ('int_metric_components__inventory', 'int_metric_components__payables', "
                 "'int_metric_components__purchasing', 'int_metric_components__production')")
    assert rows["company_code"].notna().all()
    assert set(rows["metric_code"]) == {"inventory_value", "dpo", "three_way_match_rate", "unit_output_cost"}
    months = pd.to_datetime(rows["month_start"]).dt.to_period("M")
    assert months.min() >= MONTHS[0] and months.max() <= MONTHS[-1]


# ---- business rules seen on the data ---------------------------------------------------

def test_unmatched_lines_are_exactly_the_injected_billing_defects(demo_data, query, reference):
    defects = demo_data.defects[demo_data.defects["defect_type"].isin(
        ["supplier_invoice_line_over_received", "supplier_invoice_line_off_po_price",
         "orphan_supplier_invoice_line"])]
    lines = reference.three_way_match_lines()
    issued = set(lines["supplier_invoice_id"])
    expected = {(r.document_id, int(r.line_no)) for r in defects.itertuples() if r.document_id in issued}
    found = query("select supplier_invoice_id, line_no from marts.fct_supplier_invoice_lines "
                  "where not is_three_way_matched")
    assert expected and set(zip(found["supplier_invoice_id"], found["line_no"], strict=True)) == expected


def test_orphans_are_listed_and_left_out(demo_data, query):
    key = demo_data.defects[demo_data.defects["defect_type"].isin(["orphan_goods_receipt",
                                                                    "orphan_supplier_invoice_line"])]
    expected = {r.document_id if pd.isna(r.line_no) else f"{r.document_id}/{int(r.line_no)}"
                for r in key.itertuples()}
    orphans = query("select record_id, record_type, company_code from intermediate.int_supply__orphan_records "
                    "where orphan_reason = 'unknown_purchase_order'")
    assert expected and set(orphans["record_id"]) == expected
    receipts = set(orphans.loc[orphans["record_type"] == "goods_receipt", "record_id"])
    assert orphans.loc[orphans["record_type"] == "goods_receipt", "company_code"].isna().all()
    in_fact = query("select goods_receipt_id from marts.fct_goods_receipts")["goods_receipt_id"]
    assert receipts and not receipts & set(in_fact)


def test_settled_supplier_invoices_leave_exactly_zero_cny(query):
    rows = query("select count(*) as settled, "
                 "count(case when open_amount_cny <> 0 then 1 end) as not_zero "
                 "from marts.fct_ap_balance_monthly where open_amount = 0")
    assert rows["settled"].iloc[0] > 100 and rows["not_zero"].iloc[0] == 0


def test_ap_and_inventory_subledgers_match_the_books(query, books):
    ap = _with_months(query("select company_code, month_start, cast(sum(open_amount_cny) as double) as v "
                            "from marts.fct_ap_balance_monthly group by all"))
    expected = books.accounts_payable().stack().rename_axis(["month", "company_code"]).reorder_levels(COMPANY_MONTH)
    assert_close(ap.set_index(COMPANY_MONTH)["v"], expected, fill_missing=0.0)
    inv = _with_months(query("select company_code, month_start, cast(sum(inventory_value_cny) as double) as v "
                             "from marts.fct_inventory_balance_monthly group by all"))
    expected = books.inventory().stack().rename_axis(["month", "company_code"]).reorder_levels(COMPANY_MONTH)
    assert_close(inv.set_index(COMPANY_MONTH)["v"], expected, fill_missing=0.0)


# ---- facts tied back to staging and to the GL of the books ------------------------------

def _monthly_totals(query, sql: str) -> pd.DataFrame:
    return _with_months(query(sql)).drop(columns="month_start").set_index("month").sort_index()


def test_inventory_movements_tie_back_to_staging(query):
    fact = _monthly_totals(query, "select month_start, count(*) as n, sum(cast(movement_value_cny as double)) as v "
                                  "from marts.fct_inventory_movements group by all")
    staged = _monthly_totals(query, "select date_trunc('month', movement_date) as month_start, count(*) as n, "
                                    "sum(cast(quantity as double) * cast(unit_cost as double)) as v "
                                    "from staging.stg_wms__inventory_movements group by all")
    assert (fact["n"] == staged["n"]).all() and fact["n"].sum() == staged["n"].sum()
    assert_close(fact["v"], staged["v"])


def test_supplier_invoice_lines_tie_back_to_staging_and_books(query, books):
    fact = _monthly_totals(query, "select month_start, count(*) as n, sum(cast(gross_amount as double)) as gross, "
                                  "sum(cast(gross_amount_cny as double)) as gross_cny "
                                  "from marts.fct_supplier_invoice_lines group by all")
    staged = _monthly_totals(query, "select date_trunc('month', i.invoice_date) as month_start, count(*) as n, "
                                    "sum(cast(l.net_amount + l.tax_amount as double)) as gross "
                                    "from staging.stg_ap__supplier_invoice_lines l "
                                    "join staging.stg_ap__supplier_invoices i using (supplier_invoice_id) "
                                    "where i.invoice_status = 'issued' group by all")
    assert (fact["n"] == staged["n"]).all() and len(fact) == len(staged)
    assert_close(fact["gross"], staged["gross"])
    si = books.supplier_invoices
    expected = si.groupby(si["invoice_date"].dt.to_period("M"))["gross_cny"].sum()
    assert_close(fact["gross_cny"], expected.rename_axis("month"))


def test_gl_journal_lines_tie_back_to_staging(query):
    fact = _monthly_totals(query, "select month_start, count(*) as n, sum(cast(debit_amount as double)) as debit, "
                                  "sum(cast(credit_amount as double)) as credit "
                                  "from marts.fct_gl_journal_lines group by all")
    staged = _monthly_totals(query, "select date_trunc('month', posting_date) as month_start, count(*) as n, "
                                    "sum(cast(debit_amount as double)) as debit, "
                                    "sum(cast(credit_amount as double)) as credit "
                                    "from staging.stg_fin__journal_lines group by all")
    assert (fact["n"] == staged["n"]).all() and len(fact) == len(staged)
    assert_close(fact["debit"], staged["debit"])
    assert_close(fact["credit"], staged["credit"])


@pytest.mark.parametrize("role, credit_normal", [("inventory", False), ("accounts_payable", True)])
def test_gl_month_end_balances_match_the_books(query, books, role, credit_normal):
    rows = _with_months(query("select company_code, month_start, "
                              "cast(sum(closing_balance_normal) as double) as v from marts.fct_gl_balance_monthly "
                              f"where account_role = '{role}' group by all"))
    expected = books.gl(role, cumulative=True, credit_normal=credit_normal)
    expected = expected.stack().rename_axis(["month", "company_code"]).reorder_levels(COMPANY_MONTH)
    assert_close(rows.set_index(COMPANY_MONTH)["v"], expected, fill_missing=0.0)
