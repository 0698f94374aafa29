"""Finance control marts of the built demo warehouse against plain pandas computed straight
from the landing files (current versions via books.Books), never from the SQL under test:

- fct_document_chain_exceptions (单据链异常): the same documents are listed with the same
  exception type, gap quantity and gap value (document currency and CNY to the cent), age
  and as-of date;
- fct_trial_balance_monthly (试算平衡表): assets, liabilities, equity, retained earnings and
  current-year result of every company-month equal the journal lines summed by account
  type, and the demo books balance everywhere."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from books import Books

KEY = ["exception_type", "document_type", "document_id", "line_no"]
CNY_TOL = 0.01


@pytest.fixture(scope="module")
def books(demo_data) -> Books:
    return Books(demo_data.landing)


@pytest.fixture(scope="module")
def query(demo_warehouse):
    def run(sql: str) -> pd.DataFrame:
        with duckdb.connect(str(demo_warehouse), read_only=True) as con:
            return con.execute(sql).df()
    return run


# ---- the reference: document chains from the landing files -------------------------------

def _exceptions(df: pd.DataFrame, exception_type: str, document_type: str, **columns: str) -> pd.DataFrame:
    out = pd.DataFrame({"exception_type": exception_type, "document_type": document_type}, index=df.index)
    for target, source in columns.items():
        out[target] = df[source]
    return out


def expected_exceptions(books: Books) -> pd.DataFrame:
    """Every incomplete chain as the brief and the mart description define it."""
    # sales: order lines of known orders, what shipped and what was invoiced on each
    orders = books.rows("erp_sales_orders")
    order_lines = books.rows("erp_sales_order_lines").merge(
        orders[["order_id", "company_code", "customer_id", "currency", "order_date", "order_status"]],
        on="order_id")
    line_key = order_lines[["order_id", "line_no"]].rename(columns={"line_no": "order_line_no"})

    shipments = books.rows("wms_shipments").merge(line_key, on=["order_id", "order_line_no"])
    shipped = shipments.groupby(["order_id", "order_line_no"]).agg(
        shipped=("quantity", "sum"), last_ship_date=("ship_date", "max"))

    invoices = books.rows("bil_invoices")
    invoices = invoices[(invoices["invoice_status"] == "issued") & (invoices["invoice_type"] == "invoice")]
    invoice_lines = books.rows("bil_invoice_lines").merge(
        invoices[["invoice_id", "company_code", "customer_id", "currency", "invoice_date"]], on="invoice_id")
    on_order_line = invoice_lines.merge(line_key, on=["order_id", "order_line_no"])
    invoiced = on_order_line.groupby(["order_id", "order_line_no"]).agg(
        invoiced=("quantity", "sum"), last_invoice_date=("invoice_date", "max"))

    ol = order_lines.join(shipped, on=["order_id", "line_no"]).join(invoiced, on=["order_id", "line_no"])
    ol[["shipped", "invoiced"]] = ol[["shipped", "invoiced"]].fillna(0.0)
    ol["rate"] = books.rate(ol["currency"], ol["order_date"])
    ol["counterparty_id"] = ol["customer_id"]

    sni = ol[(ol["order_status"] != "cancelled") & (ol["shipped"] > ol["invoiced"])].copy()
    sni["gap_quantity"] = sni["shipped"] - sni["invoiced"]
    sni["document_date"] = sni["last_ship_date"]

    ins = ol[ol["invoiced"] > ol["shipped"]].copy()
    ins["gap_quantity"] = ins["invoiced"] - ins["shipped"]
    ins["document_date"] = ins["last_invoice_date"]

    columns = dict(document_id="order_id", line_no="line_no", company_code="company_code",
                   counterparty_id="counterparty_id", product_id="product_id", currency="currency",
                   gap_quantity="gap_quantity", rate="rate", document_date="document_date")
    frames = []
    for df, exception_type in [(sni, "shipped_not_invoiced"), (ins, "invoiced_not_shipped")]:
        df["gap_amount"] = df["gap_quantity"] * df["unit_price"]
        frames.append(_exceptions(df, exception_type, "sales_order_line", gap_amount="gap_amount", **columns))

    # invoice lines naming no existing order line: their whole quantity and net amount
    known = pd.MultiIndex.from_frame(line_key)
    names_line = pd.MultiIndex.from_frame(invoice_lines[["order_id", "order_line_no"]]).isin(known)
    orphan = invoice_lines[~names_line].copy()
    orphan["rate"] = books.rate(orphan["currency"], orphan["invoice_date"])
    frames.append(_exceptions(
        orphan, "invoiced_not_shipped", "invoice_line", document_id="invoice_id", line_no="line_no",
        company_code="company_code", counterparty_id="customer_id", product_id="product_id",
        currency="currency", gap_quantity="quantity", gap_amount="net_amount", rate="rate",
        document_date="invoice_date"))

    # cash: receipts less their applications to issued documents in the receipt's currency
    receipts = books.rows("ar_receipts")
    issued = books.rows("bil_invoices")
    issued = issued.loc[issued["invoice_status"] == "issued", ["invoice_id", "currency"]]
    applications = books.rows("ar_receipt_applications").merge(issued, on="invoice_id").merge(
        receipts[["receipt_id", "currency"]], on=["receipt_id", "currency"])
    applied = applications.groupby("receipt_id")["applied_amount"].sum()
    receipts["unapplied"] = receipts["amount"] - receipts["receipt_id"].map(applied).fillna(0.0)
    cash = receipts[receipts["unapplied"] > 0.005].copy()
    cash["rate"] = books.rate(cash["currency"], cash["receipt_date"])
    cash["line_no"] = pd.NA
    cash["product_id"] = None
    cash["gap_quantity"] = np.nan
    frames.append(_exceptions(
        cash, "unapplied_cash", "receipt", document_id="receipt_id", line_no="line_no",
        company_code="company_code", counterparty_id="customer_id", product_id="product_id",
        currency="currency", gap_quantity="gap_quantity", gap_amount="unapplied", rate="rate",
        document_date="receipt_date"))

    # GRNI: lines of live purchase orders, received vs on issued supplier invoices
    pos = books.rows("erp_purchase_orders")
    pos = pos[pos["po_status"] != "cancelled"]
    po_lines = books.rows("erp_purchase_order_lines").merge(
        pos[["po_id", "company_code", "supplier_id", "currency"]], on="po_id")
    goods_receipts = books.rows("wms_goods_receipts")
    received = goods_receipts.groupby(["po_id", "po_line_no"]).agg(
        received=("quantity", "sum"), last_receipt_date=("receipt_date", "max"))
    supplier_invoices = books.rows("ap_supplier_invoices")
    supplier_invoices = supplier_invoices[supplier_invoices["invoice_status"] == "issued"]
    si_lines = books.rows("ap_supplier_invoice_lines").merge(
        supplier_invoices[["supplier_invoice_id"]], on="supplier_invoice_id")
    po_invoiced = si_lines.groupby(["po_id", "po_line_no"])["quantity"].sum().rename("invoiced")
    pl = po_lines.join(received, on=["po_id", "line_no"]).join(po_invoiced, on=["po_id", "line_no"])
    pl[["received", "invoiced"]] = pl[["received", "invoiced"]].fillna(0.0)
    grni = pl[pl["received"] > pl["invoiced"]].copy()
    grni["gap_quantity"] = grni["received"] - grni["invoiced"]
    grni["gap_amount"] = grni["gap_quantity"] * grni["unit_price"]
    grni["rate"] = books.rate(grni["currency"], grni["last_receipt_date"])
    frames.append(_exceptions(
        grni, "goods_received_not_invoiced", "purchase_order_line", document_id="po_id", line_no="line_no",
        company_code="company_code", counterparty_id="supplier_id", product_id="product_id",
        currency="currency", gap_quantity="gap_quantity", gap_amount="gap_amount", rate="rate",
        document_date="last_receipt_date"))

    out = pd.concat(frames, ignore_index=True)
    out["gap_amount_cny"] = out["gap_amount"] * out["rate"]

    # the end of the data: latest document of shipments (known orders), issued sales
    # invoices, receipts, goods receipts (live POs) and issued supplier invoices
    all_issued = books.rows("bil_invoices")
    known_order_shipments = books.rows("wms_shipments").merge(orders[["order_id"]], on="order_id")
    live_po_receipts = goods_receipts.merge(pos[["po_id"]], on="po_id")
    as_of = max(known_order_shipments["ship_date"].max(),
                all_issued.loc[all_issued["invoice_status"] == "issued", "invoice_date"].max(),
                receipts["receipt_date"].max(), live_po_receipts["receipt_date"].max(),
                supplier_invoices["invoice_date"].max())
    out["as_of_date"] = as_of
    out["age_days"] = (as_of - out["document_date"]).dt.days
    out["line_no"] = out["line_no"].astype("Int64")
    return out.set_index(KEY).sort_index()


@pytest.fixture(scope="module")
def expected(books) -> pd.DataFrame:
    return expected_exceptions(books)


@pytest.fixture(scope="module")
def actual(query) -> pd.DataFrame:
    df = query("""
        select exception_type, document_type, document_id, line_no, company_code,
               counterparty_id, product_id, currency,
               cast(gap_quantity as double) as gap_quantity,
               cast(gap_amount as double) as gap_amount,
               cast(fx_rate_to_cny as double) as rate,
               cast(gap_amount_cny as double) as gap_amount_cny,
               document_date, as_of_date, age_days
        from marts.fct_document_chain_exceptions""")
    df["line_no"] = df["line_no"].astype("Int64")
    for column in ["document_date", "as_of_date"]:
        df[column] = pd.to_datetime(df[column])
    return df.set_index(KEY).sort_index()


# ---- document chain ---------------------------------------------------------------------

def test_every_exception_type_occurs_in_the_demo_data(expected):
    counts = expected.groupby(["exception_type", "document_type"]).size()
    assert set(counts.index) == {
        ("shipped_not_invoiced", "sales_order_line"), ("invoiced_not_shipped", "sales_order_line"),
        ("invoiced_not_shipped", "invoice_line"), ("unapplied_cash", "receipt"),
        ("goods_received_not_invoiced", "purchase_order_line")}, counts


def test_the_same_documents_are_listed(actual, expected):
    missing = expected.index.difference(actual.index)
    extra = actual.index.difference(expected.index)
    assert missing.empty and extra.empty, (
        f"missing from the mart: {list(missing[:10])}; not expected: {list(extra[:10])}")
    assert actual.index.is_unique


def test_gap_quantities_and_amounts(actual, expected):
    a = actual.reindex(expected.index)
    quantity = (a["gap_quantity"] - expected["gap_quantity"]).abs()
    assert (quantity.fillna(0) < 1e-6).all() and (a["gap_quantity"].isna() == expected["gap_quantity"].isna()).all()
    assert ((a["gap_amount"] - expected["gap_amount"]).abs() < CNY_TOL).all()
    assert ((a["rate"] - expected["rate"]).abs() < 1e-9).all()
    bad = (a["gap_amount_cny"] - expected["gap_amount_cny"]).abs() >= CNY_TOL
    assert not bad.any(), pd.DataFrame({"actual": a["gap_amount_cny"],
                                        "expected": expected["gap_amount_cny"]})[bad].head(10)
    assert (expected["gap_amount"] > 0).all()


def test_totals_per_exception_type_to_the_cent(actual, expected):
    by_type = ["exception_type", "document_type"]
    a = actual.groupby(by_type)["gap_amount_cny"].sum()
    e = expected.groupby(by_type)["gap_amount_cny"].sum()
    assert ((a - e).abs() < CNY_TOL).all(), pd.DataFrame({"actual": a, "expected": e})


def test_counterparty_company_and_dates(actual, expected):
    a = actual.reindex(expected.index)
    for column in ["company_code", "counterparty_id", "currency", "document_date", "as_of_date"]:
        assert (a[column] == expected[column]).all(), column
    assert (a["product_id"].fillna("") == expected["product_id"].fillna("")).all()
    assert (a["age_days"].astype(int) == expected["age_days"].astype(int)).all()
    assert actual["as_of_date"].nunique() == 1


# ---- trial balance ------------------------------------------------------------------------

def expected_trial_balance(books: Books) -> pd.DataFrame:
    """Per company and month from the company's first posting to the ledger's last month:
    period debits and credits, and the closing balances by account type in their normal sign,
    results of earlier calendar years as retained earnings (there are no closing journals)."""
    jl = books.journal_lines
    months = pd.period_range(jl["month"].min(), jl["month"].max(), freq="M")
    first = jl.groupby("company_code")["month"].min()
    grid = pd.MultiIndex.from_tuples(
        [(c, m) for c in first.index for m in months if m >= first[c]], names=["company_code", "month"])

    flows = (jl.groupby(["company_code", "month", "account_type"])["amount"].sum()
             .unstack("account_type").reindex(grid).fillna(0.0))
    closing = flows.groupby(level="company_code").cumsum()
    period = jl.groupby(["company_code", "month"])[["debit_amount", "credit_amount"]].sum().reindex(grid).fillna(0.0)

    result = -(flows.get("revenue", 0.0) + flows.get("expense", 0.0))
    years = pd.Series(grid.get_level_values("month").year, index=grid)
    current_year = result.groupby([grid.get_level_values("company_code"), years.to_numpy()]).cumsum()
    cumulative = result.groupby(level="company_code").cumsum()
    return pd.DataFrame({
        "period_debit_amount": period["debit_amount"],
        "period_credit_amount": period["credit_amount"],
        "total_assets": closing["asset"],
        "total_liabilities": -closing["liability"],
        "total_equity": -closing["equity"],
        "retained_earnings": cumulative - current_year,
        "current_year_result": current_year,
    })


def test_trial_balance_equals_the_journal_lines_by_account_type(query, books):
    expected = expected_trial_balance(books)
    assert (expected["retained_earnings"].abs() > 1).any(), "the demo data should span several years"
    actual = query("""
        select company_code, month_start,
               cast(period_debit_amount as double) as period_debit_amount,
               cast(period_credit_amount as double) as period_credit_amount,
               cast(total_assets as double) as total_assets,
               cast(total_liabilities as double) as total_liabilities,
               cast(total_equity as double) as total_equity,
               cast(retained_earnings as double) as retained_earnings,
               cast(current_year_result as double) as current_year_result
        from marts.fct_trial_balance_monthly""")
    actual["month"] = pd.to_datetime(actual["month_start"]).dt.to_period("M")
    actual = actual.set_index(["company_code", "month"]).drop(columns="month_start")
    assert sorted(actual.index) == sorted(expected.index)
    diff = (actual.reindex(expected.index)[expected.columns] - expected).abs()
    assert (diff < 0.005).all().all(), diff[(diff >= 0.005).any(axis=1)].head(10)


def test_the_demo_books_balance_every_company_month(query):
    rows = query("""
        select company_code, month_start, is_balanced,
               cast(balance_sheet_difference as double) as difference,
               cast(period_imbalance as double) as imbalance
        from marts.fct_trial_balance_monthly""")
    assert len(rows) > 0
    assert rows["is_balanced"].all(), rows[~rows["is_balanced"]].head(10)
    assert (rows["difference"].abs() < 0.005).all() and (rows["imbalance"].abs() < 0.005).all()
