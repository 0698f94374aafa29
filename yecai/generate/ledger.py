"""The general ledger: a balanced journal for every business event, named by
source_type/source_id, plus the injected posting defects recorded in the answer key.

CNY rounding. Foreign-currency amounts converted at a document's rate have more than two
decimals. Posting each one rounded on its own would let cents pile up between the GL and
the unrounded sub-ledger. Instead, lines marked `round` are rounded cumulatively per company
and account (each posting = rounded running total − previous rounded running total), so
every GL balance equals the exact sub-ledger balance rounded to the cent, and each document
differs by less than a cent. One `plug` line per journal (VAT, FX difference, variance…)
makes the journal balance to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from yecai.generate import calendar as cal
from yecai.generate.config import COMPANIES, DefectRates, GeneratorConfig
from yecai.generate.inventory import opening_reference
from yecai.generate.master import MasterData
from yecai.generate.procurement import Procurement
from yecai.generate.production import Production
from yecai.generate.sales import Sales, current
from yecai.generate.util import at_time, group_seq, ids, pick

CASH, AR, RM_INV, FG_INV, WIP, INPUT_VAT = "1002", "1122", "1403", "1405", "5001", "222101"
AP, GRNI, ADVANCES, PAYROLL, ACCRUALS, OUTPUT_VAT = "2202", "220201", "2203", "2211", "2241", "222102"
CAPITAL, REVENUE, COGS, OVERHEAD, PPV, PROD_VAR = "4001", "6001", "6401", "5101", "6402", "6403"
ADMIN, FX, BAD_DEBT = "6602", "6603", "6702"
INVENTORY_ACCOUNT = {"finished_good": FG_INV, "raw_material": RM_INV}


# A rounding stream: company, account, source type (cash only) and month (monthly flows only, else -1).
STREAM_KEY = ["company", "account", "source", "month"]


@dataclass
class Ledger:
    journal_lines: pd.DataFrame
    defects: pd.DataFrame
    # The exact amounts of each rounding stream per posting month (STREAM_KEY + posting_month),
    # of this ledger and the shards before it: the next shard rounds on top of them (_finalise).
    stream_flows: pd.Series


class _Journals:
    """Collects journal lines; every journal gets a key, its lines an order."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []
        self.next_key = 0

    def keys(self, n: int) -> np.ndarray:
        out = np.arange(self.next_key, self.next_key + n)
        self.next_key += n
        return out

    def add(self, key, company, day, account, amount, kind, currency, tx, source_type, source_id,
            description, drop_if_zero=False) -> None:
        n = len(key)
        # Positional, never index-aligned: callers pass slices of differently indexed frames.
        key, company, day, account, amount, currency, tx, source_type, source_id, description = (
            v.to_numpy() if isinstance(v, pd.Series) else v
            for v in (key, company, day, account, amount, currency, tx, source_type, source_id, description))
        self.parts.append(pd.DataFrame({
            "jkey": key, "company_code": company, "posting_date": np.asarray(day).astype("datetime64[D]"),
            "account_code": account, "amount": np.asarray(amount, dtype=float), "kind": kind,
            "currency": currency, "transaction_amount": np.asarray(tx, dtype=float),
            "source_type": source_type, "source_id": source_id, "description": description,
            "drop_if_zero": np.full(n, drop_if_zero),
        }))

    def frame(self) -> pd.DataFrame:
        df = pd.concat(self.parts, ignore_index=True)
        df["seq"] = np.arange(len(df))
        return df


