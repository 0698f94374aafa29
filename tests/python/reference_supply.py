"""Procure-to-pay, inventory and production indicators of docs/metric_charter.md computed in
plain pandas straight from a landing folder (current versions via books.Books), for the
supply tests to compare the warehouse against. Never reads the warehouse."""

from __future__ import annotations

import numpy as np
import pandas as pd
from books import MONTHS, Books

COMPANY_MONTH = ["company_code", "month"]


def _by_company_month(df: pd.DataFrame, value: str) -> pd.Series:
    """Σ value per (company_code, month) over MONTHS × the companies present, 0 where empty."""
    companies = sorted(df["company_code"].dropna().unique())
    index = pd.MultiIndex.from_product([companies, MONTHS], names=COMPANY_MONTH)
    return df.groupby(COMPANY_MONTH)[value].sum().reindex(index, fill_value=0.0)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Σ/Σ with the charter's empty-denominator rule: no value (NaN) where it is 0."""
    return numerator / denominator.where(denominator != 0)


def _days_in_month(index: pd.MultiIndex) -> np.ndarray:
    return index.get_level_values("month").days_in_month.to_numpy()


class SupplyReference:
    def __init__(self, books: Books) -> None:
        self.books = books

    # ---- inventory_value, average inventory -----------------------------------------
    def inventory_positions(self) -> pd.DataFrame:
        """Value at every month-end of MONTHS per company, product and warehouse, with the
        value at the previous month-end (0 before 2023-01: nothing had moved)."""
        mv = self.books.rows("wms_inventory_movements").merge(
            self.books.rows("wms_warehouses")[["warehouse_id", "company_code"]], on="warehouse_id")
        mv["value"] = mv["quantity"] * mv["unit_cost"]
        mv["month"] = mv["movement_date"].dt.to_period("M")
        months = pd.period_range(min(mv["month"].min(), MONTHS[0]), MONTHS[-1], freq="M")
        flows = (mv.groupby(["company_code", "product_id", "warehouse_id", "month"])["value"].sum()
                 .unstack("month").reindex(columns=months).fillna(0.0))
        value = flows.cumsum(axis=1)
        previous = value.shift(1, axis=1).fillna(0.0)[MONTHS]
        value = value[MONTHS]
        out = pd.DataFrame({"inventory_value": value.stack(), "previous_value": previous.stack()})
        out.index.names = ["company_code", "product_id", "warehouse_id", "month"]
        out["average_inventory"] = (out["inventory_value"] + out["previous_value"]) / 2
        return out

    def inventory_value(self) -> pd.Series:
        return self.inventory_positions().groupby(COMPANY_MONTH)["inventory_value"].sum()

    def average_inventory(self) -> pd.Series:
        return self.inventory_positions().groupby(COMPANY_MONTH)["average_inventory"].sum()

    # ---- dpo ---------------------------------------------------------------------------
    def dpo(self) -> pd.Series:
        """AP(month-end) / gross supplier-invoiced in the month × days_in_month."""
        si = self.books.supplier_invoices.assign(month=lambda d: d["invoice_date"].dt.to_period("M"))
        invoiced = _by_company_month(si, "gross_cny")
        ap = self.books.accounts_payable().stack().rename_axis(["month", "company_code"])
        ap = ap.reorder_levels(COMPANY_MONTH).reindex(invoiced.index, fill_value=0.0)
        return _ratio(ap * _days_in_month(invoiced.index), invoiced)

    # ---- three_way_match_rate ----------------------------------------------------------
    def three_way_match_lines(self) -> pd.DataFrame:
        """Lines of issued supplier invoices with the charter's three checks."""
        si = self.books.rows("ap_supplier_invoices")
        si = si[si["invoice_status"] == "issued"][["supplier_invoice_id", "company_code", "supplier_id",
                                                   "invoice_date"]]
        lines = self.books.rows("ap_supplier_invoice_lines").merge(si, on="supplier_invoice_id")
        po = self.books.rows("erp_purchase_orders")
        live_po = po.loc[po["po_status"] != "cancelled", ["po_id"]]
        po_lines = (self.books.rows("erp_purchase_order_lines").merge(live_po, on="po_id")
                    [["po_id", "line_no", "unit_price"]]
                    .rename(columns={"line_no": "po_line_no", "unit_price": "po_unit_price"}))
        lines = lines.merge(po_lines, on=["po_id", "po_line_no"], how="left")
        lines["names_po_line"] = lines["po_unit_price"].notna()
        # prices have at most 4 decimals: compare in integer 1/10 000 units, exactly
        price = np.round(lines["unit_price"] * 10_000)
        po_price = np.round(lines["po_unit_price"] * 10_000)
        lines["price_ok"] = (price - po_price).abs() * 1000 <= 5 * po_price

        lines = lines.sort_values(["invoice_date", "supplier_invoice_id", "line_no"])
        lines["cumulative"] = lines.groupby(["po_id", "po_line_no"], dropna=False)["quantity"].cumsum()
        grs = self.books.rows("wms_goods_receipts").merge(live_po, on="po_id")
        pairs = lines[["supplier_invoice_id", "line_no", "po_id", "po_line_no", "invoice_date"]].merge(
            grs[["po_id", "po_line_no", "receipt_date", "quantity"]], on=["po_id", "po_line_no"])
        pairs = pairs[pairs["receipt_date"] <= pairs["invoice_date"]]
        received = pairs.groupby(["supplier_invoice_id", "line_no"])["quantity"].sum().rename("received")
        lines = lines.join(received, on=["supplier_invoice_id", "line_no"])
        lines["received"] = lines["received"].fillna(0.0)
        lines["quantity_ok"] = lines["cumulative"] <= lines["received"]
        lines["matched"] = lines["names_po_line"] & lines["price_ok"] & lines["quantity_ok"]
        lines["month"] = lines["invoice_date"].dt.to_period("M")
        return lines

    def three_way_match_rate(self) -> pd.Series:
        lines = self.three_way_match_lines().assign(one=1.0)
        lines["matched"] = lines["matched"].astype(float)
        return _ratio(_by_company_month(lines, "matched"), _by_company_month(lines, "one"))

    # ---- unit_output_cost --------------------------------------------------------------
    def unit_output_cost(self) -> pd.Series:
        wo = self.books.rows("mes_work_orders")
        wo = wo[wo["work_order_status"] == "completed"].copy()
        costs = self.books.rows("mes_work_order_costs").groupby("work_order_id")["amount"].sum()
        wo["cost"] = wo["work_order_id"].map(costs).fillna(0.0)
        wo["month"] = wo["finish_date"].dt.to_period("M")
        return _ratio(_by_company_month(wo, "cost"), _by_company_month(wo, "completed_quantity"))
