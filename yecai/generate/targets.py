"""FP&A's KPI targets: one per company, month and indicator of the metric charter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yecai import settings
from yecai.generate import calendar as cal
from yecai.generate.config import COMPANIES, GeneratorConfig
from yecai.generate.sales import Sales, current

METRIC_CATALOG = settings.PROJECT_DIR / "seeds" / "metric_catalog.csv"

# Targets that do not scale with the business: ratios, days, times.
_LEVELS = {
    "gross_margin_rate": 0.40, "order_fulfillment_rate": 0.85, "on_time_delivery_rate": 0.90,
    "collection_days": 55.0, "dso": 60.0, "ar_overdue_rate": 0.15, "bad_debt_rate": 0.01,
    "inventory_turnover": 0.8, "dio": 40.0, "dpo": 55.0, "cash_conversion_cycle": 45.0,
    "invoice_accuracy_rate": 0.98, "three_way_match_rate": 0.97, "ship_to_invoice_days": 3.0,
}


def metric_codes() -> list[str]:
    return pd.read_csv(METRIC_CATALOG)["metric_code"].tolist()


def invoiced_sales(sales: Sales, rates_at) -> pd.Series:
    """Invoiced net sales in CNY per company_code and month (the run rate the plan follows);
    a sharded run adds up its shards'."""
    inv = current(sales.invoices, ["invoice_id"])
    net = sales.invoice_lines.groupby("invoice_id")["net_amount"].sum()
    inv = inv.assign(net=net.reindex(inv["invoice_id"]).to_numpy(),
                     rate=rates_at(inv["currency"].to_numpy(), inv["invoice_date"].to_numpy()),
                     month=inv["invoice_date"].to_numpy().astype("datetime64[M]"))
    return inv.assign(cny=inv["net"] * inv["rate"]).groupby(["company_code", "month"])["cny"].sum()


def build_targets(cfg: GeneratorConfig, plan: pd.Series) -> pd.DataFrame:
    """Budget per company and month: CNY targets from a plan a little above the run rate
    of invoiced sales (`plan`, from invoiced_sales), the others at fixed ambition levels."""
    rng = cfg.rng("targets")
    months = np.arange(cal.START.astype("datetime64[M]"), cal.END.astype("datetime64[M]") + 1)
    rows = []
    for company in COMPANIES:
        for month in months:
            revenue = round(float(plan.get((company, month), 0.0)) * rng.uniform(1.0, 1.1), -3)
            scaled = {"revenue": revenue, "cogs": round(revenue * 0.6, -3), "gross_margin": round(revenue * 0.4, -3),
                      "inventory_value": round(revenue * 1.1, -3),
                      "customer_lifetime_value": round(revenue / 40, -2), "unit_output_cost": 450.0}
            for code in metric_codes():
                value = scaled.get(code, _LEVELS.get(code))
                if value is not None:  # an indicator FP&A set no target for has no rows
                    rows.append((company, str(month), code, value))
    return pd.DataFrame(rows, columns=["company_code", "fiscal_month", "metric_code", "target_value"])