def build_ledger(cfg: GeneratorConfig, md: MasterData, sales: Sales, proc: Procurement,
                 prod: Production, moves: pd.DataFrame, stream_flows: pd.Series | None = None) -> Ledger:
    """Every document type's journals, then the manual ones; the step order fixes journal keys and draws.
    `stream_flows` are those of the shards before this one (Ledger.stream_flows)."""
    rng = cfg.rng("ledger")
    rates = cfg.defects
    j = _Journals()
    inv = _issued(md, sales.invoices, sales.invoice_lines, "invoice_id")
    defects = _sales_invoice_journals(j, rng, rates, inv)
    defects.append(_receipt_journals(j, rng, rates, md, sales, inv))
    _write_off_journals(j, sales.write_offs, inv)
    moves = _valued(md, moves)
    _shipment_journals(j, moves)
    defects.append(_goods_receipt_journals(j, rng, rates, md, proc.goods_receipts))
    _production_journals(j, prod, moves)
    _opening_journals(j, moves)
    si = _issued(md, proc.supplier_invoices, proc.supplier_invoice_lines, "supplier_invoice_id")
    defects += _supplier_invoice_journals(j, rng, rates, si)
    _supplier_payment_journals(j, md, proc.payments, si)
    defects.append(_manual_journals(cfg, rng, j))
    lines, flows = _finalise(j.frame(), rng, stream_flows)
    return Ledger(journal_lines=lines.drop(columns=["jkey"]), defects=_with_journal_ids(defects, lines),
                  stream_flows=flows)


def _issued(md: MasterData, docs: pd.DataFrame, lines: pd.DataFrame, key: str) -> pd.DataFrame:
    """Issued documents in their current version, with net, tax and the rate of their invoice date."""
    out = current(docs, [key])
    out = out[out["invoice_status"] == "issued"].reset_index(drop=True)
    amounts = lines.groupby(key).agg(net=("net_amount", "sum"), tax=("tax_amount", "sum")).reindex(out[key])
    out["net"], out["tax"] = amounts["net"].to_numpy(), amounts["tax"].to_numpy()
    out["rate"] = md.rates_at(out["currency"].to_numpy(), out["invoice_date"].to_numpy())
    return out


@dataclass
class _InvoicePostings:
    """When each issued sales document is posted, and the posting defects chosen for it."""

    not_posted: np.ndarray
    amount_diff: np.ndarray
    wrong_month: np.ndarray
    twice: np.ndarray
    diff: np.ndarray  # CNY keyed in wrongly, on AR and revenue alike
    day: np.ndarray
    repost_day: np.ndarray  # when a duplicate is keyed in again


def _invoice_postings(rng: np.random.Generator, rates: DefectRates, inv: pd.DataFrame,
                      is_invoice: np.ndarray) -> _InvoicePostings:
    """Invoices (never credit notes) posted not at all, with a wrong amount, in the next month or twice."""
    not_posted = pick(rng, len(inv), rates.invoice_not_posted) & is_invoice
    amount_diff = pick(rng, len(inv), rates.invoice_posting_amount_diff) & is_invoice & ~not_posted
    in_last_month = inv["invoice_date"].to_numpy().astype("datetime64[M]") == cal.END.astype("datetime64[M]")
    wrong_month = (pick(rng, len(inv), rates.invoice_posted_wrong_month)
                   & is_invoice & ~not_posted & ~amount_diff & ~in_last_month)
    twice = pick(rng, len(inv), rates.invoice_posted_twice) & is_invoice & ~not_posted & ~amount_diff & ~wrong_month
    diff = np.where(amount_diff, rng.choice([-1, 1], len(inv)) * np.round(rng.uniform(1, 800, len(inv)), 2), 0.0)
    post_day = inv["invoice_date"].to_numpy().astype("datetime64[D]")
    post_day = np.where(wrong_month, cal.month_end(post_day) + rng.integers(1, 5, len(inv)), post_day)
    repost_day = post_day + rng.integers(1, 4, len(inv))
    return _InvoicePostings(not_posted=not_posted, amount_diff=amount_diff, wrong_month=wrong_month, twice=twice,
                            diff=diff, day=post_day, repost_day=repost_day)


