"""End to end at SF 0.01: generate → ingest → dbt build, and the staging layer holds
exactly the current versions the contract defines (computed here in plain pandas)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from landing_reader import current_rows

from yecai.contract import load_contract
from yecai.ingest import ingest

CONTRACT = load_contract()
SYSTEM_OF = {name: name.split("_", 1) for name in CONTRACT}  # erp_sales_orders → (erp, sales_orders)


@pytest.fixture(scope="module")
def warehouse(demo_warehouse):
    return demo_warehouse


def _query(database, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df()


def test_every_delivered_row_is_loaded_and_accounted_for(demo_data, warehouse):
    log = _query(warehouse, "select * from ingest.load_log")
    manifest = demo_data.manifest
    resent = manifest[manifest["quirk"].notna()]
    assert (log["rows_read"] == log["rows_loaded"] + log["rows_quarantined"]).all()
    assert set(log.loc[log["status"] == "duplicate", "source_file"]) == set(resent["file"])
    assert (log["status"] != "refused").all()
    assert _query(warehouse, "select count(*) as n from ingest.quarantine")["n"].iloc[0] == 0
    expected = manifest[manifest["quirk"].isna()].groupby("extract")["rows"].sum()
    for name in CONTRACT:
        loaded = _query(warehouse, f"select count(*) as n from raw.{name}")["n"].iloc[0]
        assert loaded == expected[name], name


def test_second_ingest_changes_nothing(demo_data, warehouse):
    def counts():
        tables = [f"raw.{n}" for n in CONTRACT] + ["ingest.load_log", "ingest.quarantine"]
        return [_query(warehouse, f"select count(*) as n from {t}")["n"].iloc[0] for t in tables]

    before = counts()
    report = ingest(demo_data.landing, warehouse, progress=False)
    assert report.exit_code == 0
    assert counts() == before


@pytest.mark.parametrize("extract_name", sorted(CONTRACT))
def test_staging_holds_the_current_version_of_every_key(demo_data, warehouse, extract_name):
    system, entity = SYSTEM_OF[extract_name]
    extract = CONTRACT[extract_name]
    expected = current_rows(demo_data.landing, extract_name)
    actual = _query(warehouse, f"select * from staging.stg_{system}__{entity}")
    assert len(actual) == len(expected)
    key = list(extract.primary_key)
    cols = extract.column_names
    a = actual[cols].sort_values(key).reset_index(drop=True)
    e = expected[cols].sort_values(key).reset_index(drop=True)
    for col in extract.columns:
        if col.type == "decimal":
            assert (a[col.name].astype(float) - e[col.name].astype(float)).abs().fillna(0).max() < 1e-6, col.name
        elif col.type in ("date", "timestamp"):
            epoch = pd.Timestamp(0)  # stands in for a missing value on both sides
            assert (pd.to_datetime(a[col.name]).fillna(epoch) == e[col.name].fillna(epoch)).all(), col.name
        elif col.type == "integer":
            assert (a[col.name].astype("Int64").fillna(-1) == e[col.name].fillna(-1)).all(), col.name
        else:
            assert (a[col.name].fillna("∅").astype(str) == e[col.name].fillna("∅").astype(str)).all(), col.name


ORPHAN_CHECKS = {  # answer-key defect → staging query that finds it
    "orphan_shipment": "select shipment_id as id from staging.stg_wms__shipments s "
                       "where not exists (select 1 from staging.stg_erp__sales_orders o where o.order_id = s.order_id)",
    "orphan_invoice_line": "select invoice_id || '/' || line_no as id from staging.stg_bil__invoice_lines l "
                           "where l.order_id is not null and not exists "
                           "(select 1 from staging.stg_erp__sales_orders o where o.order_id = l.order_id)",
    "orphan_supplier_invoice_line": "select supplier_invoice_id || '/' || line_no as id "
                                    "from staging.stg_ap__supplier_invoice_lines l "
                                    "where l.po_id is not null and not exists "
                                    "(select 1 from staging.stg_erp__purchase_orders p where p.po_id = l.po_id)",
    "orphan_goods_receipt": "select goods_receipt_id as id from staging.stg_wms__goods_receipts g where not exists "
                            "(select 1 from staging.stg_erp__purchase_orders p where p.po_id = g.po_id)",
}


@pytest.mark.parametrize("defect", sorted(ORPHAN_CHECKS))
def test_staging_orphans_are_exactly_the_injected_ones(demo_data, warehouse, defect):
    key = demo_data.defects[demo_data.defects["defect_type"] == defect]
    expected = {f"{r.document_id}/{int(r.line_no)}" if pd.notna(r.line_no) else r.document_id
                for r in key.itertuples()}
    found = set(_query(warehouse, ORPHAN_CHECKS[defect])["id"])
    assert expected and found == expected
