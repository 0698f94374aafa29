"""Delivery lineage to the top: every row of a published document-line fact, and every
delivered record behind a reconciliation break, names the delivery file, batch and row it
was built from. The file is a loaded file of ingest.load_log and the raw row at that file
and row number is the fact's own record (its key, read from the raw layer)."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.slow

# fact → (extract, {fact column: raw column}): the delivered record each row is built from
FACT_RECORDS = {
    "fct_invoice_lines": ("bil_invoice_lines", {"invoice_id": "invoice_id", "line_no": "line_no"}),
    "fct_receipt_applications": ("ar_receipt_applications", {"receipt_id": "receipt_id", "invoice_id": "invoice_id"}),
    "fct_sales_order_lines": ("erp_sales_order_lines", {"order_id": "order_id", "line_no": "line_no"}),
    "fct_shipments": ("wms_shipments", {"shipment_id": "shipment_id"}),
    "fct_write_offs": ("ar_write_offs", {"write_off_id": "write_off_id"}),
    "fct_goods_receipts": ("wms_goods_receipts", {"goods_receipt_id": "goods_receipt_id"}),
    "fct_inventory_movements": ("wms_inventory_movements", {"movement_id": "movement_id"}),
    "fct_purchase_order_lines": ("erp_purchase_order_lines", {"po_id": "po_id", "po_line_no": "line_no"}),
    "fct_supplier_invoice_lines": ("ap_supplier_invoice_lines",
                                   {"supplier_invoice_id": "supplier_invoice_id", "line_no": "line_no"}),
    "fct_supplier_payments": ("ap_payments", {"payment_id": "payment_id"}),
    "fct_work_orders": ("mes_work_orders", {"work_order_id": "work_order_id"}),
    "fct_gl_journal_lines": ("fin_journal_lines", {"journal_id": "journal_id", "line_no": "line_no"}),
    "fct_reconciliation_break_journal_lines": ("fin_journal_lines", {"journal_id": "journal_id", "line_no": "line_no"}),
}

# extract of a break's record → what names the break's document in its raw row (r)
BREAK_RECORD_DOCUMENT = {
    "bil_invoices": "r.invoice_id",
    "ar_receipt_applications": "r.receipt_id",
    "ar_write_offs": "r.write_off_id",
    "ar_receipts": "r.receipt_id",
    "wms_inventory_movements": "coalesce(r.reference_id, r.movement_id)",
    "ap_supplier_invoices": "r.supplier_invoice_id",
    "ap_payments": "r.payment_id",
}


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def _not_loaded(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return _scalar(con, f"select count(*) from marts.{table} f where not exists (select 1 from ingest.load_log l "
                        "where l.source_file = f._source_file and l.batch_id = f._batch_id and l.status = 'loaded')")


@pytest.mark.parametrize("fact", sorted(FACT_RECORDS))
def test_every_fact_row_leads_to_its_row_of_a_loaded_delivery_file(demo_warehouse, fact):
    extract, key = FACT_RECORDS[fact]
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        rows = _scalar(con, f"select count(*) from marts.{fact}")
        assert rows > 0
        assert _scalar(con, f"select count(*) from marts.{fact} where _source_file is null or _batch_id is null "
                            "or _source_row_number is null") == 0
        assert _not_loaded(con, fact) == 0
        differs = " or ".join(f"r.{raw} is distinct from f.{col}" for col, raw in key.items())
        wrong = _scalar(con, f"select count(*) from marts.{fact} f left join raw.{extract} r "
                             "on r._source_file = f._source_file and r._source_row_number = f._source_row_number "
                             f"where {differs}")
        assert wrong == 0, f"{wrong} of {rows} rows of {fact} name a raw row of {extract} that is another record"


def test_every_record_of_a_break_leads_to_its_row_of_a_loaded_delivery_file(demo_warehouse):
    table = "fct_reconciliation_break_subledger_records"
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        extracts = {e for (e,) in con.execute(f"select distinct source_extract from marts.{table}").fetchall()}
        # the demo's injected breaks reach invoices, receipts and stock movements at least
        assert {"bil_invoices", "wms_inventory_movements"} <= extracts <= set(BREAK_RECORD_DOCUMENT)
        assert _not_loaded(con, table) == 0
        for extract in extracts:
            wrong = _scalar(con, f"select count(*) from marts.{table} f left join raw.{extract} r "
                                 "on r._source_file = f._source_file and r._source_row_number = f._source_row_number "
                                 f"where f.source_extract = '{extract}' "
                                 f"and {BREAK_RECORD_DOCUMENT[extract]} is distinct from f.document_key")
            assert wrong == 0, extract