def _sales_invoice_journals(j: _Journals, rng: np.random.Generator, rates: DefectRates,
                            inv: pd.DataFrame) -> list[pd.DataFrame]:
    """Sales invoices and credit notes: AR against revenue and output VAT; returns their posting defects."""
    sign = np.where(inv["invoice_type"] == "invoice", 1.0, -1.0)
    gross = inv["net"] + inv["tax"]
    is_invoice = (inv["invoice_type"] == "invoice").to_numpy()
    p = _invoice_postings(rng, rates, inv, is_invoice)
    stype = np.where(is_invoice, "sales_invoice", "credit_note")
    rev_cny, ar_cny = sign * inv["net"] * inv["rate"], sign * gross * inv["rate"]

    def post(mask: np.ndarray, day: np.ndarray) -> np.ndarray:
        """One journal per masked document, posted on `day`; returns the journals' keys."""
        sub = inv[mask]
        k = j.keys(len(sub))
        desc = np.char.add("销售发票 Sales invoice ", sub["invoice_id"].to_numpy().astype(str))
        j.add(k, sub["company_code"], day, AR, ar_cny[mask] + p.diff[mask], "round", sub["currency"],
              (sign * gross)[mask], stype[mask], sub["invoice_id"], desc)
        j.add(k, sub["company_code"], day, REVENUE, -rev_cny[mask] - p.diff[mask], "round", sub["currency"],
              -(sign * inv["net"])[mask], stype[mask], sub["invoice_id"], desc)
        j.add(k, sub["company_code"], day, OUTPUT_VAT, 0, "plug", sub["currency"],
              -(sign * inv["tax"])[mask], stype[mask], sub["invoice_id"], desc, drop_if_zero=True)
        return k

    posted = ~p.not_posted
    main_key = pd.Series(post(posted, p.day[posted]), index=inv.loc[posted, "invoice_id"].to_numpy())
    twice_keys = post(p.twice, p.repost_day[p.twice])
    return _invoice_defects(inv, p, rev_cny, ar_cny, main_key, twice_keys)


def _invoice_defects(inv: pd.DataFrame, p: _InvoicePostings, rev_cny: pd.Series, ar_cny: pd.Series,
                     main_key: pd.Series, twice_keys: np.ndarray) -> list[pd.DataFrame]:
    """Answer-key rows of the sales invoices posted wrongly, naming the journals that show it."""
    return [
        _gl_defects("invoice_not_posted", "missing_in_gl", inv[p.not_posted], "invoice_id", "invoice_date",
                    p.day[p.not_posted], rev_cny[p.not_posted], ar_cny[p.not_posted], None),
        _gl_defects("invoice_posting_amount_diff", "amount_mismatch", inv[p.amount_diff], "invoice_id",
                    "invoice_date", p.day[p.amount_diff], p.diff[p.amount_diff], p.diff[p.amount_diff],
                    main_key.reindex(inv.loc[p.amount_diff, "invoice_id"]).to_numpy()),
        _gl_defects("invoice_posted_wrong_month", "period_mismatch", inv[p.wrong_month], "invoice_id",
                    "invoice_date", p.day[p.wrong_month], rev_cny[p.wrong_month], ar_cny[p.wrong_month],
                    main_key.reindex(inv.loc[p.wrong_month, "invoice_id"]).to_numpy()),
        _gl_defects("invoice_posted_twice", "duplicate_posting", inv[p.twice], "invoice_id", "invoice_date",
                    p.repost_day[p.twice], rev_cny[p.twice], ar_cny[p.twice], twice_keys),
    ]


