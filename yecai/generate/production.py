"""Make to stock: a work order per warehouse, finished good and month replenishes what was
shipped; it issues raw materials, books labour and overhead, and receives finished goods."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from yecai.generate import calendar as cal
from yecai.generate.config import GeneratorConfig
from yecai.generate.master import WAREHOUSES, MasterData
from yecai.generate.util import at_time, ids

RM_WAREHOUSE = {"CN10": "WH-SH-02", "CN20": "WH-SZ-01"}


@dataclass
class Production:
    work_orders: pd.DataFrame  # every delivered version; internal: warehouse_id
    costs: pd.DataFrame
    issues: pd.DataFrame  # raw material issued: work_order_id, product_id, warehouse_id, day, quantity, unit_cost
    receipts: pd.DataFrame  # finished goods received: same columns


def build_production(cfg: GeneratorConfig, md: MasterData, shipments: pd.DataFrame) -> Production:
    rng = cfg.rng("production")
    real = shipments[~shipments["is_orphan"]]
    month = real["ship_date"].to_numpy().astype("datetime64[M]")
    demand = (real.assign(month=month)
              .groupby(["warehouse_id", "product_id", "month"], as_index=False)["quantity"].sum())
    n = len(demand)
    company = demand["warehouse_id"].map(WAREHOUSES.set_index("warehouse_id")["company_code"]).to_numpy()
    planned = np.ceil(demand["quantity"].to_numpy() * rng.uniform(0.98, 1.12, n))
    start = np.maximum(demand["month"].to_numpy().astype("datetime64[D]") + rng.integers(0, 10, n) - 7, cal.START)
    finish = start + rng.integers(2, 10, n)
    completed = np.where(rng.random(n) < 0.7, planned, planned - np.floor(planned * rng.uniform(0, 0.04, n)))
    cancelled = rng.random(n) < 0.02
    in_progress = ~cancelled & (finish > cal.END)
    order = np.argsort(start, kind="stable")
    wo_id = np.empty(n, dtype=object)
    wo_id[order] = ids("WO", n)
    status = np.select([cancelled, in_progress], ["cancelled", "in_progress"], "completed")
    released = pd.DataFrame({
        "work_order_id": wo_id, "company_code": company, "product_id": demand["product_id"].to_numpy(),
        "planned_quantity": planned, "completed_quantity": 0.0, "scrap_quantity": 0.0,
        "start_date": start, "finish_date": pd.NaT, "work_order_status": "released",
        "updated_at": at_time(start - 3, rng), "warehouse_id": demand["warehouse_id"].to_numpy(),
    })
    done = ~cancelled & ~in_progress
    latest = released.copy()
    latest["work_order_status"] = status
    latest.loc[done, "completed_quantity"] = completed[done]
    latest.loc[done, "scrap_quantity"] = (planned - completed)[done]
    latest.loc[done, "finish_date"] = finish[done]
    latest["updated_at"] = at_time(np.where(done, finish, start), rng, 18, 22)
    work_orders = pd.concat([released, latest], ignore_index=True)

    live = ~cancelled
    # Raw materials issued at start, by bill of materials.
    bom = md.bom.rename(columns={"fg_product_id": "product_id"})
    wo = latest[live].assign(start=start[live], finish=finish[live], done=done[live])
    issues = wo.merge(bom, on="product_id")
    issue_qty = issues["planned_quantity"].to_numpy() * issues["qty_per_unit"].to_numpy()
    issue_day = issues["start"].to_numpy().astype("datetime64[D]")
    issues = pd.DataFrame({
        "work_order_id": issues["work_order_id"].to_numpy(), "product_id": issues["rm_product_id"].to_numpy(),
        "warehouse_id": issues["company_code"].map(RM_WAREHOUSE).to_numpy(), "day": issue_day,
        "quantity": -issue_qty,
        "unit_cost": md.standard_cost_at(issues["rm_product_id"].to_numpy(), issue_day),
    })
    receipts = pd.DataFrame({
        "work_order_id": wo.loc[wo["done"], "work_order_id"].to_numpy(),
        "product_id": wo.loc[wo["done"], "product_id"].to_numpy(),
        "warehouse_id": wo.loc[wo["done"], "warehouse_id"].to_numpy(),
        "day": wo.loc[wo["done"], "finish"].to_numpy().astype("datetime64[D]"),
        "quantity": wo.loc[wo["done"], "completed_quantity"].to_numpy(),
    })
    receipts["unit_cost"] = md.standard_cost_at(receipts["product_id"].to_numpy(), receipts["day"].to_numpy())

    material = (issues.assign(value=-issues["quantity"] * issues["unit_cost"])
                .groupby("work_order_id", as_index=False)
                .agg(amount=("value", "sum"), posting_date=("day", "first")))
    material["cost_type"] = "material"
    base = md.products.set_index("product_id")["base_cost"].reindex(wo["product_id"]).to_numpy()
    conversion = []
    for cost_type, share in (("labor", 0.18), ("overhead", 0.12)):
        conversion.append(pd.DataFrame({
            "work_order_id": wo["work_order_id"].to_numpy(),
            "amount": np.round(wo["planned_quantity"].to_numpy() * base * share * rng.uniform(0.9, 1.15, len(wo)), 2),
            # Work still in progress has booked labour and overhead up to the end of history.
            "posting_date": np.minimum(wo["finish"].to_numpy().astype("datetime64[D]"), cal.END),
            "cost_type": cost_type,
        }))
    costs = pd.concat([material, *conversion], ignore_index=True)
    costs["amount"] = np.round(costs["amount"], 2)
    costs = costs.sort_values(["posting_date", "work_order_id", "cost_type"]).reset_index(drop=True)
    costs["cost_id"] = ids("WC", len(costs))
    costs["updated_at"] = at_time(costs["posting_date"].to_numpy(), rng, 17, 20)
    return Production(work_orders=work_orders, costs=costs, issues=issues, receipts=receipts)
