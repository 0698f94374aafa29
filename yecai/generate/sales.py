"""Order to cash: orders → partial and late shipments → invoices and credit notes →
receipts and cash application → write-offs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yecai.generate import calendar as cal
from yecai.generate.config import GeneratorConfig
from yecai.generate.master import WAREHOUSES, MasterData
from yecai.generate.util import at_time, days, defect_rows, group_seq, ids, pick, split_quantity, unknown_ids

FG_WAREHOUSES = {"CN10": np.array(["WH-SH-01", "WH-BJ-01"]), "CN20": np.array(["WH-SZ-01", "WH-CD-01"])}
EXPORT_WAREHOUSE = "WH-HK-01"


@dataclass
class Sales:
    orders: pd.DataFrame  # every delivered version
    order_lines: pd.DataFrame  # every delivered version
    shipments: pd.DataFrame  # + internal: is_orphan, company_code
    invoices: pd.DataFrame  # every delivered version
    invoice_lines: pd.DataFrame
    receipts: pd.DataFrame
    applications: pd.DataFrame
    write_offs: pd.DataFrame
    defects: list[pd.DataFrame] = field(default_factory=list)


def _order_days(rng: np.random.Generator, n: int) -> np.ndarray:
    days = cal.all_days()
    t = np.arange(len(days)) / len(days)
    month = days.astype("datetime64[M]").astype(int) % 12
    growth = 1 + 0.4 * t
    weekday_factor = np.where(cal.weekday(days) < 5, 1.0, 0.3)
    season = 1 + 0.15 * np.sin(2 * np.pi * (month - 2) / 12)
    weight = growth * weekday_factor * season
    return np.sort(rng.choice(days, n, p=weight / weight.sum()))


@dataclass
class _Orders:
    """Order headers, with the per-order arrays the later steps build on."""

    frame: pd.DataFrame
    order_id: np.ndarray
    day: np.ndarray  # order date, datetime64[D]
    customer: np.ndarray  # row of the ordering customer in md.customers
    company: np.ndarray
    overseas: np.ndarray
    segment: np.ndarray
    lead: np.ndarray  # days from order to requested delivery
    requested: np.ndarray
    cancelled: np.ndarray


@dataclass
class _Lines:
    """Order lines in their current version."""

    frame: pd.DataFrame
    order: np.ndarray  # row of each line's order
    quantity: np.ndarray  # ordered quantity as an integer
    first_versions: pd.DataFrame  # lines amended after entry, as first delivered


@dataclass
class _Shipments:
    """Shipments by ship day, with the order line, order and wave each one ships."""

    frame: pd.DataFrame
    line: np.ndarray  # row of the order line shipped
    order: np.ndarray  # row of its order
    wave: np.ndarray  # 0, 1 or 2
    day: np.ndarray
    piece: np.ndarray  # quantity shipped, integer
    wave_days: np.ndarray  # per order, the day of each of its three waves
    parts: np.ndarray  # per order line, how many shipments it is split into


def build_sales(cfg: GeneratorConfig, md: MasterData) -> Sales:
    """Order to cash, step by step; every step draws from the one "sales" stream, in this order."""
    rng = cfg.rng("sales")
    cust = md.customers
    orders = _orders(rng, cfg, cust)
    lines = _order_lines(rng, md, orders)
    ships = _shipments(rng, orders, lines)
    invoices, invoice_lines = _invoices(rng, cust, orders, lines, ships)
    invoices, invoice_lines, voided = _cancel_and_reissue(rng, invoices, invoice_lines)
    invoice_lines, billing_defects = _invoice_line_defects(cfg, rng, invoice_lines, voided)
    credit_notes, credit_lines = _credit_notes(rng, invoices, invoice_lines)
    invoices = pd.concat([invoices, credit_notes], ignore_index=True)
    invoice_lines = pd.concat([invoice_lines, credit_lines], ignore_index=True)
    receipts, applications, write_offs = _cash(rng, invoices, invoice_lines, cust)
    order_versions = _order_versions(rng, orders, lines, ships.frame, invoices)
    shipments, orphan_defects = _orphan_shipments(cfg, rng, ships.frame)
    _set_customer_dates(rng, cust, order_versions)
    return Sales(orders=order_versions, order_lines=pd.concat([lines.first_versions, lines.frame], ignore_index=True),
                 shipments=shipments, invoices=invoices, invoice_lines=invoice_lines, receipts=receipts,
                 applications=applications, write_offs=write_offs, defects=[billing_defects, orphan_defects])


def _orders(rng: np.random.Generator, cfg: GeneratorConfig, cust: pd.DataFrame) -> _Orders:
    """Order headers: a few customers order most, some book with their sister company, 3% are cancelled."""
    n_orders = max(60, round(cfg.n_order_lines / 3))
    order_day = _order_days(rng, n_orders)
    pareto = rng.pareto(1.3, len(cust)) + 0.05
    ci = rng.choice(len(cust), n_orders, p=pareto / pareto.sum())
    home = cust["home_company"].to_numpy()[ci]
    overseas = cust["region"].to_numpy()[ci] == "overseas"
    swap = (rng.random(n_orders) < 0.08) & ~overseas
    company = np.where(swap, np.where(home == "CN10", "CN20", "CN10"), home)
    segment = cust["segment"].to_numpy()[ci]
    lead = rng.integers(7, 31, n_orders)
    requested = order_day + lead
    cancelled = rng.random(n_orders) < 0.03
    order_id = ids("SO", n_orders)
    orders = pd.DataFrame({
        "order_id": order_id,
        "company_code": company,
        "customer_id": cust["customer_id"].to_numpy()[ci],
        "order_date": order_day,
        "requested_delivery_date": requested,
        "currency": cust["currency"].to_numpy()[ci],
        "channel": np.where(segment == "distributor", "distributor",
                            rng.choice(["direct", "online"], n_orders, p=[0.7, 0.3])),
        "order_status": "open",
        "updated_at": at_time(order_day, rng),
    })
    return _Orders(frame=orders, order_id=order_id, day=order_day, customer=ci, company=company, overseas=overseas,
                   segment=segment, lead=lead, requested=requested, cancelled=cancelled)


def _order_lines(rng: np.random.Generator, md: MasterData, o: _Orders) -> _Lines:
    """One to eight lines per order, popular products more often, priced in the order's currency."""
    fg = md.products[md.products["product_type"] == "finished_good"].reset_index(drop=True)
    n_orders = len(o.order_id)
    k = np.clip(1 + rng.poisson(2.0, n_orders), 1, 8)
    lo = np.repeat(np.arange(n_orders), k)
    n_lines = len(lo)
    popularity = 1 / np.arange(1, len(fg) + 1) ** 0.8
    pi = rng.choice(len(fg), n_lines, p=popularity / popularity.sum())
    qty = rng.integers(1, 40, n_lines) * np.where(o.segment[lo] == "distributor", 3, 1)
    price_cny = fg["list_price"].to_numpy()[pi] * (1 - rng.uniform(0, 0.15, n_lines))
    currency = o.frame["currency"].to_numpy()[lo]
    rate = md.rates_at(currency, o.day[lo])
    unit_price = np.where(currency == "CNY", np.round(price_cny, 2), np.round(price_cny / rate, 4))
    lines = pd.DataFrame({
        "order_id": o.order_id[lo],
        "line_no": (group_seq(lo) + 1) * 10,
        "product_id": fg["product_id"].to_numpy()[pi],
        "quantity": qty.astype(float),
        "unit_price": unit_price,
        "tax_rate": np.where(currency == "CNY", 0.13, 0.0),
        "updated_at": o.frame["updated_at"].to_numpy()[lo],
    })
    first_versions = _amend(rng, o, lines, lo)
    return _Lines(frame=lines, order=lo, quantity=lines["quantity"].to_numpy().astype(np.int64),
                  first_versions=first_versions)


