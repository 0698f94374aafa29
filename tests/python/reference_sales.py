"""The order-to-cash indicators of docs/metric_charter.md computed in plain pandas straight
from a landing folder: the independent reference the warehouse's sales metric components
are tested against. Written from the charter, not from the SQL; deliberately naive
(document × month-end explosions are fine at demo scale).

Every indicator is returned as a Series indexed by (company_code, month) holding the value of
the company-month, for exactly the company-months whose population is non-empty; NaN where
the population exists but the denominator is 0 (charter: empty denominators give no value).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
from books import Books

ORDER_LINE_KEY = ["order_id", "order_line_no"]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return numerator / denominator.where(denominator != 0)


def _by_company_month(df: pd.DataFrame, month_col: str, value_col: str) -> pd.Series:
    return df.groupby(["company_code", month_col])[value_col].sum().rename_axis(["company_code", "month"])


class SalesBooks(Books):
    """Books plus the sales indicators (the charter's definitions, one method each)."""

    # ---- documents ---------------------------------------------------------------------
    @cached_property
    def issued_invoices(self) -> pd.DataFrame:
        inv = self.sales_invoices.copy()
        inv[["net", "tax"]] = inv[["net", "tax"]].fillna(0.0)
        inv["gross"] = inv["net"] + inv["tax"]
        inv["sign"] = np.where(inv["invoice_type"] == "credit_note", -1.0, 1.0)
        return inv

    @cached_property
    def invoice_lines(self) -> pd.DataFrame:
        """Lines of issued invoices and credit notes with signed CNY revenue and cost."""
        inv = self.issued_invoices[["invoice_id", "company_code", "customer_id", "invoice_type",
                                    "invoice_date", "month", "rate", "sign"]]
        lines = self.rows("bil_invoice_lines").merge(inv, on="invoice_id")
        costs = self.rows("erp_standard_costs")
        costs["valid_to"] = costs["valid_to"].fillna(pd.Timestamp("2262-01-01"))
        cost = lines[["invoice_id", "line_no", "product_id", "invoice_date"]].merge(costs, on="product_id")
        cost = cost[(cost["valid_from"] <= cost["invoice_date"]) & (cost["invoice_date"] <= cost["valid_to"])]
        lines = lines.merge(cost[["invoice_id", "line_no", "standard_cost"]], on=["invoice_id", "line_no"], how="left")
        lines["revenue_cny"] = lines["sign"] * lines["net_amount"] * lines["rate"]
        lines["cogs_cny"] = lines["sign"] * lines["quantity"] * lines["standard_cost"]
        lines["margin_cny"] = lines["revenue_cny"] - lines["cogs_cny"]
        return lines

    @cached_property
    def known_orders(self) -> pd.DataFrame:
        return self.rows("erp_sales_orders")

    @cached_property
    def shipments(self) -> pd.DataFrame:
        """Shipments of known orders (orphans naming an unknown order are left out)."""
        columns = ["order_id", "company_code", "customer_id", "requested_delivery_date", "order_status"]
        orders = self.known_orders[columns]
        return self.rows("wms_shipments").merge(orders, on="order_id")

    @cached_property
    def receipt_applications(self) -> pd.DataFrame:
        inv = self.issued_invoices.set_index("invoice_id")[["company_code", "customer_id", "rate", "invoice_type"]]
        app = self.rows("ar_receipt_applications").join(inv, on="invoice_id", how="inner")
        app["cny"] = app["applied_amount"] * app["rate"]
        return app

    @cached_property
    def write_offs(self) -> pd.DataFrame:
        inv = self.issued_invoices.set_index("invoice_id")[["company_code", "customer_id", "rate"]]
        wo = self.rows("ar_write_offs").join(inv, on="invoice_id", how="inner")
        wo["cny"] = wo["amount"] * wo["rate"]
        wo["month"] = wo["write_off_date"].dt.to_period("M")
        return wo

    @cached_property
    def month_ends(self) -> pd.PeriodIndex:
        """Months from the first to the last sales-ledger date (invoice, application,
        write-off): the month-ends at which balances are measured."""
        dates = pd.concat([self.issued_invoices["invoice_date"], self.rows("ar_receipt_applications")["applied_date"],
                           self.rows("ar_write_offs")["write_off_date"]])
        return pd.period_range(dates.min().to_period("M"), dates.max().to_period("M"), freq="M")

    # ---- revenue, cogs, margin ------------------------------------------------------------
    def revenue_by(self) -> pd.Series:
        return _by_company_month(self.invoice_lines, "month", "revenue_cny")

    def cogs_by(self) -> pd.Series:
        return _by_company_month(self.invoice_lines, "month", "cogs_cny")

    def gross_margin_by(self) -> pd.Series:
        return self.revenue_by() - self.cogs_by()

    def gross_margin_rate_by(self) -> pd.Series:
        return _ratio(self.gross_margin_by(), self.revenue_by())

    # ---- delivery ------------------------------------------------------------------------
    def order_fulfillment_rate_by(self) -> pd.Series:
        orders = self.known_orders
        orders = orders[orders["order_status"] != "cancelled"]
        lines = self.rows("erp_sales_order_lines").merge(
            orders[["order_id", "company_code", "requested_delivery_date"]], on="order_id")
        ship = self.rows("wms_shipments")
        ship = ship.merge(lines[["order_id", "line_no", "requested_delivery_date"]],
                          left_on=ORDER_LINE_KEY, right_on=["order_id", "line_no"])
        on_time = (ship[ship["ship_date"] <= ship["requested_delivery_date"]]
                   .groupby(["order_id", "line_no"])["quantity"].sum().rename("on_time_qty"))
        lines = lines.join(on_time, on=["order_id", "line_no"])
        lines["fulfilled"] = (lines["on_time_qty"].fillna(0) >= lines["quantity"]).astype(float)
        lines["one"] = 1.0
        lines["month"] = lines["requested_delivery_date"].dt.to_period("M")
        return _ratio(_by_company_month(lines, "month", "fulfilled"), _by_company_month(lines, "month", "one"))

    def on_time_delivery_rate_by(self) -> pd.Series:
        ship = self.shipments
        ship = ship[ship["order_status"] != "cancelled"].copy()
        ship["on_time"] = (ship["ship_date"] <= ship["requested_delivery_date"]).astype(float)
        ship["one"] = 1.0
        ship["month"] = ship["ship_date"].dt.to_period("M")
        return _ratio(_by_company_month(ship, "month", "on_time"), _by_company_month(ship, "month", "one"))

    # ---- cash --------------------------------------------------------------------------
    @cached_property
    def collections(self) -> pd.DataFrame:
        """Issued invoices (type invoice) fully collected by receipts, with their collection date."""
        inv = self.issued_invoices
        inv = inv[inv["invoice_type"] == "invoice"].set_index("invoice_id")
        app = self.rows("ar_receipt_applications")
        app = app[app["invoice_id"].isin(inv.index)]
        daily = app.groupby(["invoice_id", "applied_date"], as_index=False)["applied_amount"].sum()
        daily = daily.sort_values(["invoice_id", "applied_date"])
        daily["cumulative"] = daily.groupby("invoice_id")["applied_amount"].cumsum()
        daily = daily.join(inv[["gross", "gross_cny", "invoice_date", "company_code", "customer_id"]], on="invoice_id")
        reached = daily[daily["cumulative"] >= daily["gross"] - 0.01]
        collected = reached.groupby("invoice_id").first().reset_index()
        collected["days"] = (collected["applied_date"] - collected["invoice_date"]).dt.days
        collected["weighted"] = collected["gross_cny"] * collected["days"]
        collected["month"] = collected["applied_date"].dt.to_period("M")
        return collected

    def collection_days_by(self) -> pd.Series:
        c = self.collections
        return _ratio(_by_company_month(c, "month", "weighted"), _by_company_month(c, "month", "gross_cny"))

    @cached_property
    def open_items(self) -> pd.DataFrame:
        """Open amount (CNY, signed) of every issued document at every month-end where it is
        not zero: gross − applications − write-offs up to the month-end, at the invoice's rate."""
        inv = self.issued_invoices
        ends = pd.DataFrame({"month": self.month_ends})
        ends["month_end"] = ends["month"].dt.end_time.dt.normalize()
        grid = inv[["invoice_id", "company_code", "customer_id", "invoice_type", "invoice_date", "due_date",
                    "gross_cny"]].merge(ends, how="cross")
        grid = grid[grid["invoice_date"] <= grid["month_end"]]

        def relieved(events: pd.DataFrame, date_col: str) -> pd.Series:
            e = events[["invoice_id", date_col, "cny"]].merge(ends, how="cross")
            e = e[e[date_col] <= e["month_end"]]
            return e.groupby(["invoice_id", "month"])["cny"].sum()

        key = ["invoice_id", "month"]
        grid = grid.join(relieved(self.receipt_applications, "applied_date").rename("applied"), on=key)
        grid = grid.join(relieved(self.write_offs, "write_off_date").rename("written_off"), on=key)
        grid["open_cny"] = grid["gross_cny"] - grid["applied"].fillna(0) - grid["written_off"].fillna(0)
        return grid[grid["open_cny"].abs() > 1e-6].reset_index(drop=True)

    def dso_by(self) -> pd.Series:
        items = self.open_items
        ar = _by_company_month(items, "month", "open_cny")
        invoiced = _by_company_month(self.issued_invoices, "month", "gross_cny")
        invoiced = invoiced[invoiced.index.get_level_values("month").isin(self.month_ends)]
        ar, invoiced = ar.align(invoiced, fill_value=0.0)
        days = pd.Series(ar.index.get_level_values("month").days_in_month, index=ar.index)
        return _ratio(ar * days, invoiced)

    def ar_overdue_rate_by(self) -> pd.Series:
        items = self.open_items
        items = items[items["invoice_type"] == "invoice"].copy()
        items["overdue_cny"] = np.where(items["due_date"] < items["month_end"], items["open_cny"], 0.0)
        return _ratio(_by_company_month(items, "month", "overdue_cny"), _by_company_month(items, "month", "open_cny"))

    def bad_debt_rate_by(self) -> pd.Series:
        monthly_wo = _by_company_month(self.write_offs, "month", "cny")
        monthly_inv = _by_company_month(self.issued_invoices, "month", "gross_cny")
        out = {}
        for company in self.issued_invoices["company_code"].unique():
            wo = monthly_wo.get(company, pd.Series(dtype=float))
            inv = monthly_inv.get(company, pd.Series(dtype=float))
            for month in self.month_ends:
                window = (month - 11, month)
                w = wo[(wo.index >= window[0]) & (wo.index <= window[1])]
                i = inv[(inv.index >= window[0]) & (inv.index <= window[1])]
                if len(w) or len(i):
                    out[(company, month)] = w.sum() / i.sum() if i.sum() != 0 else np.nan
        return pd.Series(out).rename_axis(["company_code", "month"])

    # ---- customers -----------------------------------------------------------------------
    def customer_lifetime_values(self) -> pd.DataFrame:
        """One row per customer × company × month-end from the customer's first issued
        document of the company: Σ gross margin up to the month − Σ write-offs up to it."""
        lines = self.invoice_lines
        inv = self.issued_invoices
        first = inv.groupby(["customer_id", "company_code"])["month"].min().rename("first_month").reset_index()
        grid = first.merge(pd.DataFrame({"month": self.month_ends}), how="cross")
        grid = grid[grid["month"] >= grid["first_month"]]
        margin = lines.groupby(["customer_id", "company_code", "month"])["margin_cny"].sum()
        wo = self.write_offs.groupby(["customer_id", "company_code", "month"])["cny"].sum()

        def cumulative_to(series: pd.Series) -> np.ndarray:
            s = series.reset_index().merge(grid[["customer_id", "company_code", "month"]],
                                           on=["customer_id", "company_code"], suffixes=("_event", ""))
            s = s[s["month_event"] <= s["month"]]
            total = s.groupby(["customer_id", "company_code", "month"])[series.name].sum()
            grid_index = pd.MultiIndex.from_frame(grid[["customer_id", "company_code", "month"]])
            return total.reindex(grid_index).fillna(0).to_numpy()

        grid["value"] = cumulative_to(margin) - cumulative_to(wo)
        return grid.reset_index(drop=True)

    def customer_lifetime_value_by(self) -> pd.Series:
        clv = self.customer_lifetime_values()
        return clv.groupby(["company_code", "month"])["value"].mean().rename_axis(["company_code", "month"])

    # ---- billing -----------------------------------------------------------------------
    @cached_property
    def invoice_line_checks(self) -> pd.DataFrame:
        """Lines of issued invoices (type invoice) with the charter's accuracy rules and the
        latest shipment on or before the invoice date."""
        lines = self.invoice_lines
        lines = lines[lines["invoice_type"] == "invoice"].copy()
        orders = self.known_orders
        live_lines = self.rows("erp_sales_order_lines").merge(
            orders.loc[orders["order_status"] != "cancelled", ["order_id"]], on="order_id")
        ol = live_lines.rename(columns={"line_no": "order_line_no", "product_id": "ol_product",
                                        "unit_price": "ol_price"})[[*ORDER_LINE_KEY, "ol_product", "ol_price"]]
        lines = lines.merge(ol, on=ORDER_LINE_KEY, how="left")
        lines["rule_1"] = lines["ol_product"].notna() & (lines["ol_product"] == lines["product_id"])
        lines["rule_2"] = (lines["unit_price"] - lines["ol_price"]).abs() <= 0.005 + 1e-9
        lines = lines.sort_values(["invoice_date", "invoice_id", "line_no"])
        lines["cum_qty"] = lines.groupby(ORDER_LINE_KEY, dropna=False)["quantity"].cumsum()
        all_lines = self.rows("erp_sales_order_lines").rename(columns={"line_no": "order_line_no"})[ORDER_LINE_KEY]
        ship = self.rows("wms_shipments").merge(all_lines, on=ORDER_LINE_KEY)
        pairs = lines[["invoice_id", "line_no", *ORDER_LINE_KEY, "invoice_date"]].merge(ship, on=ORDER_LINE_KEY)
        pairs = pairs[pairs["ship_date"] <= pairs["invoice_date"]]
        shipped = pairs.groupby(["invoice_id", "line_no"]).agg(shipped=("quantity", "sum"),
                                                               last_ship=("ship_date", "max"))
        lines = lines.join(shipped, on=["invoice_id", "line_no"])
        lines["rule_3"] = lines["cum_qty"] <= lines["shipped"].fillna(0) + 1e-9
        lines["accurate"] = (lines["rule_1"] & lines["rule_2"] & lines["rule_3"]).astype(float)
        lines["lag_days"] = (lines["invoice_date"] - lines["last_ship"]).dt.days
        lines["one"] = 1.0
        return lines

    def invoice_accuracy_rate_by(self) -> pd.Series:
        c = self.invoice_line_checks
        return _ratio(_by_company_month(c, "month", "accurate"), _by_company_month(c, "month", "one"))

    def ship_to_invoice_days_by(self) -> pd.Series:
        c = self.invoice_line_checks
        c = c[c["last_ship"].notna()]
        return c.groupby(["company_code", "month"])["lag_days"].mean().rename_axis(["company_code", "month"])

    def indicator(self, metric_code: str) -> pd.Series:
        return getattr(self, f"{metric_code}_by")().sort_index()
