"""Order-to-cash indicators end to end: the warehouse's metric components
(intermediate.int_metric_components__documents, the rows of the sales indicators), aggregated per company and month as
docs/METRICS.md prescribes, against the charter computed independently in plain pandas from
the landing files (reference_sales.py); and the sales facts tied back to staging."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from reference_sales import SalesBooks

SUM_METRICS = {"revenue", "cogs", "gross_margin"}
PER_CUSTOMER_METRICS = {"customer_lifetime_value"}
SALES_METRICS = [
    "revenue", "cogs", "gross_margin", "gross_margin_rate", "order_fulfillment_rate",
    "on_time_delivery_rate", "collection_days", "dso", "ar_overdue_rate", "bad_debt_rate",
    "customer_lifetime_value", "invoice_accuracy_rate", "ship_to_invoice_days",
]


def _query(database, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df()


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M")


def _assert_close(actual: pd.Series, expected: pd.Series, what: str) -> None:
    """Same keys; values within relative 1e-9 or absolute 1e-6; NaN (no value) on both sides."""
    actual, expected = actual.sort_index(), expected.sort_index()
    missing = expected.index.difference(actual.index)
    extra = actual.index.difference(expected.index)
    assert missing.empty and extra.empty, f"{what}: missing {list(missing)[:5]}, extra {list(extra)[:5]}"
    a, e = actual.to_numpy(dtype=float), expected.reindex(actual.index).to_numpy(dtype=float)
    ok = np.isclose(a, e, rtol=1e-9, atol=1e-6) | (np.isnan(a) & np.isnan(e))
    bad = pd.DataFrame({"warehouse": a, "reference": e}, index=actual.index)[~ok]
    assert bad.empty, f"{what}: {len(bad)} company-months differ\n{bad.head(10)}"


@pytest.fixture(scope="module")
def warehouse(demo_warehouse):
    return demo_warehouse


@pytest.fixture(scope="module")
def books(demo_data) -> SalesBooks:
    return SalesBooks(demo_data.landing)


@pytest.fixture(scope="module")
def components(warehouse) -> pd.DataFrame:
    df = _query(warehouse, f"""
        select metric_code, company_code, month_start, customer_id,
               cast(numerator as double) as numerator, cast(denominator as double) as denominator
        from intermediate.int_metric_components__documents
        where metric_code in ({", ".join(f"'{code}'" for code in SALES_METRICS)})""")
    df["month"] = _month(df["month_start"])
    return df


def _indicator(components: pd.DataFrame, metric_code: str) -> pd.Series:
    """Value per company-month following the metric's aggregation (docs/METRICS.md)."""
    rows = components[components["metric_code"] == metric_code]
    grouped = rows.groupby(["company_code", "month"])
    numerator = grouped["numerator"].sum()
    if metric_code in SUM_METRICS:
        return numerator
    if metric_code in PER_CUSTOMER_METRICS:
        return numerator / grouped["customer_id"].nunique()
    denominator = grouped["denominator"].sum(min_count=1)
    return numerator / denominator.where(denominator != 0)


@pytest.mark.parametrize("metric_code", SALES_METRICS)
def test_indicator_matches_the_charter_for_every_company_and_month(components, books, metric_code):
    actual = _indicator(components, metric_code)
    expected = books.indicator(metric_code)
    assert len(expected) > 0
    _assert_close(actual, expected, metric_code)


def test_components_follow_the_interface(components):
    assert set(components["metric_code"]) == set(SALES_METRICS)
    assert components["company_code"].notna().all()
    assert components["numerator"].notna().all()
    plain_sums = components["metric_code"].isin(SUM_METRICS | PER_CUSTOMER_METRICS)
    assert components.loc[plain_sums, "denominator"].isna().all()
    assert (components["month_start"] == components["month"].dt.start_time).all()


def test_ar_balances_equal_the_books_receivable_at_every_month_end(warehouse, books):
    ar = _query(warehouse, """
        select company_code, month_end, sum(cast(open_amount_cny as double)) as ar
        from marts.fct_ar_balance_monthly group by all""")
    actual = ar.set_index(["company_code", _month(ar["month_end"]).rename("month")])["ar"]
    expected = books.accounts_receivable().stack().rename_axis(["month", "company_code"])
    expected = expected.swaplevel().loc[lambda s: s.index.get_level_values("month").isin(books.month_ends)]
    expected = expected[expected.abs() > 1e-6]  # no open item, no row
    _assert_close(actual, expected, "AR")