def _receipt_journals(j: _Journals, rng: np.random.Generator, rates: DefectRates, md: MasterData, sales: Sales,
                      inv: pd.DataFrame) -> pd.DataFrame:
    """Customer receipts: cash in, AR cleared at the invoice's rate, the rest held as advances, the
    FX difference plugged; returns the answer-key rows of the receipts not posted."""
    inv_rate = inv.set_index("invoice_id")["rate"]
    rc = sales.receipts.reset_index(drop=True)
    rc["rate"] = md.rates_at(rc["currency"].to_numpy(), rc["receipt_date"].to_numpy())
    rc_missing = pick(rng, len(rc), rates.receipt_not_posted)
    rc_key = pd.Series(j.keys(len(rc)), index=rc["receipt_id"].to_numpy())
    posted = rc[~rc_missing]
    desc = np.char.add("收款 Customer receipt ", posted["receipt_id"].to_numpy().astype(str))
    j.add(rc_key[posted["receipt_id"]].to_numpy(), posted["company_code"], posted["receipt_date"], CASH,
          posted["amount"] * posted["rate"], "round", posted["currency"], posted["amount"], "receipt",
          posted["receipt_id"], desc)
    app = sales.applications.merge(rc[["receipt_id", "company_code", "currency", "rate", "amount"]], on="receipt_id")
    app = app[~app["receipt_id"].isin(rc.loc[rc_missing, "receipt_id"])]
    app_rate = inv_rate.reindex(app["invoice_id"]).to_numpy()
    j.add(rc_key[app["receipt_id"]].to_numpy(), app["company_code"], app["applied_date"], AR,
          -app["applied_amount"] * app_rate, "round", app["currency"], -app["applied_amount"], "receipt",
          app["receipt_id"], np.char.add("核销 Applied to ", app["invoice_id"].to_numpy().astype(str)))
    unapplied = (posted.set_index("receipt_id")["amount"]
                 - app.groupby("receipt_id")["applied_amount"].sum().reindex(posted["receipt_id"]).fillna(0)).round(2)
    ua = posted[(unapplied > 0).to_numpy()]
    ua_amt = unapplied[unapplied > 0].to_numpy()
    j.add(rc_key[ua["receipt_id"]].to_numpy(), ua["company_code"], ua["receipt_date"], ADVANCES,
          -ua_amt * ua["rate"], "round", ua["currency"], -ua_amt, "receipt", ua["receipt_id"],
          "未核销款项 Unapplied cash")
    j.add(rc_key[posted["receipt_id"]].to_numpy(), posted["company_code"], posted["receipt_date"], FX, 0, "plug",
          "CNY", np.nan, "receipt", posted["receipt_id"], "汇兑损益 FX difference", drop_if_zero=True)
    missing = rc[rc_missing]
    return _gl_defects("receipt_not_posted", "missing_in_gl", missing, "receipt_id", "receipt_date",
                       missing["receipt_date"].to_numpy(), missing["amount"] * missing["rate"],
                       None, None, reconciliations="cash_receipts;accounts_receivable")


def _write_off_journals(j: _Journals, write_offs: pd.DataFrame, inv: pd.DataFrame) -> None:
    """Bad debts written off: AR cleared at the invoice's rate against bad-debt expense."""
    wo = write_offs.merge(inv[["invoice_id", "company_code", "currency", "rate"]], on="invoice_id")
    k = j.keys(len(wo))
    desc = np.char.add("坏账核销 Write-off ", wo["write_off_id"].to_numpy().astype(str))
    j.add(k, wo["company_code"], wo["write_off_date"], AR, -wo["amount"] * wo["rate"], "round", wo["currency"],
          -wo["amount"], "write_off", wo["write_off_id"], desc)
    j.add(k, wo["company_code"], wo["write_off_date"], BAD_DEBT, 0, "plug", wo["currency"], wo["amount"],
          "write_off", wo["write_off_id"], desc)


def _valued(md: MasterData, moves: pd.DataFrame) -> pd.DataFrame:
    """Inventory movements with their CNY value and the inventory account of their product."""
    ptype = md.products.set_index("product_id")["product_type"]
    return moves.assign(value=moves["quantity"] * moves["unit_cost"],
                        inv_account=moves["product_id"].map(ptype).map(INVENTORY_ACCOUNT))


def _shipment_journals(j: _Journals, moves: pd.DataFrame) -> None:
    """Sales shipments: finished goods out at standard cost against cost of goods sold."""
    sh = moves[moves["movement_type"] == "sales_shipment"]
    k = j.keys(len(sh))
    desc = np.char.add("销售出库 Shipment ", sh["reference_id"].to_numpy().astype(str))
    j.add(k, sh["company_code"], sh["movement_date"], sh["inv_account"], sh["value"], "exact", "CNY", sh["value"],
          "shipment", sh["reference_id"], desc)
    j.add(k, sh["company_code"], sh["movement_date"], COGS, 0, "plug", "CNY", np.nan,
          "shipment", sh["reference_id"], desc)


