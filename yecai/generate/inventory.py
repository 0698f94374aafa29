"""Inventory movements at standard cost: one for every stock event of the other chains,
plus the opening balance migrated on the first day of history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yecai.generate import calendar as cal
from yecai.generate.master import WAREHOUSES, MasterData
from yecai.generate.production import Production
from yecai.generate.util import at_time, ids


def opening_reference(company: np.ndarray | str) -> np.ndarray | str:
    """Document number of the opening-balance migration (期初余额) of a company."""
    return np.char.add(np.char.add("OB-", company), "-" + cal.START.astype(str).replace("-", ""))


def build_movements(rng: np.random.Generator, md: MasterData, shipments: pd.DataFrame,
                    goods_receipts: pd.DataFrame, production: Production) -> pd.DataFrame:
    ship = shipments[~shipments["is_orphan"]]
    grs = goods_receipts[~goods_receipts["is_orphan"]]
    events = [
        pd.DataFrame({"product_id": ship["product_id"], "warehouse_id": ship["warehouse_id"],
                      "day": ship["ship_date"].to_numpy().astype("datetime64[D]"),
                      "movement_type": "sales_shipment", "quantity": -ship["quantity"].to_numpy(),
                      "reference_type": "shipment", "reference_id": ship["shipment_id"]}),
        pd.DataFrame({"product_id": grs["product_id"], "warehouse_id": grs["warehouse_id"],
                      "day": grs["receipt_date"].to_numpy().astype("datetime64[D]"),
                      "movement_type": "goods_receipt", "quantity": grs["quantity"].to_numpy(),
                      "reference_type": "goods_receipt", "reference_id": grs["goods_receipt_id"]}),
        production.issues.assign(movement_type="production_issue", reference_type="work_order",
                                 reference_id=production.issues["work_order_id"]),
        production.receipts.assign(movement_type="production_receipt", reference_type="work_order",
                                   reference_id=production.receipts["work_order_id"]),
    ]
    moves = pd.concat([e.drop(columns=["unit_cost", "work_order_id"], errors="ignore") for e in events],
                      ignore_index=True)
    moves["unit_cost"] = md.standard_cost_at(moves["product_id"].to_numpy(), moves["day"].to_numpy())
    moves = pd.concat([_opening(moves, md), moves], ignore_index=True)
    moves = (moves.sort_values(["day", "movement_type", "reference_id", "product_id"], kind="stable")
             .reset_index(drop=True))
    moves.insert(0, "movement_id", ids("MV", len(moves), 9))
    moves["movement_date"] = moves.pop("day")
    moves["updated_at"] = at_time(moves["movement_date"].to_numpy(), rng)
    moves["company_code"] = moves["warehouse_id"].map(WAREHOUSES.set_index("warehouse_id")["company_code"])
    return moves


def _opening(moves: pd.DataFrame, md: MasterData) -> pd.DataFrame:
    """Opening stock: about one and a half months of each product's average outflow."""
    out = moves[moves["quantity"] < 0]
    avg = (-out.groupby(["warehouse_id", "product_id"])["quantity"].sum() / 36 * 1.5).round()
    avg = avg[avg > 0].reset_index()
    day = np.full(len(avg), cal.START)
    company = avg["warehouse_id"].map(WAREHOUSES.set_index("warehouse_id")["company_code"]).to_numpy().astype(str)
    return pd.DataFrame({
        "product_id": avg["product_id"], "warehouse_id": avg["warehouse_id"], "day": day,
        "movement_type": "opening_balance", "quantity": avg["quantity"].to_numpy(),
        "reference_type": "opening_balance", "reference_id": opening_reference(company),
        "unit_cost": md.standard_cost_at(avg["product_id"].to_numpy(), day),
    })
