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
    reported = set(zip(breaks["reconciliation_code"], breaks["document_key"], strict=True))
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


def test_break_journal_lines_are_the_listed_journals_as_delivered(demo_warehouse, breaks, books):
    """fct_reconciliation_break_journal_lines holds, for every break, exactly the journals of
    gl_journal_ids, line by line as the GL delivered them."""
    bridge = _read(demo_warehouse, "select * from marts.fct_reconciliation_break_journal_lines")
    key = ["reconciliation_code", "company_code", "month_start", "document_type", "document_key"]
    listed = {tuple(row[k] for k in key): set(row["gl_journal_ids"].split(", "))
              if isinstance(row["gl_journal_ids"], str) else set() for _, row in breaks.iterrows()}
    found = bridge.groupby(key)["journal_id"].agg(set).to_dict()
    assert len(bridge) > 0 and set(found) <= set(listed)
    assert {k: v for k, v in listed.items() if v} == found
    delivered = books.journal_lines.set_index(["journal_id", "line_no"])
    lines = delivered.loc[list(zip(bridge["journal_id"], bridge["line_no"], strict=True))]
    assert (lines["company_code"].to_numpy() == bridge["company_code"].to_numpy()).all()
    assert np.allclose(lines["debit_amount"].astype(float), bridge["debit_amount"].astype(float))
    assert np.allclose(lines["credit_amount"].astype(float), bridge["credit_amount"].astype(float))


def test_break_subledger_records_are_the_documents_as_delivered_and_make_up_each_break(demo_warehouse, breaks, books):
    """fct_reconciliation_break_subledger_records lists, for every break with a business side,
    the delivered records that make up its business amount: each invoice's amount is the
    books' revenue (revenue) or gross (accounts_receivable) of that invoice, and each
    receipt's the books' receipt in CNY."""
    records = _read(demo_warehouse, "select * from marts.fct_reconciliation_break_subledger_records")
    key = ["reconciliation_code", "company_code", "month_start", "document_type", "document_key"]
    per_break = breaks.set_index(key)["business_amount"].astype(float)
    summed = records.groupby(key)["business_amount"].sum().astype(float).reindex(per_break.index).fillna(0.0)
    assert np.allclose(summed, per_break, atol=1e-6)
    assert set(records.groupby(key).groups) <= set(per_break.index)

    invoices = books.sales_invoices.set_index("invoice_id")
    for code, column in (("revenue", "revenue_cny"), ("accounts_receivable", "gross_cny")):
        rows = records[(records["reconciliation_code"] == code) & (records["source_extract"] == "bil_invoices")]
        assert len(rows) > 0, code
        assert np.allclose(rows["business_amount"].astype(float), invoices.loc[rows["document_key"], column],
                           atol=AMOUNT_TOL), code
    receipts = books.rows("ar_receipts").set_index("receipt_id")
    rows = records[records["source_extract"] == "ar_receipts"]
    expected = receipts.loc[rows["document_key"]]
    assert len(rows) > 0
    assert np.allclose(rows["business_amount"].astype(float),
                       expected["amount"] * books.rate(expected["currency"], expected["receipt_date"]), atol=AMOUNT_TOL)


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
            "select supplier_invoice_id from marts.fct_ap_balance_monthly "
            "order by month_start, supplier_invoice_id limit 1"
        ).fetchone()[0]
        con.execute("delete from marts.fct_ap_balance_monthly where supplier_invoice_id = ?", [victim])
    assert run_dbt(["run", "--select", "fct_reconciliation_monthly"], database=copy) == 0
    assert run_dbt(["test", "--select", "assert_reconciliation_fully_explained"], database=copy) != 0


# ---- a hand-made GL delivery with one defect of each kind, on top of the clean books ------

HAND_UPDATED_AT = pd.Timestamp("2026-01-02 09:00:00")


def _first_journal(jl: pd.DataFrame, source_type: str, company: str, account: str) -> pd.DataFrame:
    """The first journal (by id) of a source type that posts to `account`, dated before the
    28th so that a day later is still the same month."""
    cand = jl[(jl["source_type"] == source_type) & (jl["company_code"] == company)
              & (jl["account_code"] == account) & (jl["posting_date"].dt.day < 28)
              & (jl["posting_date"] < "2025-06-01")]
    return jl[jl["journal_id"] == cand["journal_id"].min()].copy()