def _amend(rng: np.random.Generator, o: _Orders, lines: pd.DataFrame, lo: np.ndarray) -> pd.DataFrame:
    """A few lines are amended after entry: the later delta carries the current quantity, so
    `lines` gets the amendment's time and the first versions are returned."""
    amended = pick(rng, len(lo), 0.02) & ~o.cancelled[lo]
    first_versions = lines[amended].copy()
    first_versions["quantity"] = np.maximum(1, first_versions["quantity"] + rng.choice([-5, -2, 3, 6], amended.sum()))
    lines.loc[amended, "updated_at"] = at_time(o.day[lo][amended] + rng.integers(1, 4, amended.sum()), rng)
    return first_versions


def _shipments(rng: np.random.Generator, o: _Orders, ln: _Lines) -> _Shipments:
    """Order-level shipment waves, lines split across them; what would ship after the calendar does not."""
    wave_days = _wave_days(rng, o)
    parts, sl, piece = _split_lines(rng, o, ln)
    wave = group_seq(sl)
    ship_day = wave_days[ln.order[sl], wave]
    keep = ship_day <= cal.END
    sl, piece, wave, ship_day = sl[keep], piece[keep], wave[keep], ship_day[keep]
    so = ln.order[sl]  # shipment → order index
    order_wh = _order_warehouses(rng, o)
    order_by_day = np.lexsort((sl, ship_day))
    sl, piece, wave, ship_day, so = (sl[order_by_day], piece[order_by_day], wave[order_by_day],
                                     ship_day[order_by_day], so[order_by_day])
    shipments = pd.DataFrame({
        "shipment_id": ids("SH", len(sl)),
        "order_id": o.order_id[so],
        "order_line_no": ln.frame["line_no"].to_numpy()[sl],
        "warehouse_id": order_wh[so],
        "ship_date": ship_day,
        "quantity": piece.astype(float),
        "updated_at": at_time(ship_day, rng),
        "company_code": o.company[so],
        "product_id": ln.frame["product_id"].to_numpy()[sl],
        "is_orphan": False,
    })
    return _Shipments(frame=shipments, line=sl, order=so, wave=wave, day=ship_day, piece=piece,
                      wave_days=wave_days, parts=parts)


