"""Procure to pay: purchase orders for the raw materials production consumes → goods
receipts → supplier invoices → payments."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yecai.generate import calendar as cal
from yecai.generate.config import GeneratorConfig
from yecai.generate.master import MasterData
from yecai.generate.production import RM_WAREHOUSE
from yecai.generate.sales import current
from yecai.generate.util import at_time, days, defect_rows, group_seq, ids, pick, split_quantity, unknown_ids


@dataclass
class Procurement:
    purchase_orders: pd.DataFrame  # every version
    po_lines: pd.DataFrame
    goods_receipts: pd.DataFrame  # internal: is_orphan, company_code, product_id, unit_price, currency
    supplier_invoices: pd.DataFrame  # every version
    supplier_invoice_lines: pd.DataFrame
    payments: pd.DataFrame
    defects: list[pd.DataFrame] = field(default_factory=list)


def build_procurement(cfg: GeneratorConfig, md: MasterData, issues: pd.DataFrame,
                      work_orders: pd.DataFrame) -> Procurement:
    rng = cfg.rng("procurement")
    sup = md.suppliers
    rm = md.products[md.products["product_type"] == "raw_material"]["product_id"].to_numpy()
    supplier_of = rng.integers(0, len(sup), len(rm))
    supplier_of[:2] = [0, 1]  # the importers (see build_suppliers) supply something
    main_supplier = dict(zip(rm, sup["supplier_id"].to_numpy()[supplier_of], strict=True))

    company_of_wo = current(work_orders, ["work_order_id"]).set_index("work_order_id")["company_code"]
    demand = issues.assign(company_code=issues["work_order_id"].map(company_of_wo),
                           month=issues["day"].to_numpy().astype("datetime64[M]"),
                           qty=-issues["quantity"])
    demand = demand.groupby(["company_code", "product_id", "month"], as_index=False)["qty"].sum()
    demand["supplier_id"] = demand["product_id"].map(main_supplier)

    # One purchase order per company, supplier and month; a line per raw material.
    demand = demand.sort_values(["month", "company_code", "supplier_id", "product_id"]).reset_index(drop=True)
    po_no = demand.groupby(["month", "company_code", "supplier_id"], sort=False).ngroup().to_numpy()
    n_po = po_no.max() + 1
    first = np.r_[True, po_no[1:] != po_no[:-1]]
    po_head = demand[first].reset_index(drop=True)
    currency = po_head["supplier_id"].map(sup.set_index("supplier_id")["currency"]).to_numpy()
    po_day = np.maximum(po_head["month"].to_numpy().astype("datetime64[D]") - rng.integers(5, 21, n_po), cal.START)
    expected = po_day + rng.integers(7, 25, n_po)
    po_id = ids("PO", n_po)
    cancelled = rng.random(n_po) < 0.02
    purchase_orders = pd.DataFrame({
        "po_id": po_id, "company_code": po_head["company_code"].to_numpy(),
        "supplier_id": po_head["supplier_id"].to_numpy(), "po_date": po_day, "expected_date": expected,
        "currency": currency, "po_status": "open", "updated_at": at_time(po_day, rng),
    })
    line_po = po_no
    std = md.standard_cost_at(demand["product_id"].to_numpy(), po_day[line_po])
    rate = md.rates_at(currency[line_po], po_day[line_po])
    line_currency = currency[line_po]
    price_cny = std * rng.uniform(0.95, 1.05, len(demand))
    po_lines = pd.DataFrame({
        "po_id": po_id[line_po], "line_no": (group_seq(line_po) + 1) * 10,
        "product_id": demand["product_id"].to_numpy(),
        "quantity": np.ceil(demand["qty"].to_numpy() * rng.uniform(1.0, 1.15, len(demand))),
        "unit_price": np.where(line_currency == "CNY", np.round(price_cny, 2), np.round(price_cny / rate, 4)),
        "updated_at": purchase_orders["updated_at"].to_numpy()[line_po],
    })

    # Goods receipts: one or two per line, around the expected date.
    live_line = ~cancelled[line_po]
    li = np.flatnonzero(live_line)
    qty = po_lines["quantity"].to_numpy().astype(np.int64)
    parts = np.minimum(rng.choice([1, 2], len(po_lines), p=[0.85, 0.15]), qty)
    gl = np.repeat(li, parts[li])
    piece = split_quantity(rng, qty[li], parts[li])
    seq = group_seq(gl)
    gr_day = expected[line_po[gl]] + rng.integers(-3, 8, len(gl)) + seq * rng.integers(5, 15, len(gl))
    gr_day = np.maximum(gr_day, po_day[line_po[gl]] + 1)
    keep = gr_day <= cal.END
    gl, piece, gr_day = gl[keep], piece[keep], gr_day[keep]
    order = np.lexsort((gl, gr_day))
    gl, piece, gr_day = gl[order], piece[order], gr_day[order]
    goods_receipts = pd.DataFrame({
        "goods_receipt_id": ids("GR", len(gl)), "po_id": po_lines["po_id"].to_numpy()[gl],
        "po_line_no": po_lines["line_no"].to_numpy()[gl],
        "warehouse_id": pd.Series(purchase_orders["company_code"].to_numpy()[line_po[gl]]).map(RM_WAREHOUSE).to_numpy(),
        "receipt_date": gr_day, "quantity": piece.astype(float), "updated_at": at_time(gr_day, rng),
        "is_orphan": False, "company_code": purchase_orders["company_code"].to_numpy()[line_po[gl]],
        "product_id": po_lines["product_id"].to_numpy()[gl],
        "unit_price": po_lines["unit_price"].to_numpy()[gl], "currency": line_currency[gl],
    })
    goods_receipts["unit_cost"] = md.standard_cost_at(goods_receipts["product_id"].to_numpy(), gr_day)

    supplier_invoices, si_lines, defects = _supplier_invoices(cfg, rng, md, purchase_orders, po_lines, goods_receipts,
                                                              cancelled)
    payments = _payments(rng, supplier_invoices, si_lines)
    purchase_orders = _po_versions(rng, purchase_orders, cancelled, supplier_invoices)
    goods_receipts, d = _orphan_goods_receipts(cfg, rng, goods_receipts)
    defects.append(d)
    return Procurement(purchase_orders=purchase_orders, po_lines=po_lines, goods_receipts=goods_receipts,
                       supplier_invoices=supplier_invoices, supplier_invoice_lines=si_lines,
                       payments=payments, defects=defects)


def _supplier_invoices(cfg, rng, md, pos, po_lines, grs, cancelled):
    """One invoice per purchase order once all its receipts are in; lines bill what was
    received at the PO price, except for the injected billing errors."""
    received = grs.groupby(["po_id", "po_line_no"], as_index=False).agg(quantity=("quantity", "sum"),
                                                                         last_day=("receipt_date", "max"))
    last = received.groupby("po_id")["last_day"].max()
    head = pos[~cancelled].set_index("po_id").loc[lambda d: d.index.isin(last.index)].reset_index()
    inv_day = last.reindex(head["po_id"]).to_numpy().astype("datetime64[D]") + rng.integers(0, 21, len(head))
    head = head[inv_day <= cal.END].reset_index(drop=True)
    inv_day = inv_day[inv_day <= cal.END]
    order = np.argsort(inv_day, kind="stable")
    head, inv_day = head.iloc[order].reset_index(drop=True), inv_day[order]
    si_id = ids("SI", len(head))
    terms = head["supplier_id"].map(md.suppliers.set_index("supplier_id")["payment_terms_days"]).to_numpy()
    invoices = pd.DataFrame({
        "supplier_invoice_id": si_id, "company_code": head["company_code"].to_numpy(),
        "supplier_id": head["supplier_id"].to_numpy(), "invoice_date": inv_day, "due_date": inv_day + terms,
        "currency": head["currency"].to_numpy(), "invoice_status": "issued", "updated_at": at_time(inv_day, rng),
        "po_id": head["po_id"].to_numpy(),  # internal
    })
    lines = (invoices[["supplier_invoice_id", "po_id", "currency", "updated_at"]]
             .merge(received, on="po_id")
             .merge(po_lines[["po_id", "line_no", "unit_price"]].rename(columns={"line_no": "po_line_no"}),
                    on=["po_id", "po_line_no"])
             .sort_values(["supplier_invoice_id", "po_line_no"]).reset_index(drop=True))
    lines["line_no"] = group_seq(lines["supplier_invoice_id"].to_numpy()) + 1
    n = len(lines)
    rates = cfg.defects
    over = pick(rng, n, rates.supplier_invoice_line_over_received)
    off = pick(rng, n, rates.supplier_invoice_line_off_po_price) & ~over
    orphan = pick(rng, n, rates.orphan_supplier_invoice_line) & ~over & ~off
    po_price, rcv_qty = lines["unit_price"].to_numpy().copy(), lines["quantity"].to_numpy().copy()
    excess = np.maximum(1, np.ceil(rcv_qty[over] * rng.uniform(0.02, 0.1, over.sum())))
    lines.loc[over, "quantity"] = rcv_qty[over] + excess
    factor = 1 + rng.choice([-1, 1], n) * rng.uniform(0.01, 0.06, n)
    lines.loc[off, "unit_price"] = np.round(po_price[off] * factor[off], 4)
    real_po = lines.loc[orphan, "po_id"].to_numpy()
    lines.loc[orphan, "po_id"] = unknown_ids(rng, "PO", int(orphan.sum()))
    lines["net_amount"] = np.round(lines["quantity"] * lines["unit_price"], 2)
    lines["tax_amount"] = np.round(lines["net_amount"] * np.where(lines["currency"] == "CNY", 0.13, 0.0), 2)
    defects = [
        defect_rows("supplier_invoice_line_over_received", "ap_supplier_invoice_lines",
                     lines.loc[over, "supplier_invoice_id"], lines.loc[over, "line_no"],
                     expected_value=rcv_qty[over], delivered_value=lines.loc[over, "quantity"]),
        defect_rows("supplier_invoice_line_off_po_price", "ap_supplier_invoice_lines",
                     lines.loc[off, "supplier_invoice_id"], lines.loc[off, "line_no"],
                     expected_value=po_price[off], delivered_value=lines.loc[off, "unit_price"]),
        defect_rows("orphan_supplier_invoice_line", "ap_supplier_invoice_lines",
                     lines.loc[orphan, "supplier_invoice_id"], lines.loc[orphan, "line_no"],
                     expected_value=real_po, delivered_value=lines.loc[orphan, "po_id"]),
    ]
    # About 1% are cancelled by AP shortly after entry (a later delta) and never paid.
    void = pick(rng, len(invoices), 0.01)
    voided = invoices[void].copy()
    voided["invoice_status"] = "cancelled"
    voided["updated_at"] = voided["updated_at"] + np.timedelta64(2, "D")
    invoices = pd.concat([invoices, voided], ignore_index=True)
    return invoices, lines[["supplier_invoice_id", "line_no", "po_id", "po_line_no", "quantity", "unit_price",
                            "net_amount", "tax_amount", "updated_at"]], defects


def _payments(rng, invoices: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    cur = current(invoices, ["supplier_invoice_id"])
    inv = cur[cur["invoice_status"] == "issued"].reset_index(drop=True)
    gross = (lines.assign(g=lines["net_amount"] + lines["tax_amount"])
             .groupby("supplier_invoice_id")["g"].sum().reindex(inv["supplier_invoice_id"]).to_numpy())
    n = len(inv)
    due = inv["due_date"].to_numpy().astype("datetime64[D]")
    split = rng.random(n) < 0.1
    first = np.where(split, np.round(gross * 0.6, 2), np.round(gross, 2))
    day1 = np.maximum(inv["invoice_date"].to_numpy().astype("datetime64[D]") + 1, due + rng.integers(-10, 11, n))
    day2 = day1 + rng.integers(15, 40, n)
    invoice_id = inv["supplier_invoice_id"].to_numpy()
    pays = pd.DataFrame({
        "supplier_invoice_id": np.r_[invoice_id, invoice_id[split]],
        "payment_date": np.r_[day1, day2[split]],
        "currency": np.r_[inv["currency"].to_numpy(), inv["currency"].to_numpy()[split]],
        "amount": np.r_[first, np.round(gross - first, 2)[split]],
    })
    pays = (pays[pays["payment_date"] <= cal.END]
            .sort_values(["payment_date", "supplier_invoice_id"]).reset_index(drop=True))
    pays.insert(0, "payment_id", ids("PY", len(pays)))
    pays["updated_at"] = at_time(pays["payment_date"].to_numpy(), rng)
    return pays


def _po_versions(rng, pos, cancelled, invoices):
    cancel_day = days(pos["po_date"]) + rng.integers(1, 5, len(pos))
    v_cancel = pos[cancelled].copy()
    v_cancel["po_status"] = "cancelled"
    v_cancel["updated_at"] = at_time(cancel_day[cancelled], rng)
    inv = current(invoices, ["supplier_invoice_id"])
    billed = inv[inv["invoice_status"] == "issued"].groupby("po_id")["invoice_date"].max()
    close_day = billed.reindex(pos["po_id"]).to_numpy().astype("datetime64[D]") + 1
    closable = ~np.isnat(close_day) & (close_day <= cal.END) & ~cancelled
    v_close = pos[closable].copy()
    v_close["po_status"] = "closed"
    v_close["updated_at"] = at_time(close_day[closable], rng, 20, 23)
    return pd.concat([pos, v_cancel, v_close], ignore_index=True)


def _orphan_goods_receipts(cfg, rng, grs: pd.DataFrame):
    """Receipts the WMS books against a purchase order number the ERP does not have."""
    n = int(pick(rng, len(grs), cfg.defects.orphan_goods_receipt).sum()) if cfg.defects.orphan_goods_receipt else 0
    if n == 0:
        return grs, defect_rows("orphan_goods_receipt", "wms_goods_receipts", [])
    days = rng.choice(grs["receipt_date"].to_numpy(), n)
    orphans = pd.DataFrame({
        "goods_receipt_id": ids("GR9", n, 7),
        "po_id": unknown_ids(rng, "PO", n),
        "po_line_no": 10, "warehouse_id": rng.choice(list(RM_WAREHOUSE.values()), n), "receipt_date": days,
        "quantity": rng.integers(1, 50, n).astype(float), "updated_at": at_time(days, rng), "is_orphan": True,
    })
    return (pd.concat([grs, orphans], ignore_index=True),
            defect_rows("orphan_goods_receipt", "wms_goods_receipts", orphans["goods_receipt_id"],
                         delivered_value=orphans["po_id"]))
