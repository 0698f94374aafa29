"""Indicators by sales channel (an order attribute), checked against plain pandas."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from books import Books

KEY = ["company_code", "month", "channel"]


def _components(database, metric_code: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        df = con.execute(
            "select company_code, month_start, coalesce(channel, '∅') as channel, "
            "sum(numerator) as numerator, sum(denominator) as denominator "
            "from marts.fct_metric_components where metric_code = ? group by 1, 2, 3",
            [metric_code]).df()
    df["month"] = pd.to_datetime(df.pop("month_start")).dt.to_period("M")
    return df.set_index(KEY).astype(float).sort_index()


def _order_channel(books: Books) -> pd.Series:
    return books.rows("erp_sales_orders").set_index("order_id")["channel"]


def test_revenue_by_channel(demo_data, demo_warehouse):
    books = Books(demo_data.landing)
    invoices = books.sales_invoices.set_index("invoice_id")
    lines = books.rows("bil_invoice_lines").join(invoices[["company_code", "rate", "invoice_type", "month"]],
                                                 on="invoice_id", how="inner")
    sign = np.where(lines["invoice_type"] == "invoice", 1.0, -1.0)
    lines["revenue"] = sign * lines["net_amount"] * lines["rate"]
    lines["channel"] = lines["order_id"].map(_order_channel(books)).fillna("∅")
    expected = lines.groupby(KEY)["revenue"].sum().sort_index()
    actual = _components(demo_warehouse, "revenue")["numerator"]
    assert set(expected.index) == set(actual.index)
    assert np.allclose(actual.reindex(expected.index), expected, rtol=1e-9, atol=1e-6)
    assert {"direct", "distributor", "online"} <= set(expected.index.get_level_values("channel"))


def test_on_time_delivery_rate_by_channel(demo_data, demo_warehouse):
    books = Books(demo_data.landing)
    orders = books.rows("erp_sales_orders").set_index("order_id")
    ships = books.rows("wms_shipments").join(orders[["company_code", "channel", "requested_delivery_date",
                                                     "order_status"]], on="order_id", how="inner")
    ships = ships[ships["order_status"] != "cancelled"]
    ships["on_time"] = (ships["ship_date"] <= ships["requested_delivery_date"]).astype(float)
    ships["month"] = ships["ship_date"].dt.to_period("M")
    grouped = ships.groupby(KEY)["on_time"]
    expected = (grouped.sum() / grouped.count()).sort_index()
    comp = _components(demo_warehouse, "on_time_delivery_rate")
    actual = comp["numerator"] / comp["denominator"]
    assert set(expected.index) == set(actual.index)
    assert np.allclose(actual.reindex(expected.index), expected, rtol=1e-9)
