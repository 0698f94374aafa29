"""`yecai run`, the main job: ingest → build → audit → publish → docs → dashboard.

The docs stage builds the gate's Data Docs on every run, and, when the run published, the
dbt docs site of that release (published/docs, with the Data Docs inside); the dashboard
stage writes the management dashboard of that release (published/dashboard/index.html).

It builds into the working warehouse, runs dbt's tests and the GX checkpoint there, and
publishes the BI database only when nothing blocking failed. Every run is recorded in
schema `audit` (yecai/runlog.py). Exit status: 0 published; 1 not published (build or
audit failed; the published files are untouched); 2 the run could not start (warehouse
locked by another process, invalid setting).
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from yecai import settings
from yecai.dashboard import DashboardResult, build_dashboard
from yecai.dbt_runner import BuildResult, build_with_progress
from yecai.docs import DocsError, build_site
from yecai.ingest import IngestReport, IngestStopped, ingest
from yecai.publish import DASHBOARD, DATABASE_NAME, DOCS, PublishError, PublishResult, publish, publish_folder
from yecai.quality.gate import build_data_docs, run_gate, run_gate_on_spark
from yecai.quality.inputs import GateSettings
from yecai.quality.report import GateReport
from yecai.restatements import Restatements, detect
from yecai.runlog import RunRecord, new_run_id, record_end, record_start
from yecai.settings import SettingError
from yecai.spark import (
    ModelDocs,
    SparkUnavailable,
    marts_database,
    model_docs,
    require_spark,
    spark_session,
    spark_sql,
    write_published_parquet,
)
from yecai.warehouse import connect

STAGES = ("ingest", "build", "audit", "publish", "docs", "dashboard")
EXIT_PUBLISHED, EXIT_NOT_PUBLISHED = 0, 1
EXIT_CANNOT_RUN = settings.EXIT_CANNOT_RUN


class CannotRun(Exception):
    """The run could not start; the message says what to do."""


@dataclass
class RunSummary:
    record: RunRecord
    warehouse: Path
    ingest: IngestReport | None = None
    build: BuildResult | None = None
    gate: GateReport | None = None
    published: PublishResult | None = None
    reconciliation: list[tuple] = field(default_factory=list)  # (company, reconciliation, months, not clean)
    recomputed: list[tuple] = field(default_factory=list)  # (first month recomputed or None: all, models)
    docs_site: Path | None = None  # the published documentation site's index.html
    docs_error: str | None = None
    dashboard: DashboardResult | None = None
    dashboard_error: str | None = None
    restatements: Restatements | None = None
    restatement_error: str | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)


def check_writable(warehouse: Path) -> None:
    """Fail early, with a plain message, when another process holds the warehouse."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        connect(warehouse).close()
    except duckdb.IOException as error:
        raise CannotRun(
            f"the working warehouse {warehouse} is open in another process ({_lock_holder(error)}). "
            "Close it and run again; BI tools and `mf query` read the published database instead "
            f"({settings.published_dir() / 'yecai.duckdb'}), which never blocks a run.") from None


def _lock_holder(error: Exception) -> str:
    text = str(error)
    return text[text.find("PID"):].split(")")[0] if "PID" in text else "a lock is held"


def _check_settings(landing: Path) -> None:
    """Every setting the stages read, and the landing folder, before anything is written."""
    try:
        GateSettings.from_env()
        settings.closed_month_restatements()
        settings.duckdb_config()
        settings.ingest_settle_seconds()
        settings.ingest_max_bad_rows()
        if settings.target() == "spark":
            require_spark()
    except (SettingError, SparkUnavailable) as error:
        raise CannotRun(str(error)) from None
    if not landing.is_dir():
        raise CannotRun(f"the landing folder {landing} does not exist (or is not a folder): check --landing "
                        "or YECAI_LANDING_DIR")