def _goods_receipt_journals(j: _Journals, rng: np.random.Generator, rates: DefectRates, md: MasterData,
                            goods_receipts: pd.DataFrame) -> pd.DataFrame:
    """Goods receipts: raw materials in at standard against GRNI at the PO price, the price variance
    plugged; returns the answer-key rows of the receipts not posted."""
    gr = goods_receipts[~goods_receipts["is_orphan"]].reset_index(drop=True)
    gr_missing = pick(rng, len(gr), rates.goods_receipt_not_posted)
    gr_value = gr["quantity"] * gr["unit_cost"]
    gr_rate = md.rates_at(gr["currency"].to_numpy(), gr["receipt_date"].to_numpy())
    g = gr[~gr_missing]
    k = j.keys(len(g))
    desc = np.char.add("采购入库 Goods receipt ", g["goods_receipt_id"].to_numpy().astype(str))
    j.add(k, g["company_code"], g["receipt_date"], RM_INV, gr_value[~gr_missing], "exact", "CNY",
          gr_value[~gr_missing], "goods_receipt", g["goods_receipt_id"], desc)
    grni_tx = -(g["quantity"] * g["unit_price"]).to_numpy()
    j.add(k, g["company_code"], g["receipt_date"], GRNI, grni_tx * gr_rate[~gr_missing], "round", g["currency"],
          grni_tx, "goods_receipt", g["goods_receipt_id"], desc)
    j.add(k, g["company_code"], g["receipt_date"], PPV, 0, "plug", "CNY", np.nan, "goods_receipt",
          g["goods_receipt_id"], desc, drop_if_zero=True)
    m = gr[gr_missing]
    return _gl_defects("goods_receipt_not_posted", "missing_in_gl", m, "goods_receipt_id", "receipt_date",
                       m["receipt_date"].to_numpy(), gr_value[gr_missing], None, None, reconciliations="inventory")


def _supplier_invoice_journals(j: _Journals, rng: np.random.Generator, rates: DefectRates,
                               si: pd.DataFrame) -> list[pd.DataFrame]:
    """Supplier invoices: AP against input VAT and GRNI; returns the answer-key rows of those not
    posted or posted with a wrong amount."""
    si_missing = pick(rng, len(si), rates.supplier_invoice_not_posted)
    si_diff_mask = pick(rng, len(si), rates.supplier_invoice_posting_amount_diff) & ~si_missing
    si_diff = np.where(si_diff_mask, rng.choice([-1, 1], len(si)) * np.round(rng.uniform(1, 500, len(si)), 2), 0.0)
    p = si[~si_missing]
    k = j.keys(len(p))
    si_key = pd.Series(k, index=p["supplier_invoice_id"].to_numpy())
    desc = np.char.add("供应商发票 Supplier invoice ", p["supplier_invoice_id"].to_numpy().astype(str))
    gross_si = (p["net"] + p["tax"]).to_numpy()
    j.add(k, p["company_code"], p["invoice_date"], AP, -gross_si * p["rate"] - si_diff[~si_missing], "round",
          p["currency"], -gross_si, "supplier_invoice", p["supplier_invoice_id"], desc)
    j.add(k, p["company_code"], p["invoice_date"], INPUT_VAT, p["tax"] * p["rate"], "round", p["currency"],
          p["tax"], "supplier_invoice", p["supplier_invoice_id"], desc, drop_if_zero=True)
    j.add(k, p["company_code"], p["invoice_date"], GRNI, 0, "plug", p["currency"], p["net"],
          "supplier_invoice", p["supplier_invoice_id"], desc)
    ap_cny = (si["net"] + si["tax"]) * si["rate"]
    return [
        _gl_defects("supplier_invoice_not_posted", "missing_in_gl", si[si_missing], "supplier_invoice_id",
                    "invoice_date", si.loc[si_missing, "invoice_date"].to_numpy(), None,
                    ap_cny[si_missing], None, reconciliations="accounts_payable"),
        _gl_defects("supplier_invoice_posting_amount_diff", "amount_mismatch", si[si_diff_mask],
                    "supplier_invoice_id", "invoice_date", si.loc[si_diff_mask, "invoice_date"].to_numpy(),
                    None, si_diff[si_diff_mask], si_key.reindex(si.loc[si_diff_mask, "supplier_invoice_id"]).to_numpy(),
                    reconciliations="accounts_payable"),
    ]


