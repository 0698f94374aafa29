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
from yecai.generate import GenerateReport, generate, util
from yecai.generate.config import DefectRates, GeneratorConfig
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


@pytest.fixture(params=["demo_data", "sharded_data"])
def generated(request) -> GenerateReport:
    """The demo dataset, and a run generated in shards: each must have every property below."""
    return request.getfixturevalue(request.param)


@pytest.fixture(params=["clean_data", "sharded_clean_data"])
def generated_clean(request) -> GenerateReport:
    """Both, with every defect rate at 0."""
    return request.getfixturevalue(request.param)


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


def test_every_delivery_conforms_to_the_contract(generated):
    landing = generated.landing
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


def test_kpi_targets_cover_every_metric_company_and_month(generated):
    targets = current_rows(generated.landing, "fin_kpi_targets")
    assert len(metric_codes()) == 20
    assert set(targets["metric_code"]) == set(metric_codes())
    assert len(targets) == 20 * 2 * 36
    assert not targets.duplicated(["company_code", "fiscal_month", "metric_code"]).any()


def test_every_journal_balances(generated):
    jl = Books(generated.landing).journal_lines
    balance = jl.groupby("journal_id")["amount"].sum().round(2)
    assert (balance == 0).all()


def test_clean_books_reconcile_to_the_cent(generated_clean):
    """With no injected defect, every reconciliation of the charter ties for every
    company and month (business side exact, GL in cents)."""
    assert generated_clean.defects.empty
    for name, diff in Books(generated_clean.landing).reconciliation_differences().items():
        worst = diff.fillna(0).abs().max().max()
        assert worst <= 0.01, f"{name}: off by {worst:.4f}"


def test_clean_books_have_no_billing_errors(generated_clean):
    books = Books(generated_clean.landing)
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


def test_every_issued_document_is_posted_once_in_clean_books(generated_clean):
    books = Books(generated_clean.landing)
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


def test_every_defect_type_is_injected_and_recorded(generated):
    expected = {
        "invoice_not_posted", "invoice_posting_amount_diff", "invoice_posted_wrong_month",
        "invoice_posted_twice", "receipt_not_posted", "supplier_invoice_not_posted",
        "supplier_invoice_posting_amount_diff", "goods_receipt_not_posted", "manual_journal",
        "invoice_line_wrong_price", "invoice_line_over_quantity", "supplier_invoice_line_over_received",
        "supplier_invoice_line_off_po_price", "orphan_shipment", "orphan_invoice_line",
        "orphan_supplier_invoice_line", "orphan_goods_receipt",
    }
    assert set(generated.defects["defect_type"]) == expected
    on_disk = pd.read_csv(generated.answer_key / "defects.csv")
    assert len(on_disk) == len(generated.defects)
    assert not any(generated.answer_key.resolve().is_relative_to(p) for p in [generated.landing.resolve()])


def test_gl_defects_are_visible_in_the_ledger(generated):
    books = Books(generated.landing)
    jl = books.journal_lines
    journals = jl.groupby("source_id")["journal_id"].nunique()
    missing = _key(generated, "invoice_not_posted")["document_id"]
    assert journals.reindex(missing).isna().all()
    twice = _key(generated, "invoice_posted_twice")["document_id"]
    assert (journals.reindex(twice) == 2).all()
    shifted = _key(generated, "invoice_posted_wrong_month")
    posted_month = jl.groupby("source_id")["month"].first().reindex(shifted["document_id"]).to_numpy()
    assert (posted_month != pd.to_datetime(shifted["document_date"]).dt.to_period("M").to_numpy()).all()
    diff = _key(generated, "invoice_posting_amount_diff").set_index("document_id")
    rev_gl = -jl[jl["account_role"] == "revenue"].groupby("source_id")["amount"].sum()
    rev_biz = books.sales_invoices.set_index("invoice_id")["revenue_cny"]
    gap = (rev_gl.reindex(diff.index) - rev_biz.reindex(diff.index)).to_numpy()
    assert np.allclose(gap, diff["revenue_cny"].to_numpy(), atol=0.011)
    manual = _key(generated, "manual_journal")
    manual_lines = jl[jl["journal_id"].isin(manual["journal_ids"])]
    assert (manual_lines["source_type"] == "manual").all() and manual_lines["source_id"].isna().all()
    assert set(manual_lines["account_role"]) == {"revenue", "accounts_receivable"}