def run(landing: Path, warehouse: Path, published_dir: Path, progress: bool = True,
        echo: Callable[[str], None] = print, settle_seconds: float | None = None,
        full_refresh: bool = False) -> RunSummary:
    """The main job; see the module docstring. Raises CannotRun before anything is written,
    or when ingestion cannot proceed (the run is then recorded as ingest_failed)."""
    _check_settings(landing)
    check_writable(warehouse)
    started = dt.datetime.now()
    record = RunRecord(run_id=new_run_id(started), started_at=started)
    summary = RunSummary(record=record, warehouse=warehouse)
    record_start(warehouse, record.run_id, started)
    gx_dir = settings.data_dir() / "gx"

    def stage(number: int, name: str, detail: str) -> float:
        echo(f"[{number}/{len(STAGES)}] {name}: {detail}")
        return time.perf_counter()

    def skip(number: int, name: str, why: str) -> None:
        echo(f"[{number}/{len(STAGES)}] {name}: skipped — {why}")

    t = stage(1, "ingest", f"{landing} -> {warehouse}")
    try:
        summary.ingest = ingest(landing, warehouse, progress=progress, settle_seconds=settle_seconds)
    except IngestStopped as error:
        record.status, record.exit_code, record.message = "ingest_failed", EXIT_CANNOT_RUN, str(error)
        record_end(warehouse, record, None)
        raise CannotRun(f"ingest: {error}") from None
    summary.stage_seconds["ingest"] = time.perf_counter() - t

    mode = "full refresh" if full_refresh else "incremental"
    on_spark = settings.target() == "spark"
    t = stage(2, "build", f"dbt build on {'Spark' if on_spark else 'DuckDB'} (models and data tests; {mode})")
    summary.build = build_with_progress(warehouse, progress=progress, full_refresh=full_refresh)
    summary.stage_seconds["build"] = time.perf_counter() - t
    record.models_run, record.tests_run = summary.build.models_run, summary.build.tests_run
    record.tests_failed, record.tests_warned = summary.build.tests_failed, summary.build.tests_warned

    if on_spark:
        t = stage(3, "audit", "Great Expectations checkpoint on the Spark build (GX's Spark engine)")
        marts = _audit_on_spark(summary, gx_dir)
    else:
        summary.recomputed = recomputed_months(warehouse, summary.build.invocation_id)
        t = stage(3, "audit", "Great Expectations checkpoint on the working warehouse")
        summary.gate, marts = _audit(warehouse, gx_dir), warehouse
    if summary.build.exit_code == 0 and marts is not None:
        summary.restatements, summary.restatement_error = _restatements(marts, published_dir)
    summary.stage_seconds["audit"] = time.perf_counter() - t
    summary.reconciliation = _reconciliation_status(marts) if marts else []
    blocked_restatements = (settings.closed_month_restatements() == "block" and summary.restatements is not None
                            and not summary.restatements.closed.empty)

    if summary.build.exit_code != 0:
        record.status, record.message = "build_failed", f"dbt build exited {summary.build.exit_code}"
        skip(4, "publish", "the dbt build failed; the published files are unchanged")
    elif not summary.gate.publishable:
        record.status = "audit_failed"
        record.message = f"{len(summary.gate.failed)} blocking expectation(s) failed"
        skip(4, "publish", "the audit failed; the published files are unchanged")
    elif blocked_restatements:
        record.status = "audit_failed"
        record.message = (f"{len(summary.restatements.closed)} value(s) of closed months would be restated "
                          "(YECAI_CLOSED_MONTH_RESTATEMENTS=block)")
        skip(4, "publish", f"{record.message}; the published files are unchanged")
    else:
        t = stage(4, "publish", f"BI database and Parquet -> {published_dir}")
        summary.published = publish(marts, published_dir, record.run_id, _publication(record, summary),
                                    summary.restatements)
        summary.stage_seconds["publish"] = time.perf_counter() - t
        record.status = "published"
        record.published_database = summary.published.database
        record.published_parquet = summary.published.parquet_dir

    t = stage(5, "docs", "Great Expectations Data Docs, and the dbt docs of the publication")
    record.data_docs = build_data_docs(gx_dir)
    if summary.published:
        summary.docs_site, summary.docs_error = _publish_docs(warehouse, published_dir, record.run_id,
                                                              record.data_docs)
    summary.stage_seconds["docs"] = time.perf_counter() - t
    if summary.published:
        t = stage(6, "dashboard", f"经营驾驶舱 of the publication -> {published_dir / DASHBOARD}")
        summary.dashboard, summary.dashboard_error = publish_dashboard(published_dir, record.run_id)
        summary.stage_seconds["dashboard"] = time.perf_counter() - t
    else:
        skip(6, "dashboard", "nothing new was published; the published dashboard is unchanged")
    record.exit_code = EXIT_PUBLISHED if record.status == "published" else EXIT_NOT_PUBLISHED
    record_end(warehouse, record, summary.gate)
    return summary


def _publish_docs(warehouse: Path, published_dir: Path, run_id: str,
                  data_docs_index: Path | None) -> tuple[Path | None, str | None]:
    """(site index, None) or (None, why not): the data are published either way."""
    data_docs = data_docs_index.parent if data_docs_index else None
    try:
        return publish_folder(published_dir, run_id, DOCS,
                              lambda site: build_site(warehouse, site, data_docs, settings.DBT_TARGET)), None
    except (DocsError, PublishError) as error:
        return None, str(error)