def _supplier_payment_journals(j: _Journals, md: MasterData, payments: pd.DataFrame, si: pd.DataFrame) -> None:
    """Supplier payments: AP cleared at the invoice's rate, cash out at the payment's, FX difference plugged."""
    pay = payments.merge(si[["supplier_invoice_id", "company_code", "rate"]], on="supplier_invoice_id")
    pay_rate = md.rates_at(pay["currency"].to_numpy(), pay["payment_date"].to_numpy())
    k = j.keys(len(pay))
    desc = np.char.add("付款 Supplier payment ", pay["payment_id"].to_numpy().astype(str))
    j.add(k, pay["company_code"], pay["payment_date"], AP, pay["amount"] * pay["rate"], "round", pay["currency"],
          pay["amount"], "supplier_payment", pay["payment_id"], desc)
    j.add(k, pay["company_code"], pay["payment_date"], CASH, -pay["amount"] * pay_rate, "round", pay["currency"],
          -pay["amount"], "supplier_payment", pay["payment_id"], desc)
    j.add(k, pay["company_code"], pay["payment_date"], FX, 0, "plug", "CNY", np.nan, "supplier_payment",
          pay["payment_id"], "汇兑损益 FX difference", drop_if_zero=True)


def _with_journal_ids(defects: list[pd.DataFrame], lines: pd.DataFrame) -> pd.DataFrame:
    """The answer-key rows, each naming the journal that shows its defect (none if it is missing)."""
    key_to_id = lines.drop_duplicates("jkey").set_index("jkey")["journal_id"]
    out = pd.concat(defects, ignore_index=True)
    out["journal_ids"] = [key_to_id.get(k, None) if pd.notna(k) else None for k in out.pop("jkey")]
    return out


def _gl_defects(kind: str, reason: str, docs: pd.DataFrame, id_col: str, date_col: str, posting_day,
                revenue_cny, ar_or_ap_cny, jkeys, reconciliations: str = "revenue;accounts_receivable") -> pd.DataFrame:
    n = len(docs)

    def values(v):
        return np.full(n, np.nan) if v is None else np.round(np.asarray(v, dtype=float), 2)

    return pd.DataFrame({
        "defect_type": kind, "break_reason": reason, "reconciliations": reconciliations,
        "extract": "fin_journal_lines", "document_id": docs[id_col].to_numpy(), "line_no": None,
        "company_code": docs["company_code"].to_numpy(),
        "document_date": docs[date_col].to_numpy().astype("datetime64[D]"),
        "posting_date": np.asarray(posting_day).astype("datetime64[D]") if n else np.array([], "datetime64[D]"),
        "revenue_cny": values(revenue_cny), "balance_cny": values(ar_or_ap_cny),
        "jkey": np.full(n, np.nan) if jkeys is None else np.asarray(jkeys, dtype=float),
    })


def _production_journals(j: _Journals, prod: Production, moves: pd.DataFrame) -> None:
    issue = moves[moves["movement_type"] == "production_issue"]
    wo_company = current(prod.work_orders, ["work_order_id"]).set_index("work_order_id")["company_code"]
    # One journal per work order for its issues.
    wo_ids = issue["reference_id"].to_numpy()
    uniq, inverse = np.unique(wo_ids, return_inverse=True)
    k = j.keys(len(uniq))
    desc = "生产领料 Material issue"
    j.add(k[inverse], issue["company_code"], issue["movement_date"], issue["inv_account"], issue["value"], "exact",
          "CNY", issue["value"], "production", issue["reference_id"], desc)
    first = np.unique(inverse, return_index=True)[1]
    j.add(k, issue["company_code"].to_numpy()[first], issue["movement_date"].to_numpy()[first], WIP, 0, "plug",
          "CNY", np.nan, "production", uniq, desc)
    for cost_type, credit, desc in (("labor", PAYROLL, "人工成本 Labour"), ("overhead", OVERHEAD, "制造费用 Overhead")):
        c = prod.costs[prod.costs["cost_type"] == cost_type]
        kc = j.keys(len(c))
        company = wo_company.reindex(c["work_order_id"]).to_numpy()
        j.add(kc, company, c["posting_date"], WIP, c["amount"], "exact", "CNY", c["amount"], "production",
              c["work_order_id"], desc)
        j.add(kc, company, c["posting_date"], credit, 0, "plug", "CNY", np.nan, "production", c["work_order_id"], desc)
    # Completion: finished goods in at standard, work in progress closed, variance booked.
    rec = moves[moves["movement_type"] == "production_receipt"]
    kr = j.keys(len(rec))
    total = prod.costs.groupby("work_order_id")["amount"].sum().reindex(rec["reference_id"]).to_numpy()
    desc = "完工入库 Production receipt"
    j.add(kr, rec["company_code"], rec["movement_date"], rec["inv_account"], rec["value"], "exact", "CNY",
          rec["value"], "production", rec["reference_id"], desc)
    j.add(kr, rec["company_code"], rec["movement_date"], WIP, -total, "exact", "CNY", -total, "production",
          rec["reference_id"], desc)
    j.add(kr, rec["company_code"], rec["movement_date"], PROD_VAR, 0, "plug", "CNY", np.nan, "production",
          rec["reference_id"], "生产成本差异 Production variance", drop_if_zero=True)