def test_billing_defects_are_visible_in_the_documents(generated):
    books = Books(generated.landing)
    lines = books.rows("bil_invoice_lines").set_index(["invoice_id", "line_no"])
    order_lines = books.rows("erp_sales_order_lines").set_index(["order_id", "line_no"])
    wrong = _key(generated, "invoice_line_wrong_price")
    for row in wrong.itertuples():
        line = lines.loc[(row.document_id, int(row.line_no))]
        order_price = order_lines.loc[(line["order_id"], line["order_line_no"]), "unit_price"]
        assert abs(line["unit_price"] - order_price) > 0.005
    orphans = _key(generated, "orphan_invoice_line")
    orphan_orders = [lines.loc[(r.document_id, int(r.line_no)), "order_id"] for r in orphans.itertuples()]
    assert not set(orphan_orders) & set(books.rows("erp_sales_orders")["order_id"])
    orphan_shipments = _key(generated, "orphan_shipment")["document_id"]
    unknown = books.rows("wms_shipments").set_index("shipment_id").loc[orphan_shipments]
    assert not set(unknown["order_id"]) & set(books.rows("erp_sales_orders")["order_id"])


def test_defects_break_only_what_the_answer_key_says(generated):
    """Same seed, defects on: reconciliation differences appear, and only in company-months
    that the answer key names for that reconciliation."""
    books = Books(generated.landing)
    key = generated.defects.dropna(subset=["reconciliations"])
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


def test_shards_number_their_documents_apart(sharded_data):
    """Shard 0 keeps the plain numbers, the others carry their shard after the prefix; no key
    of a delivery repeats."""
    orders = pd.concat([read_delivery(p) for p in (sharded_data.landing / "erp_sales_orders").iterdir()])
    shard_tags = set(orders["order_id"].str.extract(r"^SO(\d{3})?\d{8}$")[0].fillna("plain"))
    assert shard_tags == {"plain", "001", "002"}
    for name, extract in CONTRACT.items():
        for path in (sharded_data.landing / name).iterdir():
            keys = read_delivery(path)[list(extract.primary_key)]
            assert not keys.duplicated().any(), f"{path.name}: a key repeats"


def test_a_run_is_cut_into_equal_shards_above_the_shard_scale():
    assert GeneratorConfig(scale=0.15).shards() == [GeneratorConfig(scale=0.15)]
    shards = GeneratorConfig(scale=1.0).shards()
    assert [s.shard for s in shards] == [0, 1, 2, 3, 4, 5, 6]
    assert sum(s.scale for s in shards) == pytest.approx(1.0) and len({s.scale for s in shards}) == 1
    manual = [s.defects.manual_journals_per_company_month for s in shards]
    assert manual == pytest.approx([DefectRates().manual_journals_per_company_month / 7] * 7)
    assert shards[1].rng("sales").random() != shards[0].rng("sales").random()
    with pytest.raises(ValueError, match="shards"):
        GeneratorConfig(scale=1000).shards()


def test_document_numbers_carry_the_shard_and_never_meet_unknown_ones():
    rng = np.random.default_rng(1)
    with util.document_numbers(7):
        assert list(util.ids("SO", 2)) == ["SO00700000001", "SO00700000002"]
        unknown = util.unknown_ids(rng, "SO", 50)
    assert list(util.ids("SO", 1)) == ["SO00000001"]  # outside the block: an unsharded run's numbers
    assert all(u.startswith("SO0079") and len(u) == 13 for u in unknown)