def test_open_items_and_aging_match_the_reference(warehouse, books):
    actual = _query(warehouse, """
        select invoice_id, month_end, cast(open_amount_cny as double) as open_cny, aging_bucket, is_overdue
        from marts.fct_ar_balance_monthly""")
    actual = actual.set_index(["invoice_id", _month(actual["month_end"]).rename("month")]).sort_index()
    items = books.open_items.set_index(["invoice_id", "month"]).sort_index()
    _assert_close(actual["open_cny"], items["open_cny"], "open amount per invoice and month-end")
    overdue = (items["invoice_type"] == "invoice") & (items["due_date"] < items["month_end"])
    assert (actual["is_overdue"] == overdue).all()
    days = (items["month_end"] - items["due_date"]).dt.days.where(items["invoice_type"] == "invoice")
    buckets = pd.cut(days.fillna(0), [-np.inf, 0, 30, 60, 90, 180, np.inf],
                     labels=["current", "1-30", "31-60", "61-90", "91-180", ">180"])
    assert (actual["aging_bucket"] == buckets.astype(str)).all()


def test_customer_lifetime_value_per_customer(warehouse, books):
    actual = _query(warehouse, """
        select customer_id, company_code, month_end, cast(lifetime_value_cny as double) as value
        from marts.fct_customer_lifetime_value""")
    actual = actual.set_index(["customer_id", "company_code", _month(actual["month_end"]).rename("month")])["value"]
    expected = books.customer_lifetime_values().set_index(["customer_id", "company_code", "month"])["value"]
    _assert_close(actual, expected, "customer lifetime value")


def test_collection_dates_match_the_reference(warehouse, books):
    actual = _query(warehouse, """
        select invoice_id, collection_date from intermediate.int_sales__invoice_collections
        where is_fully_collected""").set_index("invoice_id")["collection_date"]
    expected = books.collections.set_index("invoice_id")["applied_date"]
    assert set(actual.index) == set(expected.index)
    assert (pd.to_datetime(actual).sort_index() == expected.sort_index()).all()


def test_inaccurate_invoice_lines_are_the_injected_billing_errors(warehouse, demo_data):
    billing_errors = {"invoice_line_wrong_price", "invoice_line_over_quantity", "orphan_invoice_line"}
    key = demo_data.defects[demo_data.defects["defect_type"].isin(billing_errors)]
    expected = {(r.document_id, int(r.line_no)) for r in key.itertuples()}
    found = _query(warehouse, "select invoice_id, line_no from marts.fct_invoice_lines where not is_accurate")
    assert expected and set(zip(found["invoice_id"], found["line_no"], strict=True)) == expected


@pytest.mark.parametrize("defect, exception_type", [
    ("orphan_shipment", "orphan_shipment"),
    ("orphan_invoice_line", "orphan_invoice_line"),
])
def test_orphans_are_reported_as_data_quality_exceptions(warehouse, demo_data, defect, exception_type):
    key = demo_data.defects[demo_data.defects["defect_type"] == defect]
    expected = {f"{r.document_id}/{int(r.line_no)}" if pd.notna(r.line_no) else r.document_id
                for r in key.itertuples()}
    found = _query(warehouse, f"""
        select document_id, line_no from intermediate.int_sales__data_quality_exceptions
        where exception_type = '{exception_type}'""")
    ids = {f"{d}/{int(n)}" if pd.notna(n) else d for d, n in zip(found["document_id"], found["line_no"], strict=True)}
    assert expected and ids == expected


def test_orphan_shipments_count_in_no_metric(warehouse):
    leaked = _query(warehouse, """
        select count(*) as n from marts.fct_shipments s
        inner join intermediate.int_sales__data_quality_exceptions e
            on e.document_id = s.shipment_id and e.exception_type = 'orphan_shipment'""")
    assert leaked["n"].iloc[0] == 0


def test_fct_invoice_lines_ties_back_to_staging_per_month(warehouse):
    """Every line of an issued document, no more: counts and amounts per month and type."""
    staging = _query(warehouse, """
        select date_trunc('month', i.invoice_date) as month, i.invoice_type, count(*) as n,
               sum(l.quantity) as quantity, sum(l.net_amount) as net, sum(l.tax_amount) as tax
        from staging.stg_bil__invoice_lines l
        inner join staging.stg_bil__invoices i on i.invoice_id = l.invoice_id
        where i.invoice_status = 'issued'
        group by all""")
    fact = _query(warehouse, """
        select date_trunc('month', invoice_date) as month, invoice_type, count(*) as n,
               sum(quantity) as quantity, sum(net_amount) as net, sum(tax_amount) as tax
        from marts.fct_invoice_lines
        group by all""")
    key = ["month", "invoice_type"]
    merged = staging.merge(fact, on=key, how="outer", suffixes=("_stg", "_fct"), indicator=True)
    assert (merged["_merge"] == "both").all()
    for col in ["n", "quantity", "net", "tax"]:
        assert np.allclose(merged[f"{col}_stg"].astype(float), merged[f"{col}_fct"].astype(float),
                           rtol=0, atol=1e-6), col