def _opening_journals(j: _Journals, moves: pd.DataFrame) -> None:
    """期初余额: opening stock and cash against paid-in capital, one journal per company."""
    ob = (moves[moves["movement_type"] == "opening_balance"]
          .groupby(["company_code", "inv_account"], as_index=False)["value"].sum())
    for company in COMPANIES:
        rows = ob[ob["company_code"] == company]
        k = j.keys(1)
        ref = opening_reference(company)
        n = len(rows)
        j.add(np.repeat(k, n), company, np.full(n, cal.START), rows["inv_account"], rows["value"], "exact", "CNY",
              rows["value"], "manual", ref, "期初余额 Opening balance")
        j.add(k, company, [cal.START], CASH, [30_000_000.0], "exact", "CNY", [30_000_000.0], "manual", ref,
              "期初余额 Opening balance")
        j.add(k, company, [cal.START], CAPITAL, 0, "plug", "CNY", np.nan, "manual", ref, "期初余额 Opening balance")


def _manual_journals(cfg: GeneratorConfig, rng: np.random.Generator, j: _Journals) -> pd.DataFrame:
    """Month-end manual journals. Accruals to admin expenses are routine and touch no
    reconciled account; manual revenue accruals straight to AR are reconciliation breaks."""
    months = np.arange(cal.START.astype("datetime64[M]"), cal.END.astype("datetime64[M]") + 1)
    month_end = (months + 1).astype("datetime64[D]") - 1
    company = np.repeat(np.array(COMPANIES), len(months))
    day = np.tile(month_end, len(COMPANIES))
    k = j.keys(len(day))
    amount = np.round(rng.uniform(20_000, 90_000, len(day)), 2)
    j.add(k, company, day, ADMIN, amount, "exact", "CNY", amount, "manual", None, "月末计提 Month-end accrual")
    j.add(k, company, day, ACCRUALS, 0, "plug", "CNY", np.nan, "manual", None, "月末计提 Month-end accrual")
    rate = cfg.defects.manual_journals_per_company_month
    chosen = pick(rng, len(day), min(rate, 1.0))
    kd = j.keys(int(chosen.sum()))
    amt = np.round(rng.uniform(5_000, 120_000, chosen.sum()), 2)
    desc = "手工调整收入 Manual revenue adjustment"
    j.add(kd, company[chosen], day[chosen], AR, amt, "exact", "CNY", amt, "manual", None, desc)
    j.add(kd, company[chosen], day[chosen], REVENUE, -amt, "exact", "CNY", -amt, "manual", None, desc)
    out = pd.DataFrame({
        "defect_type": "manual_journal", "break_reason": "manual_journal",
        "reconciliations": "revenue;accounts_receivable", "extract": "fin_journal_lines", "document_id": None,
        "line_no": None, "company_code": company[chosen], "document_date": day[chosen], "posting_date": day[chosen],
        "revenue_cny": amt, "balance_cny": amt, "jkey": kd.astype(float),
    })
    return out


def _rounding_streams(df: pd.DataFrame) -> pd.DataFrame:
    """Which running total each rounded line belongs to. Balance accounts (AR, AP…) run over
    the whole history, so month-end balances are exact to the cent. Revenue and cash
    receipts are reconciled as monthly flows, so they restart every month (and cash runs
    apart per source type), keeping each month's total exact to the cent as well."""
    monthly = df["account_code"].isin([REVENUE, CASH]).to_numpy()
    by_source = (df["account_code"] == CASH).to_numpy()
    month = df["posting_date"].to_numpy().astype("datetime64[M]").astype(np.int64)
    return pd.DataFrame({"company": df["company_code"].to_numpy(), "account": df["account_code"].to_numpy(),
                         "source": np.where(by_source, df["source_type"], ""),
                         "month": np.where(monthly, month, -1)}, index=df.index)


