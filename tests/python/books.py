"""Sub-ledger and general-ledger figures computed in plain pandas straight from a landing
folder, following docs/metric_charter.md. Tests compare the warehouse and the generator
against these, never against the SQL under test."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from landing_reader import current_rows

MONTHS = pd.period_range("2023-01", "2025-12", freq="M")


class Books:
    def __init__(self, landing: Path) -> None:
        self.landing = landing
        self._cache: dict[str, pd.DataFrame] = {}

    def rows(self, extract: str) -> pd.DataFrame:
        if extract not in self._cache:
            self._cache[extract] = current_rows(self.landing, extract)
        return self._cache[extract].copy()

    def rate(self, currency: pd.Series, days: pd.Series) -> np.ndarray:
        """As-of FX: the rate of the day or the latest earlier one at most 7 days older."""
        fx = self.rows("fin_fx_rates")
        out = np.ones(len(days))
        for cur in fx["currency"].unique():
            f = fx[fx["currency"] == cur].sort_values("rate_date")
            mask = (currency == cur).to_numpy()
            d = days[mask].to_numpy()
            idx = np.searchsorted(f["rate_date"].to_numpy(), d, side="right") - 1
            if (idx < 0).any() or ((d - f["rate_date"].to_numpy()[idx]) > np.timedelta64(7, "D")).any():
                raise AssertionError(f"a {cur} document has no usable rate")
            out[mask] = f["rate_to_cny"].to_numpy()[idx]
        missing = ~currency.isin([*fx["currency"].unique(), "CNY"])
        if missing.any():
            raise AssertionError(f"currencies without rates: {set(currency[missing])}")
        return out

    @cached_property
    def journal_lines(self) -> pd.DataFrame:
        jl = self.rows("fin_journal_lines").merge(self.rows("fin_accounts"), on="account_code")
        jl["amount"] = jl["debit_amount"] - jl["credit_amount"]
        jl["month"] = jl["posting_date"].dt.to_period("M")
        return jl

    @cached_property
    def sales_invoices(self) -> pd.DataFrame:
        """Issued invoices and credit notes with signed CNY revenue and gross."""
        inv = self.rows("bil_invoices")
        inv = inv[inv["invoice_status"] == "issued"]
        lines = self.rows("bil_invoice_lines")
        sums = lines.groupby("invoice_id").agg(net=("net_amount", "sum"), tax=("tax_amount", "sum"))
        inv = inv.join(sums, on="invoice_id")
        inv["rate"] = self.rate(inv["currency"], inv["invoice_date"])
        sign = np.where(inv["invoice_type"] == "invoice", 1.0, -1.0)
        inv["revenue_cny"] = sign * inv["net"] * inv["rate"]
        inv["gross_cny"] = sign * (inv["net"] + inv["tax"]) * inv["rate"]
        inv["month"] = inv["invoice_date"].dt.to_period("M")
        return inv

    @cached_property
    def supplier_invoices(self) -> pd.DataFrame:
        si = self.rows("ap_supplier_invoices")
        si = si[si["invoice_status"] == "issued"]
        lines = self.rows("ap_supplier_invoice_lines")
        sums = lines.groupby("supplier_invoice_id").agg(net=("net_amount", "sum"), tax=("tax_amount", "sum"))
        si = si.join(sums, on="supplier_invoice_id")
        si["rate"] = self.rate(si["currency"], si["invoice_date"])
        si["gross_cny"] = (si["net"] + si["tax"]) * si["rate"]
        return si

    # ---- sub-ledger side, per company (columns) and month (rows) ----------------------
    @staticmethod
    def _monthly(df: pd.DataFrame, date_col: str, value_col: str) -> pd.DataFrame:
        m = df[date_col].dt.to_period("M")
        return (df.assign(_m=m).groupby(["_m", "company_code"])[value_col].sum()
                .unstack("company_code").reindex(MONTHS).fillna(0.0))

    def revenue(self) -> pd.DataFrame:
        return self._monthly(self.sales_invoices, "invoice_date", "revenue_cny")

    def accounts_receivable(self) -> pd.DataFrame:
        inv = self.sales_invoices.set_index("invoice_id")
        app = self.rows("ar_receipt_applications").join(inv[["rate", "company_code"]], on="invoice_id")
        app["cny"] = app["applied_amount"] * app["rate"]
        wo = self.rows("ar_write_offs").join(inv[["rate", "company_code"]], on="invoice_id")
        wo["cny"] = wo["amount"] * wo["rate"]
        return (self._monthly(self.sales_invoices, "invoice_date", "gross_cny")
                - self._monthly(app, "applied_date", "cny") - self._monthly(wo, "write_off_date", "cny")).cumsum()

    def inventory(self) -> pd.DataFrame:
        mv = self.rows("wms_inventory_movements").merge(
            self.rows("wms_warehouses")[["warehouse_id", "company_code"]], on="warehouse_id")
        mv["value"] = mv["quantity"] * mv["unit_cost"]
        return self._monthly(mv, "movement_date", "value").cumsum()

    def accounts_payable(self) -> pd.DataFrame:
        si = self.supplier_invoices
        pay = self.rows("ap_payments").join(si.set_index("supplier_invoice_id")[["rate", "company_code"]],
                                            on="supplier_invoice_id")
        pay["cny"] = pay["amount"] * pay["rate"]
        return (self._monthly(si, "invoice_date", "gross_cny") - self._monthly(pay, "payment_date", "cny")).cumsum()

    def cash_receipts(self) -> pd.DataFrame:
        rc = self.rows("ar_receipts")
        rc["cny"] = rc["amount"] * self.rate(rc["currency"], rc["receipt_date"])
        return self._monthly(rc, "receipt_date", "cny")

    # ---- GL side ---------------------------------------------------------------------
    def gl(self, role: str, cumulative: bool, credit_normal: bool = False,
           source_type: str | None = None, debit_only: bool = False) -> pd.DataFrame:
        jl = self.journal_lines
        jl = jl[jl["account_role"] == role]
        if source_type:
            jl = jl[jl["source_type"] == source_type]
        value = jl["debit_amount"] if debit_only else jl["amount"] * (-1 if credit_normal else 1)
        out = (jl.assign(v=value).groupby(["month", "company_code"])["v"].sum()
               .unstack("company_code").reindex(MONTHS).fillna(0.0))
        return out.cumsum() if cumulative else out

    def reconciliation_differences(self) -> dict[str, pd.DataFrame]:
        """Business side − GL side per company and month, for the charter's five
        reconciliations."""
        return {
            "revenue": self.revenue() - self.gl("revenue", False, credit_normal=True),
            "accounts_receivable": self.accounts_receivable() - self.gl("accounts_receivable", True),
            "inventory": self.inventory() - self.gl("inventory", True),
            "accounts_payable": self.accounts_payable() - self.gl("accounts_payable", True, credit_normal=True),
            "cash_receipts": self.cash_receipts() - self.gl("cash", False, source_type="receipt", debit_only=True),
        }
