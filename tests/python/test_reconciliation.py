"""Business–finance reconciliation (业财对账) on built warehouses: the break list against the
generator's answer key (every injected GL defect reported with its reason, document and
amount, nothing else reported), both sides of every reconciliation against the plain-pandas
books, and the clean dataset reconciling to zero everywhere."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pytest

from books import MONTHS, Books
from generated_data import clean_data, clean_warehouse, demo_data, demo_warehouse  # noqa: F401  (fixtures)
from yecai.dbt_runner import run_dbt

TOLERANCE = 0.01
# each GL posting is within a cent of the exact converted amount (cumulative rounding)
AMOUNT_TOL = 0.011
FLOW = {"revenue", "cash_receipts"}


def _read(database, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df()


@dataclass(frozen=True)
class ExpectedBreak:
    reconciliation: str
    document_key: str
    reason: str
    month: pd.Period          # the month it first shows
    difference: float         # GL − business there
    journal_id: str | None = None


def _month(day) -> pd.Period:
    return pd.Period(pd.Timestamp(day), "M")


def expected_breaks(defects: pd.DataFrame, books: Books) -> list[ExpectedBreak]:
    """What each injected GL defect must produce, from the answer key alone (plus the
    receipts' applications, for the AR effect of an unposted receipt). Amounts in the key
    are the document's CNY amount (revenue_cny: revenue, cash or stock value; balance_cny:
    AR or AP), or the posting error for amount diffs and manual journals."""
    out: list[ExpectedBreak] = []
    applied = _applied_cny_per_receipt(books)
    for d in defects.dropna(subset=["break_reason"]).itertuples():
        doc, reason, jid = d.document_id, d.break_reason, d.journal_ids if isinstance(d.journal_ids, str) else None
        doc_month, post_month = _month(d.document_date), _month(d.posting_date)
        kind = d.defect_type
        if kind == "invoice_not_posted":
            out += [ExpectedBreak("revenue", doc, reason, doc_month, -d.revenue_cny),
                    ExpectedBreak("accounts_receivable", doc, reason, doc_month, -d.balance_cny)]
        elif kind == "invoice_posting_amount_diff":
            out += [ExpectedBreak("revenue", doc, reason, doc_month, d.revenue_cny, jid),
                    ExpectedBreak("accounts_receivable", doc, reason, doc_month, d.balance_cny, jid)]
        elif kind == "invoice_posted_wrong_month":
            out += [ExpectedBreak("revenue", doc, reason, doc_month, -d.revenue_cny, jid),
                    ExpectedBreak("accounts_receivable", doc, reason, doc_month, -d.balance_cny, jid)]
        elif kind == "invoice_posted_twice":  # the duplicate shows when it is posted
            out += [ExpectedBreak("revenue", doc, reason, post_month, d.revenue_cny, jid),
                    ExpectedBreak("accounts_receivable", doc, reason, post_month, d.balance_cny, jid)]
        elif kind == "receipt_not_posted":
            out.append(ExpectedBreak("cash_receipts", doc, reason, doc_month, -d.revenue_cny))
            if applied.get(doc, 0.0) != 0.0:  # a receipt relieves AR only by its applications
                out.append(ExpectedBreak("accounts_receivable", doc, reason, doc_month, applied[doc]))
        elif kind == "goods_receipt_not_posted":
            out.append(ExpectedBreak("inventory", doc, reason, doc_month, -d.revenue_cny))
        elif kind == "supplier_invoice_not_posted":
            out.append(ExpectedBreak("accounts_payable", doc, reason, doc_month, -d.balance_cny))
        elif kind == "supplier_invoice_posting_amount_diff":
            out.append(ExpectedBreak("accounts_payable", doc, reason, doc_month, d.balance_cny, jid))
        elif kind == "manual_journal":  # names no document: the journal is the key
            out += [ExpectedBreak("revenue", jid, reason, doc_month, d.revenue_cny, jid),
                    ExpectedBreak("accounts_receivable", jid, reason, doc_month, d.balance_cny, jid)]
        else:
            raise AssertionError(f"answer key has a GL defect type this test does not know: {kind}")
    return out


def _applied_cny_per_receipt(books: Books) -> dict[str, float]:
    inv = books.sales_invoices.set_index("invoice_id")
    app = books.rows("ar_receipt_applications").join(inv[["rate"]], on="invoice_id", how="inner")
    return (app["applied_amount"] * app["rate"]).groupby(app["receipt_id"]).sum().to_dict()


@pytest.fixture(scope="module")
def books(demo_data) -> Books:
    return Books(demo_data.landing)


@pytest.fixture(scope="module")
def breaks(demo_warehouse) -> pd.DataFrame:
    df = _read(demo_warehouse, "select * from marts.fct_reconciliation_breaks")
    df["month"] = pd.to_datetime(df["month_start"]).dt.to_period("M")
    for col in ("business_amount", "gl_amount", "difference"):
        df[col] = df[col].astype(float)
    return df


@pytest.fixture(scope="module")
def expected(demo_data, books) -> list[ExpectedBreak]:
    return expected_breaks(demo_data.defects, books)


def test_every_injected_defect_is_reported_and_nothing_else(breaks, expected):
    """Precision and recall of the break list, by reconciliation and document."""
    reported = set(zip(breaks["reconciliation_code"], breaks["document_key"]))
    wanted = {(e.reconciliation, e.document_key) for e in expected}
    assert wanted, "the demo data should carry GL defects"
    assert not wanted - reported, f"missed: {sorted(wanted - reported)[:10]}"
    assert not reported - wanted, f"reported but not injected: {sorted(reported - wanted)[:10]}"


def test_each_break_has_the_right_reason_month_amount_and_journal(breaks, expected):
    by_doc = breaks.sort_values("month_start").groupby(["reconciliation_code", "document_key"])
    for e in expected:
        rows = by_doc.get_group((e.reconciliation, e.document_key))
        assert set(rows["break_reason"]) == {e.reason}, (e, set(rows["break_reason"]))
        first = rows.iloc[0]
        assert first["month"] == e.month, (e, first["month"])
        assert abs(first["difference"] - e.difference) <= AMOUNT_TOL, (e, first["difference"])
        if e.journal_id:
            journals = first["gl_journal_ids"].split(", ")
            assert e.journal_id in journals, (e, journals)
            if e.reason == "duplicate_posting":
                assert first["duplicate_journal_ids"] == e.journal_id


def test_flow_breaks_show_in_their_months_and_balance_breaks_persist(breaks, expected):
    by_doc = breaks.groupby(["reconciliation_code", "document_key"])
    for e in expected:
        rows = by_doc.get_group((e.reconciliation, e.document_key)).sort_values("month_start")
        if e.reconciliation in FLOW:
            # a cut-off break shows in the document's month and, reversed, in the posting month
            n = 2 if e.reason == "period_mismatch" else 1
            assert len(rows) == n, (e, rows[["month", "difference"]])
            assert abs(rows["difference"].sum() - (0 if n == 2 else e.difference)) <= 2 * AMOUNT_TOL
        elif e.reason == "period_mismatch":
            assert len(rows) == 1  # the balance agrees again once the posting is in
        else:
            # nothing corrects the other defects: listed at every month-end to the last
            months = rows["month"].tolist()
            assert months == list(pd.period_range(months[0], MONTHS[-1], freq="M")), e


def test_monthly_differences_match_the_books_and_are_fully_explained(demo_warehouse, books):
    """Both sides of every reconciliation equal plain pandas from the landing files; the
    difference equals Σ listed breaks + sub-cent rounding, leaving nothing unexplained."""
    monthly = _read(demo_warehouse, "select * from marts.fct_reconciliation_monthly")
    monthly["month"] = pd.to_datetime(monthly["month_start"]).dt.to_period("M")
    differences = books.reconciliation_differences()  # business − GL
    for name, expected_diff in differences.items():
        got = monthly[monthly["reconciliation_code"] == name]
        assert len(got) == len(MONTHS) * 2 or name == "cash_receipts", (name, len(got))
        table = got.pivot(index="month", columns="company_code", values="difference").astype(float)
        table = table.reindex(MONTHS).fillna(0.0)
        np.testing.assert_allclose(-table.to_numpy(), expected_diff.reindex(columns=table.columns).to_numpy(),
                                   atol=1e-6, err_msg=name)
        for col in ("explained_difference", "rounding_difference", "unexplained_difference"):
            got[col] = got[col].astype(float)
        assert (got["unexplained_difference"].abs() < 1e-6).all(), name
        assert np.allclose(got["explained_difference"] + got["rounding_difference"],
                           got["difference"].astype(float), atol=1e-6), name
        assert ((got["difference"].astype(float).abs() <= TOLERANCE) == got["is_clean"]).all(), name


def test_business_side_is_the_published_indicator(demo_warehouse):
    """统一口径: the reconciliation's business side is the number the metric layer publishes."""
    sql = """
        select r.reconciliation_code, r.company_code, r.month_start, r.business_amount, m.numerator
        from marts.fct_reconciliation_monthly r
        join (
            select metric_code, company_code, month_start, sum(numerator) as numerator
            from marts.fct_metric_components
            where metric_code in ('revenue', 'inventory_value')
            group by all
        ) m on m.company_code = r.company_code and m.month_start = r.month_start
            and m.metric_code = case r.reconciliation_code when 'revenue' then 'revenue' else 'inventory_value' end
        where r.reconciliation_code in ('revenue', 'inventory')
    """
    df = _read(demo_warehouse, sql)
    assert len(df) > 100
    assert np.allclose(df["business_amount"].astype(float), df["numerator"].astype(float), atol=1e-6)