def _wave_days(rng: np.random.Generator, o: _Orders) -> np.ndarray:
    """Per order, the days of its three possible shipment waves; the first is on time for 86%."""
    n_orders = len(o.order_id)
    on_time = rng.random(n_orders) < 0.86
    wave1 = np.where(on_time, o.day + rng.integers(1, o.lead + 1), o.requested + rng.integers(1, 21, n_orders))
    return np.stack([wave1, wave1 + rng.integers(3, 20, n_orders), wave1 + rng.integers(25, 45, n_orders)], 1)


def _split_lines(rng: np.random.Generator, o: _Orders,
                 ln: _Lines) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parts per order line (2% ship short), then each shipment's order line index and quantity."""
    line_qty = ln.quantity
    n_lines = len(line_qty)
    parts = np.minimum(rng.choice([1, 2, 3], n_lines, p=[0.76, 0.17, 0.07]), line_qty)
    short = pick(rng, n_lines, 0.02) & (line_qty >= 5)
    ship_total = np.where(short, np.ceil(line_qty * 0.8), line_qty).astype(np.int64)
    parts = np.minimum(parts, ship_total)
    live = ~o.cancelled[ln.order]
    live_idx = np.flatnonzero(live)
    sl = np.repeat(live_idx, parts[live])
    piece = split_quantity(rng, ship_total[live], parts[live])
    return parts, sl, piece


def _order_warehouses(rng: np.random.Generator, o: _Orders) -> np.ndarray:
    """The warehouse each order ships from: Hong Kong for exports, else one of its company's two."""
    wh_choice = rng.integers(0, 2, len(o.order_id))
    return np.where(o.overseas, EXPORT_WAREHOUSE,
                    np.where(o.company == "CN10", FG_WAREHOUSES["CN10"][wh_choice], FG_WAREHOUSES["CN20"][wh_choice]))