def _role_amount(lines: pd.DataFrame, account: str, credit_normal: bool) -> float:
    on = lines[lines["account_code"] == account]
    amount = (on["debit_amount"] - on["credit_amount"]).sum()
    return float(-amount if credit_normal else amount)


def _new_journal(journal_id, company, day, source_type, source_id, debit_account, credit_account, amount):
    base = {"journal_id": journal_id, "company_code": company, "posting_date": pd.Timestamp(day),
            "currency": "CNY", "source_type": source_type, "source_id": source_id,
            "description": "hand-made test posting", "updated_at": HAND_UPDATED_AT}
    return pd.DataFrame([
        {**base, "line_no": 1, "account_code": debit_account, "debit_amount": amount, "credit_amount": 0.0,
         "transaction_amount": amount},
        {**base, "line_no": 2, "account_code": credit_account, "debit_amount": 0.0, "credit_amount": amount,
         "transaction_amount": -amount},
    ])


def hand_made_gl_delivery(landing) -> tuple[pd.DataFrame, set, dict]:
    """Changed and new GL lines (a later delta delivery) carrying one break of every reason,
    and the breaks they must produce: {(reconciliation, document_key, reason)} and the first
    difference (GL − business) of each."""
    from landing_reader import current_rows
    jl = current_rows(landing, "fin_journal_lines")
    changed, breaks, amounts = [], set(), {}

    # missing_in_gl + missing_in_subledger: a supplier invoice posted under a mistyped id
    si = _first_journal(jl, "supplier_invoice", "CN10", "2202")
    si_id = si["source_id"].iloc[0]
    ap = _role_amount(si, "2202", credit_normal=True)
    changed.append(si.assign(source_id=si_id + "-TYPO"))
    breaks |= {("accounts_payable", si_id, "missing_in_gl"),
               ("accounts_payable", si_id + "-TYPO", "missing_in_subledger")}
    amounts |= {("accounts_payable", si_id): -ap, ("accounts_payable", si_id + "-TYPO"): ap}

    # duplicate_posting: a receipt keyed in again the next day
    rc = _first_journal(jl, "receipt", "CN20", "1122")
    rc_id = rc["source_id"].iloc[0]
    changed.append(rc.assign(journal_id="JVHAND00001", posting_date=rc["posting_date"] + pd.Timedelta(days=1)))
    breaks |= {("cash_receipts", rc_id, "duplicate_posting"), ("accounts_receivable", rc_id, "duplicate_posting")}
    amounts |= {("cash_receipts", rc_id): float(rc.loc[rc["account_code"] == "1002", "debit_amount"].sum()),
                ("accounts_receivable", rc_id): _role_amount(rc, "1122", credit_normal=False)}

    # period_mismatch: a goods receipt posted a month late
    gr = _first_journal(jl, "goods_receipt", "CN20", "1403")
    gr_id = gr["source_id"].iloc[0]
    changed.append(gr.assign(posting_date=gr["posting_date"] + pd.DateOffset(months=1)))
    breaks.add(("inventory", gr_id, "period_mismatch"))
    amounts[("inventory", gr_id)] = -_role_amount(gr, "1403", credit_normal=False)

    # amount_mismatch: a supplier payment posted 100.00 too high (AP debit and cash credit)
    py = _first_journal(jl, "supplier_payment", "CN10", "2202")
    py_id = py["source_id"].iloc[0]
    py = py.copy()
    py.loc[py["account_code"] == "2202", "debit_amount"] += 100.0
    py.loc[py["account_code"] == "1002", "credit_amount"] += 100.0
    assert len(py[py["account_code"].isin(["2202", "1002"])]) == 2
    changed.append(py)
    breaks.add(("accounts_payable", py_id, "amount_mismatch"))
    amounts[("accounts_payable", py_id)] = -100.0

    # missing_in_subledger: an invoice posting naming an invoice nobody issued
    changed.append(_new_journal("JVHAND00002", "CN10", "2024-03-15", "sales_invoice", "INV-HAND-UNKNOWN",
                                "1122", "6001", 1000.0))
    breaks |= {("revenue", "INV-HAND-UNKNOWN", "missing_in_subledger"),
               ("accounts_receivable", "INV-HAND-UNKNOWN", "missing_in_subledger")}
    amounts |= {("revenue", "INV-HAND-UNKNOWN"): 1000.0, ("accounts_receivable", "INV-HAND-UNKNOWN"): 1000.0}

    # manual_journal: stock written up by hand against capital, naming no document
    changed.append(_new_journal("JVHAND00003", "CN20", "2024-05-31", "manual", None, "1405", "4001", 500.0))
    breaks.add(("inventory", "JVHAND00003", "manual_journal"))
    amounts[("inventory", "JVHAND00003")] = 500.0

    delivery = pd.concat(changed, ignore_index=True).assign(updated_at=HAND_UPDATED_AT)
    return delivery, breaks, amounts