def _earlier_shards(stream_flows: pd.Series | None, lines: pd.DataFrame) -> np.ndarray:
    """For each line (STREAM_KEY + posting_month), the exact total of its stream in the shards
    before this one, through the line's posting month."""
    if stream_flows is None or stream_flows.empty:
        return np.zeros(len(lines))
    flows = stream_flows.rename("flow").reset_index().sort_values([*STREAM_KEY, "posting_month"])
    flows["through"] = flows.groupby(STREAM_KEY)["flow"].cumsum()
    ordered = lines.assign(position=np.arange(len(lines))).sort_values("posting_month")
    matched = pd.merge_asof(ordered, flows.sort_values("posting_month")[[*STREAM_KEY, "posting_month", "through"]],
                            on="posting_month", by=STREAM_KEY, direction="backward")
    return matched.sort_values("position")["through"].fillna(0.0).to_numpy()


def _finalise(df: pd.DataFrame, rng: np.random.Generator,
              stream_flows: pd.Series | None) -> tuple[pd.DataFrame, pd.Series]:
    """Round, balance each journal with its plug line, number journals by posting date; also
    the streams' exact flows per month, with those of the shards before."""
    rounded = df["kind"] == "round"
    df["stream"] = -1
    df.loc[rounded, "stream"] = _rounding_streams(df[rounded]).groupby(STREAM_KEY, sort=True).ngroup()
    r = df[rounded].sort_values(["stream", "posting_date", "jkey", "seq"])
    stream = r["stream"].to_numpy()
    lines = _rounding_streams(r).assign(
        posting_month=r["posting_date"].to_numpy().astype("datetime64[M]").astype(np.int64))
    # Rounded on top of the earlier shards' exact total of the month, so that at every month end
    # the shards' rounded totals add up to the rounded exact total of them all (they telescope).
    earlier = _earlier_shards(stream_flows, lines)
    running = r.groupby(stream, sort=False)["amount"].cumsum().to_numpy()
    cum_rounded = np.round(earlier + running, 2) - np.round(earlier, 2)
    prev = np.r_[0.0, cum_rounded[:-1]]
    prev[group_seq(stream) == 0] = 0.0
    df.loc[r.index, "amount"] = np.round(cum_rounded - prev, 2)
    flows = r["amount"].groupby([lines[c] for c in [*STREAM_KEY, "posting_month"]]).sum()
    if stream_flows is not None:
        flows = flows.add(stream_flows, fill_value=0.0)
    exact = df["kind"] == "exact"
    df.loc[exact, "amount"] = np.round(df.loc[exact, "amount"], 2)
    plug = df["kind"] == "plug"
    others = df[~plug].groupby("jkey")["amount"].sum()
    df.loc[plug, "amount"] = np.round(-others.reindex(df.loc[plug, "jkey"]).fillna(0).to_numpy(), 2)
    no_tx = df["transaction_amount"].isna()
    df.loc[no_tx, "transaction_amount"] = df.loc[no_tx, "amount"]
    df = df[~(df["drop_if_zero"] & (df["amount"] == 0))]
    df = df[~((df["kind"] != "plug") & (df["amount"] == 0))]
    df = df.sort_values(["posting_date", "jkey", "seq"]).reset_index(drop=True)
    journal_no = pd.factorize(df["jkey"])[0]
    df["journal_id"] = ids("JV", journal_no.max() + 1, 9)[journal_no]
    df["line_no"] = group_seq(journal_no) + 1
    df["debit_amount"] = np.where(df["amount"] > 0, df["amount"], 0.0)
    df["credit_amount"] = np.where(df["amount"] < 0, -df["amount"], 0.0)
    first_line = df["line_no"].to_numpy() == 1
    entered = at_time(df.loc[first_line, "posting_date"].to_numpy(), rng, 18, 23)
    df["updated_at"] = entered[journal_no]
    return df[["journal_id", "line_no", "company_code", "posting_date", "account_code", "debit_amount",
               "credit_amount", "currency", "transaction_amount", "source_type", "source_id", "description",
               "updated_at", "jkey"]], flows