def test_clean_books_reconcile_to_zero_everywhere(clean_warehouse):
    monthly = _read(clean_warehouse, "select * from marts.fct_reconciliation_monthly")
    assert set(monthly["reconciliation_code"]) == {
        "revenue", "accounts_receivable", "inventory", "accounts_payable", "cash_receipts"}
    assert monthly["is_clean"].all(), monthly[~monthly["is_clean"]].head()
    assert (monthly["difference"].astype(float).abs() <= TOLERANCE).all()
    assert (monthly["break_count"] == 0).all()
    assert (monthly["unexplained_difference"].astype(float).abs() < 1e-6).all()
    assert _read(clean_warehouse, "select count(*) as n from marts.fct_reconciliation_breaks")["n"].iloc[0] == 0


def test_unexplained_remainder_test_fails_when_marts_and_documents_disagree(demo_warehouse, tmp_path):
    """The singular test assert_reconciliation_fully_explained can fail: drop one open
    supplier invoice from the AP balance mart of a copy, rebuild the monthly reconciliation,
    and the test must report the company-months it no longer explains."""
    copy = tmp_path / "tampered.duckdb"
    shutil.copy(demo_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        victim = con.execute(
            "select supplier_invoice_id from marts.fct_ap_balance_monthly order by month_start, supplier_invoice_id limit 1"
        ).fetchone()[0]
        con.execute("delete from marts.fct_ap_balance_monthly where supplier_invoice_id = ?", [victim])
    assert run_dbt(["run", "--select", "fct_reconciliation_monthly"], database=copy) == 0
    assert run_dbt(["test", "--select", "assert_reconciliation_fully_explained"], database=copy) != 0
