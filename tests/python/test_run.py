"""The main job, `yecai run`, as an operator meets it: it publishes only audited data, a
bad delivery is stopped before BI, readers never block it, and SIGKILL at any moment
leaves the previous or the new complete publication."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from main_job import YECAI, cancel_an_invoice_late, run_env, yecai_run
from reference_sales import SalesBooks

from yecai import settings
from yecai.restatements import HISTORY_TABLES
from yecai.semantic import query_metrics

pytestmark = pytest.mark.slow

def published_state(root: Path) -> tuple[str, dict[str, int]]:
    """(run id, row count per table) read from the published file itself."""
    with duckdb.connect(str(root / "published" / "yecai.duckdb"), read_only=True) as con:
        run_id = con.execute("select run_id from marts.publication").fetchone()[0]
        tables = [f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()]
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables if t != "marts.publication"}
    return run_id, counts


def copy_root(root: Path, to: Path) -> Path:
    shutil.copytree(root, to, symlinks=True)
    return to


def test_run_publishes_and_records_every_stage(first_run):
    root, result, _ = first_run
    for stage in ("[1/6] ingest", "[2/6] build", "[3/6] audit", "[4/6] publish", "[5/6] docs", "[6/6] dashboard"):
        assert stage in result.stdout
    assert "published" in result.stdout and "Data Docs" in result.stdout
    assert "month-range models recomputed: 34 every month (audit.recompute_log)" in result.stdout  # a first build
    assert (root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()
    site = root / "published" / "docs"
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "How to trace a reconciliation break" in page and "exposure.yecai.reconciliation_report" in page
    assert (site / "data_docs" / "index.html").exists() and str(site / "index.html") in result.stdout
    run_id, counts = published_state(root)
    assert counts["marts.metric_values"] > 0
    with duckdb.connect(str(root / "yecai.duckdb"), read_only=True) as con:
        runs = con.execute("select run_id, status, published, published_database, models_run, tests_run, "
                           "expectations_passed + expectations_warned, expectations_failed from audit.runs").fetchall()
        batches = con.execute("select count(*), count(distinct batch_id), bool_and(new_in_run) "
                              "from audit.run_batches where run_id = ?", [run_id]).fetchone()
        expectations = con.execute("select count(*) from audit.run_expectations where run_id = ?",
                                   [run_id]).fetchone()[0]
        loaded = con.execute("select count(*) from ingest.load_log where status in ('loaded', 'duplicate')"
                             ).fetchone()[0]
    assert runs == [(run_id, "published", True, str(root / "published" / "yecai.duckdb"), runs[0][4],
                     runs[0][5], expectations, 0)]
    assert runs[0][4] > 50 and runs[0][5] > 500
    assert batches[0] == loaded and batches[2] is True


def test_locked_warehouse_exits_2_with_one_clear_line(first_run, tmp_path):
    root = copy_root(first_run[0], tmp_path / "locked")
    with duckdb.connect(str(root / "yecai.duckdb")):
        result = yecai_run(root)
    assert result.returncode == 2
    assert "open in another process" in result.stderr and "Traceback" not in result.stderr


def published_files(root: Path) -> tuple[dict[str, bytes], str]:
    """The published database and manifest, byte for byte, and where the parquet link points."""
    published = root / "published"
    files = {p.name: p.read_bytes() for p in (published / "yecai.duckdb", published / "publication.json")}
    return files, os.readlink(published / "parquet")


def last_run(root: Path) -> tuple[str, str, bool, int, set[str]]:
    """(run id, status, published, models run, blocking expectations failed) of the newest run."""
    with duckdb.connect(str(root / "yecai.duckdb"), read_only=True) as con:
        run_id, status, is_published, models_run = con.execute(
            "select run_id, status, published, models_run from audit.runs order by ended_at desc limit 1").fetchone()
        failed = {name for (name,) in con.execute(
            "select expectation_name from audit.run_expectations "
            "where run_id = ? and severity = 'critical' and not success", [run_id]).fetchall()}
    return run_id, status, is_published, models_run, failed


def deliver(root: Path, extract: str, header: str, rows: list[str]) -> str:
    """A new delta delivery of `extract` in the landing folder; its path as lineage records it."""
    name = f"{extract}__20260115__001.csv"
    (root / "landing" / extract / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return f"{extract}/{name}"


def test_fx_rate_100_times_too_high_is_stopped_before_bi(first_run, tmp_path):
    root = copy_root(first_run[0], tmp_path / "fx")
    before = published_files(root)
    rates = root / "landing" / "fin_fx_rates"
    good = next(line for line in (rates / sorted(os.listdir(rates))[-1]).read_text().splitlines()
                if ",USD," in line and line.startswith("2025-12-1"))
    day, currency, rate = good.split(",")
    rate_file = deliver(root, "fin_fx_rates", "rate_date,currency,rate_to_cny",
                        [f"{day},{currency},{float(rate) * 100:.8f}"])

    result = yecai_run(root)

    assert result.returncode == 1, result.stdout
    assert "audit_failed" in result.stdout and "not published" in result.stdout
    assert f"_source_file={rate_file}, _source_row_number=1" in result.stdout  # the file and row that caused it
    assert published_files(root) == before
    _, status, is_published, _, failed = last_run(root)
    assert (status, is_published) == ("audit_failed", False)
    assert failed == {"staging.fin_fx_rates.rate_to_cny_day_move_plausible"}


def test_bad_documents_build_every_mart_but_block_publication_and_are_named(first_run, tmp_path):
    """An order re-delivered in a currency without FX rates and a shipment re-delivered with a
    negative quantity (the contract says "> 0"): every model still builds, and the gate blocks
    publication naming the order and the delivery file and row of the shipment."""
    root = copy_root(first_run[0], tmp_path / "bad_documents")
    before = published_files(root)
    with duckdb.connect(str(root / "yecai.duckdb"), read_only=True) as con:
        models_before = con.execute("select models_run from audit.runs").fetchone()[0]
        order = con.execute("select order_id, company_code, customer_id, order_date, requested_delivery_date, "
                            "channel, order_status from staging.stg_erp__sales_orders "
                            "where currency = 'USD' order by order_id limit 1").fetchone()
        shipment = con.execute("select shipment_id, order_id, order_line_no, warehouse_id, ship_date, quantity "
                               "from staging.stg_wms__shipments order by shipment_id limit 1").fetchone()
    order_id, company, customer, ordered, requested, channel, status = order
    deliver(root, "erp_sales_orders",
            "order_id,company_code,customer_id,order_date,requested_delivery_date,currency,channel,order_status,"
            "updated_at",
            [f"{order_id},{company},{customer},{ordered},{requested},JPY,{channel},{status},2026-01-10 08:00:00"])
    shipment_id, shipment_order, line_no, warehouse, shipped, quantity = shipment
    shipment_file = deliver(
        root, "wms_shipments", "shipment_id,order_id,order_line_no,warehouse_id,ship_date,quantity,updated_at",
        [f"{shipment_id},{shipment_order},{line_no},{warehouse},{shipped},{-quantity},2026-01-10 08:00:00"])

    result = yecai_run(root)

    assert result.returncode == 1, result.stdout
    _, status, is_published, models_run, failed = last_run(root)
    assert (status, is_published, models_run) == ("audit_failed", False, models_before)
    assert failed == {"sales.sales_order_lines.fx_rate_to_cny_not_null", "sales.shipments.quantity_positive",
                      "staging.wms_shipments.quantity_positive"}
    assert f"order_id={order_id}" in result.stdout and "currency=JPY" in result.stdout
    assert f"_source_file={shipment_file}, _source_row_number=1" in result.stdout
    assert published_files(root) == before


@pytest.mark.long_main_job
def test_readers_and_mf_never_block_a_run(first_run, tmp_path):
    root = copy_root(first_run[0], tmp_path / "readers")
    old_run_id, _ = published_state(root)
    reader = duckdb.connect(str(root / "published" / "yecai.duckdb"), read_only=True)
    process = subprocess.Popen([YECAI, "run", "--no-progress"], env=run_env(root), cwd=settings.PROJECT_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(5)  # the run is building: it holds the working warehouse's write lock
        assert process.poll() is None
        during = query_metrics(["revenue"], root / "published" / "yecai.duckdb", published=True)
        assert during["value"].notna().any()
        assert reader.execute("select run_id from marts.publication").fetchone()[0] == old_run_id
        output, _ = process.communicate(timeout=900)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert reader.execute("select run_id from marts.publication").fetchone()[0] == old_run_id
    assert reader.execute("select count(*) from marts.metric_values").fetchone()[0] > 0
    reader.close()
    assert published_state(root)[0] != old_run_id


@pytest.mark.long_main_job
def test_sigkill_at_any_moment_leaves_a_complete_publication(first_run, tmp_path):
    root = copy_root(first_run[0], tmp_path / "kill")
    _, _, duration = first_run
    first_id, expected_counts = published_state(root)
    seen = {first_id}
    rng = random.Random(20261201)
    for _trial in range(5):
        process = subprocess.Popen([YECAI, "run", "--no-progress"], env=run_env(root), cwd=settings.PROJECT_DIR,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:  # a run that ends before its kill moment is a trial too, and is not waited past
            process.wait(timeout=rng.uniform(0.5, duration))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        run_id, counts = published_state(root)
        assert without_history(counts) == without_history(expected_counts), \
            f"published database incomplete after a kill (run {run_id})"
        assert_history_is_whole(root, run_id)
        assert run_id in seen or run_id.endswith(f"-{process.pid}"), run_id
        seen.add(run_id)
        manifest = json.loads((root / "published" / "publication.json").read_text(encoding="utf-8"))
        assert manifest["tables"].keys() <= set(counts) | {"marts.publication"}
    result = yecai_run(root)
    assert result.returncode == 0, result.stdout + result.stderr
    run_id, counts = published_state(root)
    assert without_history(counts) == without_history(expected_counts) and run_id not in seen
    assert_history_is_whole(root, run_id)


def without_history(counts: dict[str, int]) -> dict[str, int]:
    """Row counts of the tables a publication replaces (the history tables grow with each)."""
    return {table: count for table, count in counts.items() if table.split(".")[1] not in HISTORY_TABLES}


def assert_history_is_whole(root: Path, run_id: str) -> None:
    """The history holds whole publications, the newest being the published one."""
    with duckdb.connect(str(root / "published" / "yecai.duckdb"), read_only=True) as con:
        runs, rows, latest = con.execute("select count(distinct run_id), count(*), max_by(run_id, published_at) "
                                         "from marts.metric_value_history").fetchone()
        values = con.execute("select (select count(*) from marts.metric_values) "
                             "+ (select count(*) from marts.metric_values_all_companies)").fetchone()[0]
    assert rows == runs * values and latest == run_id


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0", "--virtual-time-budget=20000", "--dump-dom"]


def test_published_docs_open_from_disk_in_chromium_and_show_an_indicators_lineage(first_run, tmp_path):
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is missing: `make browser` installs it (Debian package chromium)"
    page = first_run[0] / "published" / "docs" / "index.html"
    result = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                             f"{page.resolve().as_uri()}#!/model/model.yecai.metric_lineage"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, "the docs page logged to the console:\n" + "\n".join(console[:5])
    dom = result.stdout
    # Rendered by the page (the embedded manifest holds markdown, not these tags): dso's
    # section of the lineage page, with a source column it reads and a model in between.
    assert '<h4 id="dso">dso</h4>' in dom
    dso_section = dom.split('<h4 id="dso">dso</h4>', 1)[1].split("<h4", 1)[0]
    assert "<code>ar_receipt_applications.applied_amount</code>" in dso_section
    assert "<code>stg_ar__receipt_applications</code>" in dso_section


@pytest.mark.long_main_job
def test_a_late_delta_to_a_closed_month_is_a_restatement_with_its_document(first_run, tmp_path):
    root = copy_root(first_run[0], tmp_path / "late")
    previous_run, _ = published_state(root)
    revenue = SalesBooks(root / "landing").invoice_lines.groupby("invoice_id")["revenue_cny"].sum()
    invoice = cancel_an_invoice_late(root, "2024-03", "20260102")
    result = yecai_run(root)
    assert result.returncode == 0, result.stdout[-3000:]  # a warning by default: published and reported
    assert "in closed months (marts.metric_restatements)" in result.stdout
    # the build recomputed from the invoice's chain on (its order may be a month or two older)
    [recomputed] = [line for line in result.stdout.splitlines() if "month-range models recomputed:" in line]
    [month] = re.findall(r"34 from (\d{4}-\d{2})", recomputed)
    assert "2023-10" <= month <= "2024-03", recomputed
    [line] = [line for line in result.stdout.splitlines() if "closed CN10 2024-03:" in line]
    assert "revenue" in line and f"invoice {invoice}" in line
    run_id, _ = published_state(root)
    with duckdb.connect(str(root / "published" / "yecai.duckdb"), read_only=True) as con:
        restated = con.execute(
            "select previous_run_id, previous_value, new_value, is_closed_month from marts.metric_restatements "
            "where run_id = ? and metric_code = 'revenue' and company_code = 'CN10' and month = '2024-03-01'",
            [run_id]).fetchall()
        documents = con.execute(
            "select document_type, document_id, previous_numerator, new_numerator from "
            "marts.metric_restatement_documents where run_id = ? and metric_code = 'revenue' "
            "and company_code = 'CN10' and month = '2024-03-01'", [run_id]).fetchall()
        history = con.execute("select run_id, value from marts.metric_value_history where metric_code = 'revenue' "
                              "and company_code = 'CN10' and month = '2024-03-01' order by published_at").fetchall()
        later_months = con.execute("select count(*) from marts.metric_restatements where run_id = ? and "
                                   "metric_code = 'revenue' and month <> '2024-03-01'", [run_id]).fetchone()[0]
    [(previous_id, previous_value, new_value, is_closed)] = restated
    assert previous_id == previous_run and is_closed
    assert abs((previous_value - new_value) - revenue[invoice]) < 0.01  # the invoice's revenue, from the landing
    assert [(kind, doc) for kind, doc, _, _ in documents] == [("invoice", invoice)]
    assert abs(float(documents[0][2]) - revenue[invoice]) < 0.01 and documents[0][3] is None
    assert [r for r, _ in history][-2:] == [previous_run, run_id] and history[-2][1] == previous_value
    assert later_months == 0  # revenue is a flow: no other month moved

    blocked_invoice = cancel_an_invoice_late(root, "2024-03", "20260103", skip=1)
    blocked = yecai_run(root, YECAI_CLOSED_MONTH_RESTATEMENTS="block")
    assert blocked.returncode == 1 and "would be restated (YECAI_CLOSED_MONTH_RESTATEMENTS=block)" in blocked.stdout
    assert blocked_invoice in blocked.stdout
    assert published_state(root)[0] == run_id  # BI still reads the release before