def publish_dashboard(published_dir: Path, run_id: str) -> tuple[DashboardResult | None, str | None]:
    """Write the dashboard of release `run_id` (the current one) into it: (the dashboard,
    None), or (None, why not); the data are published either way."""
    built: list[DashboardResult] = []

    def write(folder: Path) -> Path:
        built.append(build_dashboard(published_dir / DATABASE_NAME, folder / "index.html"))
        return built[-1].path

    try:
        path = publish_folder(published_dir, run_id, DASHBOARD, write)
    except (PublishError, duckdb.Error, OSError) as error:
        return None, str(error).splitlines()[0]
    result = built[-1]
    return DashboardResult(path=path, size_bytes=result.size_bytes, seconds=result.seconds), None


def _audit(warehouse: Path, gx_dir: Path) -> GateReport:
    try:
        return run_gate(warehouse, gx_dir, data_docs=False)
    except Exception as error:  # noqa: BLE001 — any crash of the gate must block, not abort, the run
        return _gate_crashed(error, gx_dir)


def _gate_crashed(error: Exception, gx_dir: Path) -> GateReport:
    log = gx_dir / "gate_error.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(traceback.format_exc(), encoding="utf-8")
    return GateReport.could_not_run(error, log)


def _audit_on_spark(summary: RunSummary, gx_dir: Path) -> Path | None:
    """The audit stage after a Spark build, in one Spark session: the recompute log, the gate
    through GX's Spark engine and, after a build that passed, the published tables written by
    Spark as Parquet. Returns the DuckDB file of views over them that the later stages read
    (None: nothing to publish)."""
    assert summary.build is not None
    written: dict[str, Path] = {}
    docs: dict[str, ModelDocs] = {}
    try:
        with spark_session() as session:
            summary.recomputed = _recomputed(lambda query, params: spark_sql(session, query, params)[1],
                                             summary.build.invocation_id)
            summary.gate = run_gate_on_spark(session, gx_dir, data_docs=False)
            if summary.build.exit_code == 0:
                docs = model_docs(settings.DBT_TARGET / "manifest.json")
                written = write_published_parquet(session, settings.spark_dir() / "published_parquet", docs)
    except Exception as error:  # noqa: BLE001 — as _audit: a crash blocks publication
        summary.gate = _gate_crashed(error, gx_dir)
        return None
    return marts_database(written, settings.spark_dir() / "published_marts.duckdb", docs) if written else None


def _restatements(warehouse: Path, published_dir: Path) -> tuple[Restatements | None, str | None]:
    """What this build would change of the current release; (None, why) when that cannot be
    read (the publish step then reports the same problem)."""
    try:
        return detect(warehouse, published_dir / DATABASE_NAME), None
    except duckdb.Error as error:
        return None, str(error).splitlines()[0]


def _publication(record: RunRecord, summary: RunSummary) -> dict[str, object]:
    gate = summary.gate
    assert gate is not None
    restated = summary.restatements
    return {"run_id": record.run_id, "published_at": dt.datetime.now(dt.UTC), "run_started_at": record.started_at,
            "expectations_passed": len(gate.passed), "expectations_warned": len(gate.warned),
            "expectations_failed": len(gate.failed),
            "values_restated": 0 if restated is None else len(restated.values),
            "closed_month_values_restated": 0 if restated is None else len(restated.closed),
            **_load_totals(summary.warehouse)}


def _load_totals(warehouse: Path) -> dict[str, int]:
    """The raw layer behind the release (every delivery so far, ingest.load_log): files
    loaded and refused, rows loaded and quarantined, for the dashboard's data-quality page."""
    query = """
        select count(*) filter (where status = 'loaded'), count(*) filter (where status = 'refused'),
               coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0)
        from ingest.load_log"""
    with connect(warehouse, read_only=True) as con:
        files_loaded, files_refused, rows_loaded, rows_quarantined = con.execute(query).fetchone()
    return {"files_loaded": files_loaded, "files_refused": files_refused, "rows_loaded": int(rows_loaded),
            "rows_quarantined": int(rows_quarantined)}


_RECOMPUTED = """
    select case when recompute_from_month > date '1900-01-01' then recompute_from_month end, count(*)
    from audit.recompute_log where invocation_id = ? group by 1 order by 1 nulls first"""


def recomputed_months(warehouse: Path, invocation_id: str | None) -> list[tuple]:
    """What the build's month-range incremental models recomputed (audit.recompute_log): per
    first month recomputed, how many models; None for the models built whole (every month)."""
    def rows(query: str, params: list) -> list[tuple]:
        with connect(warehouse, read_only=True) as con:
            return con.execute(query, params).fetchall()
    return _recomputed(rows, invocation_id)


