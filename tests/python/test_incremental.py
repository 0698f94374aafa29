"""Incremental builds equal a full refresh: after each delivery of a sequence (a normal day, a
late delta to an old month and a stale version that must lose; a resent file and a snapshot that
drops a key; changes to the newest documents), every table of the warehouse holds the same rows
as after a full refresh of the same raw layer (yecai compare: row for row, duplicates counted),
and the month-range models recomputed only the months the delivery can change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from yecai import settings
from yecai.compare import compare
from yecai.dbt_runner import run_dbt
from yecai.ingest import ingest

LINEAGE = "_source_file, _batch_id, _source_row_number, _loaded_at"


def rows(database: Path, sql: str, *params: object) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def deliver(landing: Path, extract: str, name: str, frame: pd.DataFrame) -> None:
    folder = landing / extract
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / name, index=False)


def current(database: Path, extract: str, where: str, *params: object) -> pd.DataFrame:
    """Rows of raw.<extract> as delivered (without lineage columns)."""
    return rows(database, f"select * exclude ({LINEAGE}) from raw.{extract} where {where}", *params)


def day_one(database: Path, landing: Path) -> dict[str, object]:
    """A normal day (a new journal, a changed movement), a late delta that cancels a
    two-year-old invoice, and a stale version of an order line (older updated_at: it loses)."""
    invoice = current(database, "bil_invoices", "invoice_status = 'issued' and invoice_type = 'invoice' "
                      "and strftime(invoice_date, '%Y-%m') = '2024-03' order by invoice_id limit 1")
    invoice["invoice_status"], invoice["updated_at"] = "cancelled", "2027-01-01 09:00:00"
    deliver(landing, "bil_invoices", "bil_invoices__20270101__001.csv", invoice)

    stale = current(database, "erp_sales_order_lines", "true order by updated_at desc, order_id limit 1")
    stale["quantity"], stale["updated_at"] = stale["quantity"] + 1000, "2020-01-01 00:00:00"
    deliver(landing, "erp_sales_order_lines", "erp_sales_order_lines__20270101__001.csv", stale)

    journal = current(database, "fin_journal_lines", "journal_id = (select max(journal_id) from raw.fin_journal_lines)")
    journal["journal_id"], journal["updated_at"] = "JX-INCREMENTAL-1", "2027-01-01 10:00:00"
    deliver(landing, "fin_journal_lines", "fin_journal_lines__20270101__001.csv", journal)

    movement = current(database, "wms_inventory_movements", "true order by movement_date desc, movement_id limit 1")
    movement["quantity"], movement["updated_at"] = movement["quantity"] * 2, "2027-01-01 11:00:00"
    deliver(landing, "wms_inventory_movements", "wms_inventory_movements__20270101__001.csv", movement)
    return {"invoice_id": invoice["invoice_id"].iloc[0], "stale_order": stale[["order_id", "line_no"]].iloc[0]}


def day_two(database: Path, landing: Path, original_landing: Path) -> str:
    """A resent file (an original delivery, same name and content, and day one's invoice file
    again under a new name), a newer version of the invoice, and a supplier snapshot without
    one supplier. Returns the dropped supplier."""
    original = sorted((original_landing / "bil_invoices").iterdir())[0]
    shutil.copyfile(original, landing / "bil_invoices" / original.name)
    shutil.copyfile(landing / "bil_invoices" / "bil_invoices__20270101__001.csv",
                    landing / "bil_invoices" / "bil_invoices__20270102__001.csv")

    invoice = current(database, "bil_invoices", "_source_file like '%20270101%'")
    invoice["invoice_status"], invoice["updated_at"] = "issued", "2027-01-02 09:00:00"
    deliver(landing, "bil_invoices", "bil_invoices__20270102__002.csv", invoice)

    suppliers = current(database, "srm_suppliers", "_source_file = (select max(_source_file) from raw.srm_suppliers)")
    dropped = suppliers["supplier_id"].sort_values().iloc[0]
    remaining = suppliers[suppliers["supplier_id"] != dropped]
    deliver(landing, "srm_suppliers", "srm_suppliers__20270102__001.csv", remaining)
    return dropped


def day_three(database: Path, landing: Path) -> pd.Timestamp:
    """A normal day of the newest month: a changed receipt application, invoice line and
    shipment, each the newest of its extract. Returns the earliest month they are dated in."""
    application = current(database, "ar_receipt_applications", "true order by applied_date desc, receipt_id limit 1")
    application["applied_amount"], application["updated_at"] = application["applied_amount"] / 2, "2027-01-03 09:00:00"
    deliver(landing, "ar_receipt_applications", "ar_receipt_applications__20270103__001.csv", application)

    line = current(database, "bil_invoice_lines", "invoice_id = (select invoice_id from raw.bil_invoices "
                   "order by invoice_date desc, invoice_id limit 1) order by line_no limit 1")
    line["net_amount"], line["updated_at"] = line["net_amount"] * 2, "2027-01-03 10:00:00"
    deliver(landing, "bil_invoice_lines", "bil_invoice_lines__20270103__001.csv", line)

    shipment = current(database, "wms_shipments", "true order by ship_date desc, shipment_id limit 1")
    shipment["quantity"], shipment["updated_at"] = shipment["quantity"] + 1, "2027-01-03 11:00:00"
    deliver(landing, "wms_shipments", "wms_shipments__20270103__001.csv", shipment)
    dated = rows(database, "select least((select max(applied_date) from raw.ar_receipt_applications), "
                 "(select max(invoice_date) from raw.bil_invoices), "
                 "(select max(ship_date) from raw.wms_shipments)) as d")
    return pd.Timestamp(dated["d"].iloc[0]).to_period("M").to_timestamp()


def load(landing: Path, database: Path) -> dict[str, int]:
    report = ingest(landing, database, progress=False)
    assert report.exit_code == 0, report.summary_text()
    statuses: dict[str, int] = {}
    for outcome in report.outcomes:
        if not outcome.earlier:
            statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    return statuses


def build_incrementally(database: Path, *build_options: str) -> None:
    """`dbt run`, or `dbt build` (with the data tests) when given its options."""
    command = ["build", "--exclude-resource-type", "unit_test", *build_options] if build_options else ["run"]
    assert run_dbt(command, database=database) == 0
    compiled = (settings.PROJECT_DIR / "target" / "compiled" / "yecai" / "models" / "staging" / "bil"
                / "stg_bil__invoices.sql").read_text()
    assert "delivered_since_last_build" in compiled, "stg_bil__invoices was not built incrementally"


def recomputed_months(database: Path) -> dict[str, object]:
    """Each month-range incremental model's first recomputed month in the last build."""
    log = rows(database, "select model_name, recompute_from_month from audit.recompute_log where invocation_id = "
               "(select invocation_id from audit.recompute_log order by recorded_at desc limit 1)")
    return dict(zip(log["model_name"], log["recompute_from_month"], strict=True))


