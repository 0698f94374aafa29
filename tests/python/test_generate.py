"""The generator: deterministic, conforming to the contract, consistent end to end, and
injecting exactly the defects its answer key lists."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from books import Books
from landing_reader import current_rows, read_delivery

from yecai.contract import load_contract
from yecai.generate import generate
from yecai.generate.targets import metric_codes

CONTRACT = load_contract()
FORMATS = {
    "integer": re.compile(r"^[+-]?\d+$"),
    "decimal": re.compile(r"^[+-]?\d+(\.\d+)?$"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "timestamp": re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?$"),
}


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    runs = {}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        generate(tmp_path / name / "landing", tmp_path / name / "key", scale=0.002, seed=seed)
        runs[name] = _digests(tmp_path / name)
    assert runs["a"] == runs["b"]
    assert len(runs["a"]) > 200
    assert runs["a"] != runs["c"]


def test_landing_folder_with_foreign_files_is_not_overwritten(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "precious.csv").write_text("x\n1\n")
    with pytest.raises(FileExistsError, match="did not write"):
        generate(landing, tmp_path / "key", scale=0.002)
    assert (landing / "precious.csv").exists()


def test_every_delivery_conforms_to_the_contract(demo_data):
    landing = demo_data.landing
    assert {p.name for p in landing.iterdir() if p.is_dir()} == set(CONTRACT)
    for name, extract in CONTRACT.items():
        files = [p for p in (landing / name).iterdir()]
        assert files, f"{name}: no delivery"
        for path in files:
            df = read_delivery(path)
            assert list(df.columns) == extract.column_names, path.name
            assert len(df) > 0, path.name
            for col in extract.columns:
                values = df[col.name]
                if col.required:
                    assert values.notna().all(), f"{path.name}: {col.name} has empty required values"
                present = values.dropna()
                if col.type in FORMATS:
                    bad = present[~present.str.match(FORMATS[col.type])]
                    assert bad.empty, f"{path.name}: {col.name} not a {col.type}: {bad.head(3).tolist()}"
                if col.values:
                    assert set(present) <= set(col.values), f"{path.name}: {col.name} outside enum"


def test_file_names_sort_by_delivery_time(demo_data):
    for folder in demo_data.landing.iterdir():
        if folder.is_dir():
            days = [p.name.split("__")[1] for p in sorted(folder.iterdir())]
            assert days == sorted(days)


def test_delivery_quirks_are_present(demo_data):
    landing = demo_data.landing
    gbk = next((landing / "crm_customers").glob("*20260101*"))
    raw = gbk.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "有限公司" in raw.decode("gb18030")
    assert next((landing / "srm_suppliers").glob("*20260101*")).read_bytes().startswith(b"\xef\xbb\xbf")
    assert list((landing / "fin_kpi_targets").glob("*.xlsx"))
    assert list((landing / "fin_journal_lines").glob("*.parquet"))
    assert list((landing / "ar_receipts").glob("*.jsonl"))
    shipments = sorted((landing / "wms_shipments").glob("*20230701*"))
    assert len(shipments) == 2 and shipments[0].read_bytes() == shipments[1].read_bytes()
    # Later deltas change earlier rows: some orders change status in a later delivery.
    versions = pd.concat([read_delivery(p).assign(file=p.name)
                          for p in sorted((landing / "erp_sales_orders").iterdir())])
    per_order = versions.groupby("order_id").agg(files=("file", "nunique"), statuses=("order_status", "nunique"))
    assert ((per_order["files"] > 1) & (per_order["statuses"] > 1)).sum() > 10


def test_scale_gives_realistic_proportions(demo_data):
    books = Books(demo_data.landing)
    order_lines = len(books.rows("erp_sales_order_lines"))
    assert 8_500 <= order_lines <= 11_500  # SF 0.01 ≈ 10,000 lines
    assert len(books.rows("fin_journal_lines")) > 4 * order_lines
    assert set(books.rows("erp_sales_orders")["currency"]) == {"CNY", "USD", "EUR"}
    assert set(books.rows("ap_supplier_invoices")["currency"]) >= {"CNY", "USD", "EUR"}
    assert set(books.rows("erp_sales_orders")["company_code"]) == {"CN10", "CN20"}
    months = books.rows("erp_sales_orders")["order_date"].dt.to_period("M").nunique()
    assert months == 36


def test_kpi_targets_cover_every_metric_company_and_month(demo_data):
    targets = current_rows(demo_data.landing, "fin_kpi_targets")
    assert len(metric_codes()) == 20
    assert set(targets["metric_code"]) == set(metric_codes())
    assert len(targets) == 20 * 2 * 36
    assert not targets.duplicated(["company_code", "fiscal_month", "metric_code"]).any()


def test_every_journal_balances(demo_data):
    jl = Books(demo_data.landing).journal_lines
    balance = jl.groupby("journal_id")["amount"].sum().round(2)
    assert (balance == 0).all()


def test_clean_books_reconcile_to_the_cent(clean_data):
    """With no injected defect, every reconciliation of the charter ties for every
    company and month (business side exact, GL in cents)."""
    assert clean_data.defects.empty
    for name, diff in Books(clean_data.landing).reconciliation_differences().items():
        worst = diff.fillna(0).abs().max().max()
        assert worst <= 0.01, f"{name}: off by {worst:.4f}"


def test_clean_books_have_no_billing_errors(clean_data):
    books = Books(clean_data.landing)
    inv = books.sales_invoices
    lines = books.rows("bil_invoice_lines").merge(inv[["invoice_id", "invoice_type", "invoice_date"]], on="invoice_id")
    lines = lines[lines["invoice_type"] == "invoice"]
    order_lines = books.rows("erp_sales_order_lines").rename(columns={"line_no": "order_line_no"})
    joined = lines.merge(order_lines, on=["order_id", "order_line_no"], suffixes=("", "_order"))
    assert len(joined) == len(lines)  # no orphans
    assert (joined["product_id"] == joined["product_id_order"]).all()
    assert ((joined["unit_price"] - joined["unit_price_order"]).abs() <= 0.005).all()
    # Cumulative invoiced ≤ shipped by the invoice date.
    ships = books.rows("wms_shipments")
    joined = joined.sort_values(["invoice_date", "invoice_id", "line_no"])
    joined["cum_invoiced"] = joined.groupby(["order_id", "order_line_no"])["quantity"].cumsum()
    merged = joined.merge(ships[["order_id", "order_line_no", "ship_date", "quantity"]],
                          on=["order_id", "order_line_no"], suffixes=("", "_ship"))
    shipped = (merged[merged["ship_date"] <= merged["invoice_date"]]
               .groupby(["invoice_id", "line_no"])["quantity_ship"].sum())
    check = joined.set_index(["invoice_id", "line_no"])["cum_invoiced"]
    assert (check <= shipped.reindex(check.index).fillna(0) + 1e-9).all()


def test_every_issued_document_is_posted_once_in_clean_books(clean_data):
    books = Books(clean_data.landing)
    jl = books.journal_lines
    posted = jl.groupby(["source_type", "source_id"])["journal_id"].nunique()
    inv = books.sales_invoices
    for doc_type, ids in (("sales_invoice", inv.loc[inv["invoice_type"] == "invoice", "invoice_id"]),
                          ("credit_note", inv.loc[inv["invoice_type"] == "credit_note", "invoice_id"]),
                          ("receipt", books.rows("ar_receipts")["receipt_id"]),
                          ("supplier_invoice", books.supplier_invoices["supplier_invoice_id"]),
                          ("write_off", books.rows("ar_write_offs")["write_off_id"])):
        counts = posted.loc[doc_type].reindex(ids)
        assert (counts == 1).all(), f"{doc_type}: {counts.isna().sum()} unposted, {(counts > 1).sum()} repeated"


def _key(report, kind: str) -> pd.DataFrame:
    rows = report.defects[report.defects["defect_type"] == kind]
    assert not rows.empty, f"no {kind} injected"
    return rows


def test_every_defect_type_is_injected_and_recorded(demo_data):
    expected = {
        "invoice_not_posted", "invoice_posting_amount_diff", "invoice_posted_wrong_month",
        "invoice_posted_twice", "receipt_not_posted", "supplier_invoice_not_posted",
        "supplier_invoice_posting_amount_diff", "goods_receipt_not_posted", "manual_journal",
        "invoice_line_wrong_price", "invoice_line_over_quantity", "supplier_invoice_line_over_received",
        "supplier_invoice_line_off_po_price", "orphan_shipment", "orphan_invoice_line",
        "orphan_supplier_invoice_line", "orphan_goods_receipt",
    }
    assert set(demo_data.defects["defect_type"]) == expected
    on_disk = pd.read_csv(demo_data.answer_key / "defects.csv")
    assert len(on_disk) == len(demo_data.defects)
    assert not any(demo_data.answer_key.resolve().is_relative_to(p) for p in [demo_data.landing.resolve()])


def test_gl_defects_are_visible_in_the_ledger(demo_data):
    books = Books(demo_data.landing)
    jl = books.journal_lines
    journals = jl.groupby("source_id")["journal_id"].nunique()
    missing = _key(demo_data, "invoice_not_posted")["document_id"]
    assert journals.reindex(missing).isna().all()
    twice = _key(demo_data, "invoice_posted_twice")["document_id"]
    assert (journals.reindex(twice) == 2).all()
    shifted = _key(demo_data, "invoice_posted_wrong_month")
    posted_month = jl.groupby("source_id")["month"].first().reindex(shifted["document_id"]).to_numpy()
    assert (posted_month != pd.to_datetime(shifted["document_date"]).dt.to_period("M").to_numpy()).all()
    diff = _key(demo_data, "invoice_posting_amount_diff").set_index("document_id")
    rev_gl = -jl[jl["account_role"] == "revenue"].groupby("source_id")["amount"].sum()
    rev_biz = books.sales_invoices.set_index("invoice_id")["revenue_cny"]
    gap = (rev_gl.reindex(diff.index) - rev_biz.reindex(diff.index)).to_numpy()
    assert np.allclose(gap, diff["revenue_cny"].to_numpy(), atol=0.011)
    manual = _key(demo_data, "manual_journal")
    manual_lines = jl[jl["journal_id"].isin(manual["journal_ids"])]
    assert (manual_lines["source_type"] == "manual").all() and manual_lines["source_id"].isna().all()
    assert set(manual_lines["account_role"]) == {"revenue", "accounts_receivable"}


def test_billing_defects_are_visible_in_the_documents(demo_data):
    books = Books(demo_data.landing)
    lines = books.rows("bil_invoice_lines").set_index(["invoice_id", "line_no"])
    order_lines = books.rows("erp_sales_order_lines").set_index(["order_id", "line_no"])
    wrong = _key(demo_data, "invoice_line_wrong_price")
    for row in wrong.itertuples():
        line = lines.loc[(row.document_id, int(row.line_no))]
        order_price = order_lines.loc[(line["order_id"], line["order_line_no"]), "unit_price"]
        assert abs(line["unit_price"] - order_price) > 0.005
    orphans = _key(demo_data, "orphan_invoice_line")
    orphan_orders = [lines.loc[(r.document_id, int(r.line_no)), "order_id"] for r in orphans.itertuples()]
    assert not set(orphan_orders) & set(books.rows("erp_sales_orders")["order_id"])
    orphan_shipments = _key(demo_data, "orphan_shipment")["document_id"]
    unknown = books.rows("wms_shipments").set_index("shipment_id").loc[orphan_shipments]
    assert not set(unknown["order_id"]) & set(books.rows("erp_sales_orders")["order_id"])


def test_defects_break_only_what_the_answer_key_says(demo_data):
    """Same seed, defects on: reconciliation differences appear, and only in company-months
    that the answer key names for that reconciliation."""
    books = Books(demo_data.landing)
    key = demo_data.defects.dropna(subset=["reconciliations"])
    flagged: dict[str, set] = {}
    for row in key.itertuples():
        for rec in row.reconciliations.split(";"):
            for day in (row.document_date, row.posting_date):
                flagged.setdefault(rec, set()).add((row.company_code, pd.Period(pd.Timestamp(day), "M")))
    for name, diff in books.reconciliation_differences().items():
        diff = diff.fillna(0)
        broken = {(c, m) for c in diff.columns for m in diff.index if abs(diff.loc[m, c]) > 0.01}
        assert broken, f"{name}: defects produced no difference"
        first_flag = min((m for _, m in flagged[name]), default=None)
        if name in ("revenue", "cash_receipts"):  # flows: only flagged months differ
            assert broken <= flagged[name], f"{name}: unexplained breaks {sorted(broken - flagged[name])[:5]}"
        else:  # balances: differences start at a flagged month and persist
            assert min(m for _, m in broken) >= first_flag