@pytest.fixture(scope="module")
def hand_made_warehouse(clean_data, clean_warehouse, tmp_path_factory):
    """The clean warehouse plus a hand-made GL delta delivery, ingested and rebuilt."""
    root = tmp_path_factory.mktemp("hand_made")
    landing = root / "landing"
    shutil.copytree(clean_data.landing, landing)
    database = root / "yecai.duckdb"
    shutil.copy(clean_warehouse, database)
    delivery, breaks, amounts = hand_made_gl_delivery(landing)
    columns = ["journal_id", "line_no", "company_code", "posting_date", "account_code", "debit_amount",
               "credit_amount", "currency", "transaction_amount", "source_type", "source_id", "description",
               "updated_at"]
    out = delivery[columns].copy()
    out["posting_date"] = out["posting_date"].dt.strftime("%Y-%m-%d")
    out["updated_at"] = out["updated_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    for col in ("debit_amount", "credit_amount", "transaction_amount"):
        out[col] = out[col].map(lambda v: f"{v:.2f}")
    out.to_csv(landing / "fin_journal_lines" / "fin_journal_lines__20260102__001.csv", index=False)
    from yecai.ingest import ingest
    report = ingest(landing, database, progress=False)
    assert report.exit_code == 0, report.summary_text()
    # only what lies between the journal lines and the reconciliation marts is rebuilt
    reconciliation_marts = ("fct_reconciliation_monthly", "fct_reconciliation_breaks")
    between = [f"stg_fin__journal_lines+,+{mart}" for mart in reconciliation_marts]
    exit_code = run_dbt(["run", "--select", *between], database=database)
    assert exit_code == 0, "the rebuild after the hand-made delivery failed"
    assert run_dbt(["test", "--select", "assert_reconciliation_fully_explained"], database=database) == 0
    return database, breaks, amounts


def test_hand_made_breaks_are_reported_exactly(hand_made_warehouse):
    """Precision and recall on a fixture covering each reason: the reported (reconciliation,
    document, reason) set is exactly the hand-made one, with the right first amount."""
    database, expected, amounts = hand_made_warehouse
    got = _read(database, "select * from marts.fct_reconciliation_breaks order by month_start")
    assert {r for r, *_ in expected} <= set(got["reconciliation_code"])
    assert set(zip(got["reconciliation_code"], got["document_key"], got["break_reason"], strict=True)) == expected
    reasons = {reason for *_, reason in expected}
    assert reasons == {"manual_journal", "missing_in_subledger", "missing_in_gl", "duplicate_posting",
                       "period_mismatch", "amount_mismatch"}
    first = got.groupby(["reconciliation_code", "document_key"]).first()
    for key, amount in amounts.items():
        assert abs(float(first.loc[key, "difference"]) - amount) <= AMOUNT_TOL, (key, first.loc[key, "difference"])
    monthly = _read(database, "select * from marts.fct_reconciliation_monthly")
    assert (monthly["unexplained_difference"].astype(float).abs() < 1e-6).all()