def _invoices(rng: np.random.Generator, cust: pd.DataFrame, o: _Orders, ln: _Lines,
              s: _Shipments) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One invoice per order and shipment wave, on the ship day or up to 20 days later, and its lines."""
    n_orders = len(o.order_id)
    ow_key = s.order * 4 + s.wave
    lag = np.select([rng.random(n_orders * 4) < 0.6, rng.random(n_orders * 4) < 0.6],
                    [0, rng.integers(1, 4, n_orders * 4)], rng.integers(4, 21, n_orders * 4))
    inv_day_of_ship = s.day + lag[ow_key]
    invoiced = inv_day_of_ship <= cal.END
    uniq_keys, inv_of_ship = np.unique(ow_key[invoiced], return_inverse=True)
    inv_order = uniq_keys // 4
    inv_day = s.wave_days[inv_order, uniq_keys % 4] + lag[uniq_keys]
    by_day = np.argsort(inv_day, kind="stable")
    rank = np.empty_like(by_day)
    rank[by_day] = np.arange(len(by_day))
    inv_ids = ids("INV", len(uniq_keys))[rank]
    terms = cust["payment_terms_days"].to_numpy()[o.customer][inv_order]
    invoices = pd.DataFrame({
        "invoice_id": inv_ids,
        "company_code": o.company[inv_order],
        "customer_id": o.frame["customer_id"].to_numpy()[inv_order],
        "order_id": o.order_id[inv_order],
        "invoice_type": "invoice",
        "invoice_date": inv_day,
        "due_date": inv_day + terms,
        "currency": o.frame["currency"].to_numpy()[inv_order],
        "invoice_status": "issued",
        "updated_at": at_time(inv_day, rng),
    })
    return invoices, _invoice_lines(invoices, ln, s, invoiced, inv_of_ship, rank)


def _invoice_lines(invoices: pd.DataFrame, ln: _Lines, s: _Shipments, invoiced: np.ndarray,
                   inv_of_ship: np.ndarray, rank: np.ndarray) -> pd.DataFrame:
    """A line per invoiced shipment (`invoiced` masks the shipments, `inv_of_ship` names each one's
    invoice row, `rank` each row's place in number order), in invoice-number and order-line order."""
    inv_ids = invoices["invoice_id"].to_numpy()
    lines = ln.frame
    isl = s.line[invoiced]  # invoice line → order line index
    inv_idx = inv_of_ship
    ordr = np.lexsort((isl, rank[inv_idx]))
    isl, inv_idx = isl[ordr], inv_idx[ordr]
    ship_piece = s.piece[invoiced][ordr]
    ship_ids_invoiced = s.frame["shipment_id"].to_numpy()[invoiced][ordr]
    il_qty = ship_piece.astype(float)
    il_price = lines["unit_price"].to_numpy()[isl]
    il_tax_rate = lines["tax_rate"].to_numpy()[isl]
    invoice_lines = pd.DataFrame({
        "invoice_id": inv_ids[inv_idx],
        "line_no": group_seq(inv_ids[inv_idx]) + 1,
        "order_id": lines["order_id"].to_numpy()[isl],
        "order_line_no": lines["line_no"].to_numpy()[isl],
        "product_id": lines["product_id"].to_numpy()[isl],
        "quantity": il_qty,
        "unit_price": il_price,
        "net_amount": np.round(il_qty * il_price, 2),
        "tax_amount": np.round(np.round(il_qty * il_price, 2) * il_tax_rate, 2),
        "updated_at": invoices["updated_at"].to_numpy()[inv_idx],
    })
    invoice_lines["shipment_id"] = ship_ids_invoiced  # internal
    invoice_lines["single_shipment"] = (s.parts[isl] == 1)  # internal
    return invoice_lines


def _invoice_line_defects(cfg: GeneratorConfig, rng: np.random.Generator, il: pd.DataFrame,
                          voided: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Billing errors on lines of invoices that stay issued."""
    rates = cfg.defects
    n = len(il)
    live = ~il["invoice_id"].isin(voided).to_numpy()
    wrong_price = pick(rng, n, rates.invoice_line_wrong_price) & live
    over_qty = pick(rng, n, rates.invoice_line_over_quantity) & il["single_shipment"].to_numpy() & live & ~wrong_price
    orphan = pick(rng, n, rates.orphan_invoice_line) & live & ~wrong_price & ~over_qty
    il = il.copy()
    old_price = il["unit_price"].to_numpy().copy()
    factor = 1 + rng.choice([-1, 1], n) * rng.uniform(0.02, 0.10, n)
    il.loc[wrong_price, "unit_price"] = np.round(old_price[wrong_price] * factor[wrong_price], 4)
    old_qty = il["quantity"].to_numpy().copy()
    il.loc[over_qty, "quantity"] = old_qty[over_qty] + rng.integers(1, 4, over_qty.sum())
    changed = wrong_price | over_qty
    net = np.round(il["quantity"].to_numpy() * il["unit_price"].to_numpy(), 2)
    tax_rate = np.where(il["tax_amount"].to_numpy() > 0, 0.13, 0.0)
    il.loc[changed, "net_amount"] = net[changed]
    il.loc[changed, "tax_amount"] = np.round(net * tax_rate, 2)[changed]
    real_orders = il.loc[orphan, "order_id"].to_numpy()
    il.loc[orphan, "order_id"] = unknown_ids(rng, "SO", int(orphan.sum()))
    defects = pd.concat([
        defect_rows("invoice_line_wrong_price", "bil_invoice_lines", il.loc[wrong_price, "invoice_id"],
                     il.loc[wrong_price, "line_no"], expected_value=old_price[wrong_price],
                     delivered_value=il.loc[wrong_price, "unit_price"]),
        defect_rows("invoice_line_over_quantity", "bil_invoice_lines", il.loc[over_qty, "invoice_id"],
                     il.loc[over_qty, "line_no"], expected_value=old_qty[over_qty],
                     delivered_value=il.loc[over_qty, "quantity"]),
        defect_rows("orphan_invoice_line", "bil_invoice_lines", il.loc[orphan, "invoice_id"],
                     il.loc[orphan, "line_no"], expected_value=real_orders,
                     delivered_value=il.loc[orphan, "order_id"]),
    ], ignore_index=True)
    return il, defects


def _cancel_and_reissue(rng: np.random.Generator, invoices: pd.DataFrame,
                        lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """About 1% of invoices are voided (作废) a few days after issue and re-issued under a new
    number: the void arrives as a later delta of the same invoice."""
    cancel = pick(rng, len(invoices), 0.01)
    reissue_day = days(invoices["invoice_date"]) + rng.integers(1, 4, len(invoices))
    cancel &= reissue_day <= cal.END
    old = invoices[cancel]
    voided = old.copy()
    voided["invoice_status"] = "cancelled"
    voided["updated_at"] = at_time(reissue_day[cancel], rng, 8, 12)
    new = old.copy()
    new_ids = ids("INV", cancel.sum(), start=len(invoices) + 1)
    id_map = dict(zip(old["invoice_id"], new_ids, strict=True))
    new["invoice_id"] = new_ids
    new["invoice_date"] = reissue_day[cancel]
    new["due_date"] = new["invoice_date"] + (old["due_date"] - old["invoice_date"]).to_numpy()
    new["updated_at"] = at_time(reissue_day[cancel], rng, 13, 18)
    new_lines = lines[lines["invoice_id"].isin(id_map)].copy()
    new_lines["invoice_id"] = new_lines["invoice_id"].map(id_map)
    new_lines["updated_at"] = new_lines["invoice_id"].map(dict(zip(new["invoice_id"], new["updated_at"], strict=True)))
    return (pd.concat([invoices, voided, new], ignore_index=True),
            pd.concat([lines, new_lines], ignore_index=True), set(id_map))


def current(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """The current version of each key (greatest updated_at) — the generator's own view."""
    return df.sort_values("updated_at").drop_duplicates(key, keep="last")


def _credit_notes(rng: np.random.Generator, invoices: pd.DataFrame,
                  lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns and price rebates: about 2% of invoices get a credit note for part of their
    first line. Customers keep credit notes as a credit balance on their account."""
    cur = current(invoices, ["invoice_id"])
    issued = cur[cur["invoice_status"] == "issued"]
    chosen = issued[pick(rng, len(issued), 0.02)]
    credit_day = days(chosen["invoice_date"]) + rng.integers(5, 61, len(chosen))
    chosen = chosen[credit_day <= cal.END]
    credit_day = credit_day[credit_day <= cal.END]
    cn_ids = ids("CRN", len(chosen))
    notes = chosen.copy()
    notes["invoice_id"] = cn_ids
    notes["invoice_type"] = "credit_note"
    notes["invoice_date"] = credit_day
    notes["due_date"] = credit_day
    notes["updated_at"] = at_time(credit_day, rng)
    first = lines[lines["line_no"] == 1].set_index("invoice_id").loc[chosen["invoice_id"]].reset_index()
    q = np.maximum(1, np.floor(first["quantity"].to_numpy() * 0.3))
    net = np.round(q * first["unit_price"].to_numpy(), 2)
    tax_rate = np.where(first["tax_amount"].to_numpy() > 0, 0.13, 0.0)
    credit_lines = pd.DataFrame({
        "invoice_id": cn_ids, "line_no": 1,
        "order_id": first["order_id"].to_numpy(), "order_line_no": first["order_line_no"].to_numpy(),
        "product_id": first["product_id"].to_numpy(), "quantity": q,
        "unit_price": first["unit_price"].to_numpy(), "net_amount": net,
        "tax_amount": np.round(net * tax_rate, 2), "updated_at": notes["updated_at"].to_numpy(),
    })
    return notes, credit_lines


@dataclass
class _Collection:
    """The invoices to collect and how each is paid: in full, in two installments, or (bad debts)
    half or not at all."""

    invoices: pd.DataFrame  # current version of every issued invoice (not credit notes)
    gross: np.ndarray
    due: np.ndarray  # datetime64[D]
    bad: np.ndarray
    partial_bad: np.ndarray  # bad debts that paid half first
    first_amount: np.ndarray
    payments: pd.DataFrame  # invoice row, day and amount of each payment made by the end of the calendar


def _cash(rng: np.random.Generator, invoices: pd.DataFrame, lines: pd.DataFrame,
          cust: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Receipts, cash application (核销) and write-offs for issued invoices."""
    c = _collection(rng, invoices, lines)
    payments = _batch_payments(rng, c, cust)
    receipts, applications = _receipts(rng, c.invoices, payments)
    return receipts, applications, _write_offs(rng, c)


def _collection(rng: np.random.Generator, invoices: pd.DataFrame, lines: pd.DataFrame) -> _Collection:
    """Payment behaviour per issued invoice: late or early around the due date, 5% in installments, 1.5% bad."""
    cur = current(invoices, ["invoice_id"])
    inv = cur[(cur["invoice_status"] == "issued") & (cur["invoice_type"] == "invoice")].reset_index(drop=True)
    gross = lines.assign(g=lines["net_amount"] + lines["tax_amount"]).groupby("invoice_id")["g"].sum()
    g = np.round(gross.reindex(inv["invoice_id"]).to_numpy(), 2)
    n = len(inv)
    due = inv["due_date"].to_numpy().astype("datetime64[D]")
    idate = inv["invoice_date"].to_numpy().astype("datetime64[D]")
    u = rng.random(n)
    bad, installment = u < 0.015, (u >= 0.015) & (u < 0.065)
    partial_bad = bad & (rng.random(n) < 0.4)
    delay = np.round(rng.normal(3, 12, n)).astype(int)
    pay1 = np.maximum(idate + 1, due + delay)
    first_amt = np.where(installment | partial_bad, np.round(g * 0.5, 2), g)
    pay2 = pay1 + rng.integers(20, 41, n)
    pays = pd.DataFrame({
        "inv": np.r_[np.flatnonzero(~bad | partial_bad), np.flatnonzero(installment)],
        "day": np.r_[pay1[~bad | partial_bad], pay2[installment]],
        "amount": np.r_[first_amt[~bad | partial_bad], (g - first_amt)[installment]],
    })
    pays = pays[pays["day"] <= cal.END].reset_index(drop=True)
    return _Collection(invoices=inv, gross=g, due=due, bad=bad, partial_bad=partial_bad, first_amount=first_amt,
                       payments=pays)


def _batch_payments(rng: np.random.Generator, c: _Collection, cust: pd.DataFrame) -> pd.DataFrame:
    """Batch payers settle all invoices due in a week with one transfer on Friday."""
    inv, pays = c.invoices, c.payments
    batch_customer = rng.random(len(cust)) < 0.3
    is_batch = pd.Series(batch_customer, index=cust["customer_id"]).reindex(inv["customer_id"]).to_numpy()[pays["inv"]]
    day = pays["day"].to_numpy().astype("datetime64[D]")
    friday = day + (4 - cal.weekday(day)) % 7
    pays = pays.assign(day=np.where(is_batch & (friday <= cal.END), friday, day),
                       customer_id=inv["customer_id"].to_numpy()[pays["inv"]],
                       company_code=inv["company_code"].to_numpy()[pays["inv"]],
                       currency=inv["currency"].to_numpy()[pays["inv"]],
                       group=np.where(is_batch, -1, np.arange(len(pays))))
    return pays.sort_values(["day", "customer_id", "inv"]).reset_index(drop=True)


def _receipts(rng: np.random.Generator, inv: pd.DataFrame,
              pays: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A receipt per transfer and its applications to invoices; 1% of receipts bring unapplied cash."""
    receipt_key = ["day", "customer_id", "company_code", "currency", "group"]
    receipt_no = pays.groupby(receipt_key, sort=False).ngroup().to_numpy()
    receipt_id = ids("RC", receipt_no.max() + 1 if len(pays) else 0)[receipt_no]
    applications = pd.DataFrame({
        "receipt_id": receipt_id,
        "invoice_id": inv["invoice_id"].to_numpy()[pays["inv"]],
        "applied_date": pays["day"].to_numpy(),
        "applied_amount": pays["amount"].to_numpy(),
    })
    applications["updated_at"] = at_time(applications["applied_date"].to_numpy(), rng, 14, 18)
    receipts = (pays.assign(receipt_id=receipt_id)
                .groupby("receipt_id", as_index=False)
                .agg(company_code=("company_code", "first"), customer_id=("customer_id", "first"),
                     receipt_date=("day", "first"), currency=("currency", "first"), amount=("amount", "sum")))
    # Some customers pay more than they owe or pay before being invoiced: unapplied cash.
    extra = pick(rng, len(receipts), 0.01)
    receipts.loc[extra, "amount"] += np.round(rng.uniform(100, 5000, extra.sum()), 2)
    receipts["amount"] = np.round(receipts["amount"], 2)
    receipts["bank_reference"] = np.where(rng.random(len(receipts)) < 0.85,
                                          np.char.add("BR", rng.integers(10**9, 10**10, len(receipts)).astype(str)),
                                          None)
    receipts["updated_at"] = at_time(receipts["receipt_date"].to_numpy(), rng, 9, 13)
    return receipts, applications


def _write_offs(rng: np.random.Generator, c: _Collection) -> pd.DataFrame:
    """Bad debts written off six to ten months after their due date, less what was paid."""
    wo_day = c.due + rng.integers(180, 300, len(c.invoices))
    wo_mask = c.bad & (wo_day <= cal.END)
    write_offs = pd.DataFrame({
        "write_off_id": ids("WO", wo_mask.sum(), 6),
        "invoice_id": c.invoices["invoice_id"].to_numpy()[wo_mask],
        "write_off_date": wo_day[wo_mask],
        "amount": np.round(c.gross[wo_mask] - np.where(c.partial_bad, c.first_amount, 0)[wo_mask], 2),
        "reason": np.where(rng.random(wo_mask.sum()) < 0.5, "客户破产 customer insolvent", "催收无果 uncollectible"),
    })
    write_offs["updated_at"] = at_time(write_offs["write_off_date"].to_numpy(), rng)
    return write_offs


def _order_versions(rng: np.random.Generator, o: _Orders, ln: _Lines, shipments: pd.DataFrame,
                    invoices: pd.DataFrame) -> pd.DataFrame:
    """Later deltas of orders: cancellations, and closing once every line is invoiced."""
    orders, lines = o.frame, ln.frame
    cancel_day = days(orders["order_date"]) + rng.integers(1, 11, len(orders))
    cancelled = o.cancelled & (cancel_day <= cal.END)
    v_cancel = orders[cancelled].copy()
    v_cancel["order_status"] = "cancelled"
    v_cancel["updated_at"] = at_time(cancel_day[cancelled], rng)
    shipped = shipments.groupby(["order_id", "order_line_no"])["quantity"].sum()
    ordered = pd.Series(ln.quantity, index=pd.MultiIndex.from_arrays([lines["order_id"], lines["line_no"]]))
    complete = (shipped.reindex(ordered.index).fillna(0) >= ordered).groupby(level=0).all()
    inv = current(invoices, ["invoice_id"])
    last_invoice = inv[inv["invoice_type"] == "invoice"].groupby("order_id")["invoice_date"].max()
    close_day = last_invoice.reindex(orders["order_id"]).to_numpy().astype("datetime64[D]") + 1
    closable = complete.reindex(orders["order_id"]).fillna(False).to_numpy() & ~cancelled & (close_day <= cal.END)
    v_close = orders[closable].copy()
    v_close["order_status"] = "closed"
    v_close["updated_at"] = at_time(close_day[closable], rng, 20, 23)
    return pd.concat([orders, v_cancel, v_close], ignore_index=True)


def _orphan_shipments(cfg: GeneratorConfig, rng: np.random.Generator,
                      shipments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """WMS shipments that name an order the ERP does not know."""
    n = int(pick(rng, len(shipments), cfg.defects.orphan_shipment).sum())
    if n == 0 or cfg.defects.orphan_shipment == 0:
        return shipments, defect_rows("orphan_shipment", "wms_shipments", [])
    days = rng.choice(shipments["ship_date"].to_numpy(), n)
    orphans = pd.DataFrame({
        "shipment_id": ids("SH9", n, 7),
        "order_id": unknown_ids(rng, "SO", n),
        "order_line_no": 10,
        "warehouse_id": rng.choice(WAREHOUSES["warehouse_id"].to_numpy()[[0, 2, 3, 4]], n),
        "ship_date": days,
        "quantity": rng.integers(1, 20, n).astype(float),
        "updated_at": at_time(days, rng),
        "company_code": None,
        "product_id": None,
        "is_orphan": True,
    })
    return (pd.concat([shipments, orphans], ignore_index=True),
            defect_rows("orphan_shipment", "wms_shipments", orphans["shipment_id"],
                         delivered_value=orphans["order_id"]))


def _set_customer_dates(rng: np.random.Generator, cust: pd.DataFrame, orders: pd.DataFrame) -> None:
    """Customers are created some time before their first order (or at random if they never order)."""
    first = orders.groupby("customer_id")["order_date"].min()
    first_day = first.reindex(cust["customer_id"]).to_numpy().astype("datetime64[D]")
    fallback = cal.START + rng.integers(0, cal.N_DAYS, len(cust))
    created_day = np.where(np.isnat(first_day), fallback, first_day - rng.integers(1, 400, len(cust)))
    cust["created_at"] = at_time(created_day, rng)
    cust["updated_at"] = cust["created_at"]