def test_fct_shipments_ties_back_to_staging_per_month(warehouse):
    """Every shipment of a known order, no more: counts and quantities per month."""
    staging = _query(warehouse, """
        select date_trunc('month', s.ship_date) as month, count(*) as n, sum(s.quantity) as quantity
        from staging.stg_wms__shipments s
        where s.order_id in (select order_id from staging.stg_erp__sales_orders)
        group by all""")
    fact = _query(warehouse, """
        select date_trunc('month', ship_date) as month, count(*) as n, sum(quantity) as quantity
        from marts.fct_shipments group by all""")
    merged = staging.merge(fact, on="month", how="outer", suffixes=("_stg", "_fct"), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["n_stg"] == merged["n_fct"]).all()
    assert np.allclose(merged["quantity_stg"].astype(float), merged["quantity_fct"].astype(float), rtol=0, atol=1e-6)


def test_order_lines_carry_what_was_invoiced_credited_and_collected(warehouse, books):
    """fct_sales_order_lines' billing columns per order line, against its invoice and
    credit-note lines in the books (int_sales__order_line_billing aggregates them)."""
    fact = _query(warehouse, """
        select order_id, line_no as order_line_no,
               cast(invoiced_quantity as double) as invoiced_quantity,
               cast(credited_quantity as double) as credited_quantity,
               cast(net_revenue_cny as double) as net_revenue_cny,
               cast(invoiced_gross_amount_cny as double) as invoiced_gross_amount_cny,
               cast(collected_gross_amount_cny as double) as collected_gross_amount_cny,
               last_collection_date
        from marts.fct_sales_order_lines""").set_index(["order_id", "order_line_no"]).sort_index()
    lines = books.invoice_lines.copy()
    is_invoice = lines["invoice_type"] == "invoice"
    collection = books.collections.set_index("invoice_id")["applied_date"]
    lines["collection_date"] = lines["invoice_id"].map(collection)
    gross_cny = (lines["net_amount"] + lines["tax_amount"].fillna(0.0)) * lines["rate"]
    lines["invoiced_quantity"] = lines["quantity"].where(is_invoice, 0.0)
    lines["credited_quantity"] = lines["quantity"].where(~is_invoice, 0.0)
    lines["invoiced_gross_amount_cny"] = gross_cny.where(is_invoice, 0.0)
    lines["collected_gross_amount_cny"] = gross_cny.where(is_invoice & lines["collection_date"].notna(), 0.0)
    per_line = lines.groupby(["order_id", "order_line_no"]).agg(
        invoiced_quantity=("invoiced_quantity", "sum"), credited_quantity=("credited_quantity", "sum"),
        net_revenue_cny=("revenue_cny", "sum"), invoiced_gross_amount_cny=("invoiced_gross_amount_cny", "sum"),
        collected_gross_amount_cny=("collected_gross_amount_cny", "sum"),
        last_collection_date=("collection_date", "max"))
    expected = per_line.reindex(fact.index)  # lines naming no known order line are in no row
    assert expected["invoiced_quantity"].notna().sum() > 0 and (expected["credited_quantity"] > 0).any()
    for column in ["invoiced_quantity", "credited_quantity", "net_revenue_cny",
                   "invoiced_gross_amount_cny", "collected_gross_amount_cny"]:
        assert np.allclose(fact[column], expected[column].fillna(0.0), rtol=1e-9, atol=1e-6), column
    actual_dates = pd.to_datetime(fact["last_collection_date"])
    assert (actual_dates.isna() == expected["last_collection_date"].isna()).all()
    assert (actual_dates.dropna() == expected["last_collection_date"].dropna()).all()
    assert expected["last_collection_date"].notna().any()


def test_fct_invoice_lines_revenue_equals_the_books(warehouse, books):
    fact = _query(warehouse, """
        select company_code, date_trunc('month', invoice_date) as month, sum(cast(revenue_cny as double)) as revenue
        from marts.fct_invoice_lines group by all""")
    actual = fact.set_index(["company_code", _month(fact["month"]).rename("month")])["revenue"]
    expected = books.revenue().stack().rename_axis(["month", "company_code"]).swaplevel()
    expected = expected[expected != 0]
    _assert_close(actual, expected, "revenue of fct_invoice_lines")


def test_no_personal_data_in_sales_marts(warehouse):
    columns = _query(warehouse, """
        select table_name, column_name from information_schema.columns
        where table_schema = 'marts' and table_name in (
            'fct_sales_order_lines', 'fct_shipments', 'fct_invoice_lines', 'fct_receipt_applications',
            'fct_write_offs', 'fct_ar_balance_monthly', 'fct_ar_aging_monthly', 'fct_customer_lifetime_value')""")
    assert columns["table_name"].nunique() == 8
    assert not set(columns["column_name"]) & {"contact_phone", "customer_name"}