def assert_equals_full_refresh(database: Path, folder: Path) -> None:
    # Named like every warehouse: the catalog of the semantic manifest this run writes is the
    # file's stem, and the next MetricFlow query of this worker reads that manifest.
    full = folder / "yecai.duckdb"
    folder.mkdir()
    shutil.copyfile(database, full)
    assert run_dbt(["run", "--full-refresh"], database=full) == 0
    comparison = compare(database, full)  # every table of both files, row for row
    assert comparison.tables_compared > 100
    assert comparison.identical, comparison.summary_text()


def test_incremental_builds_equal_a_full_refresh(demo_warehouse, demo_data, tmp_path):
    database = tmp_path / "yecai.duckdb"
    shutil.copyfile(demo_warehouse, database)
    landing = tmp_path / "landing"
    range_models = set(recomputed_months(database))
    assert len(range_models) > 15  # the metric chain after the indicator families

    changed = day_one(database, landing)
    assert load(landing, database) == {"loaded": 4}
    build_incrementally(database)
    [status] = rows(database, "select invoice_status from staging.stg_bil__invoices where invoice_id = ?",
                    changed["invoice_id"])["invoice_status"]
    assert status == "cancelled"  # the late delta reached the model
    order, line = changed["stale_order"]
    [source_file] = rows(database, "select _source_file from staging.stg_erp__sales_order_lines "
                         "where order_id = ? and line_no = ?", order, int(line))["_source_file"]
    assert "20270101" not in source_file  # the stale version lost to the current one
    # the month-range models recomputed from the cancelled invoice's order on, not everything
    months = recomputed_months(database)
    assert set(months) == range_models, months
    [order_month] = rows(database, "select date_trunc('month', order_date) as m from staging.stg_erp__sales_orders "
                         "where order_id = (select order_id from staging.stg_bil__invoices where invoice_id = ?)",
                         changed["invoice_id"])["m"]
    [earliest] = rows(database, "select min(month) as m from marts.metric_values")["m"]
    assert all(pd.Timestamp(month) <= pd.Timestamp(order_month) for month in months.values()), months
    assert pd.Timestamp(earliest) < pd.Timestamp(months["metric_values"]), months
    assert_equals_full_refresh(database, tmp_path / "full_refresh_day_one")

    dropped = day_two(database, landing, demo_data.landing)
    assert load(landing, database) == {"loaded": 2, "duplicate": 1}
    build_incrementally(database)
    assert rows(database, "select count(*) as n from staging.stg_srm__suppliers where supplier_id = ?",
                dropped)["n"].iloc[0] == 0
    # a snapshot delivery (suppliers) acts on every month
    assert set(recomputed_months(database).values()) == {pd.Timestamp("1900-01-01")}
    assert_equals_full_refresh(database, tmp_path / "full_refresh_day_two")

    newest_month = day_three(database, landing)
    assert load(landing, database) == {"loaded": 3}
    # with the data tests, which pass but for the references to day two's dropped supplier
    build_incrementally(database, "--exclude", "test_name:relationships")
    # a month-range model's row and key tests read only the months this build recomputed
    results = json.loads((settings.PROJECT_DIR / "target" / "run_results.json").read_text(encoding="utf-8"))
    invocation = results["metadata"]["invocation_id"]
    metric_values_tests = [r for r in results["results"] if r["unique_id"].startswith("test.")
                           and r["unique_id"].split(".")[2].endswith("_metric_values_metric_code__month__company_code")]
    assert metric_values_tests and all(f"invocation_id = '{invocation}'" in r["compiled_code"]
                                       for r in metric_values_tests), metric_values_tests
    # the chains of three of the newest documents reach back a few months, not to the start
    months = recomputed_months(database)
    assert all(pd.Timestamp(month) <= newest_month for month in months.values()), months
    assert pd.Timestamp(months["metric_values"]) > pd.Timestamp(earliest) + pd.DateOffset(years=2), months
    assert_equals_full_refresh(database, tmp_path / "full_refresh_day_three")