def _recomputed(rows: Callable[[str, list], list[tuple]], invocation_id: str | None) -> list[tuple]:
    if invocation_id is None:
        return []
    try:
        return rows(_RECOMPUTED, [invocation_id])
    except Exception:  # noqa: BLE001 — no log (a build that failed before its first model): nothing recomputed
        return []


def _reconciliation_status(warehouse: Path) -> list[tuple]:
    """Per company and reconciliation: months reconciled and months not clean."""
    query = """
        select company_code, reconciliation_code, count(*), count(*) filter (where not is_clean)
        from marts.fct_reconciliation_monthly group by 1, 2 order by 1, 2"""
    try:
        with connect(warehouse, read_only=True) as con:
            return con.execute(query).fetchall()
    except duckdb.Error:
        return []


def summary_text(summary: RunSummary) -> str:
    record, lines = summary.record, [f"\nrun {summary.record.run_id}: {summary.record.status}"]
    if summary.ingest:
        new = [o for o in summary.ingest.outcomes if not o.earlier]
        lines.append(f"  ingest   {len(new)} new file(s): {sum(o.rows_loaded for o in new):,} rows loaded, "
                     f"{sum(o.rows_quarantined for o in new):,} quarantined, "
                     f"{sum(o.status == 'refused' for o in new)} refused, "
                     f"{sum(o.status == 'failed' for o in new)} failed, "
                     f"{sum(o.status == 'waiting' for o in new)} still being written "
                     "(ingest.load_log, ingest.quarantine, ingest.load_failures)")
        lines += [f"           {o.source_file}: {o.message}" for o in new if o.status in ("refused", "failed")][:10]
    if summary.build:
        b = summary.build
        lines.append(f"  build    {b.models_run} models, {b.tests_run} tests: {b.tests_failed} failed, "
                     f"{b.tests_warned} warned (exit {b.exit_code})")
        lines += [f"           {error}" for error in b.errors[:10]]
    if summary.recomputed:
        parts = [f"{models} from {month:%Y-%m}" if month else f"{models} every month"
                 for month, models in summary.recomputed]
        lines.append(f"           month-range models recomputed: {', '.join(parts)} (audit.recompute_log)")
    if summary.gate:
        g = summary.gate
        lines.append(f"  audit    {len(g.outcomes)} expectations: {len(g.passed)} passed, {len(g.warned)} warned, "
                     f"{len(g.failed)} failed")
        lines += ["           " + line for line in g.summary_text().splitlines()[1:]]
    if summary.restatements is not None and not summary.restatements.values.empty:
        restatement_lines = summary.restatements.summary_lines()
        lines.append(f"  restate  {restatement_lines[0]}")
        lines += ["         " + line for line in restatement_lines[1:]]
    elif summary.restatement_error:
        lines.append(f"  restate  not checked: {summary.restatement_error}")
    if summary.reconciliation:
        lines.append("  reconciliation (company-months not clean / reconciled):")
        by_company: dict[str, list[str]] = {}
        for company, code, months, not_clean in summary.reconciliation:
            by_company.setdefault(company, []).append(f"{code} {not_clean}/{months}")
        lines += [f"           {company}: " + ", ".join(parts) for company, parts in by_company.items()]
    if summary.published:
        p = summary.published
        lines.append(f"  publish  {len(p.tables)} tables -> BI database {p.database}")
        lines.append(f"           Parquet: {p.parquet_dir}")
    else:
        lines.append(f"  publish  not published; {settings.published_dir()} is unchanged")
    if summary.docs_site:
        lines.append(f"  docs     {summary.docs_site} (lineage, overview; the gate's Data Docs inside)")
    elif summary.docs_error:
        lines.append(f"  docs     not updated: {summary.docs_error}")
    if record.data_docs:
        lines.append(f"           Data Docs: {record.data_docs}")
    if summary.dashboard:
        lines.append(f"  dashboard {summary.dashboard.path} ({summary.dashboard.size_bytes / 1e6:.1f} MB; "
                     "opens from disk)")
    elif summary.dashboard_error:
        lines.append(f"  dashboard not updated: {summary.dashboard_error}")
    timings = ", ".join(f"{name} {seconds:.0f}s" for name, seconds in summary.stage_seconds.items())
    lines.append(f"  time     {timings}")
    lines.append(f"  record   audit.runs, audit.run_batches, audit.run_expectations in {summary.warehouse}")
    return "\n".join(lines)
