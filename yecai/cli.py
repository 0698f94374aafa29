"""The `yecai` command line: each step on its own, or the main job `yecai run` (`demo` on generated data)."""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from pathlib import Path

import click

from yecai import settings

DEMO_SCALE = 0.01


class _OneLineErrors(click.Group):
    """A setting that is not usable, or a crash, ends a command with one line on stderr and
    exit status 2; the traceback goes to a log file, not to the 2 a.m. terminal."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201 — click's signature
        try:
            return super().invoke(ctx)
        except settings.SettingError as error:
            _fail(f"yecai {ctx.invoked_subcommand}: {error}")
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:  # noqa: BLE001 — the last resort: one line and a log
            log = settings.log_dir() / f"crash-{dt.datetime.now():%Y%m%dT%H%M%S}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(traceback.format_exc(), encoding="utf-8")
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            _fail(f"yecai {ctx.invoked_subcommand}: failed: {type(error).__name__}: {first} (traceback in {log})")


def _fail(line: str) -> None:
    click.echo(line, err=True)
    sys.exit(settings.EXIT_CANNOT_RUN)


@click.group(cls=_OneLineErrors)
@click.version_option(package_name="yecai")
def main() -> None:
    """yecai (业财): land source extracts, build the warehouse, publish for BI."""


def _shown_default(default_fn) -> str:  # noqa: ANN001
    try:
        return str(default_fn())
    except settings.SettingError as error:  # reported when the command runs
        return f"(not usable: {error})"


def _path_option(name: str, default_fn, help_text: str):
    return click.option(
        name,
        type=click.Path(path_type=Path),
        default=None,
        show_default=False,
        help=f"{help_text} [default: {_shown_default(default_fn)}]",
    )


@main.command()
@_path_option("--landing", settings.landing_dir, "Landing folder to write the extracts into.")
@_path_option("--answer-key", settings.answer_key_dir, "Folder for the defect answer key.")
@click.option("--scale", type=float, default=DEMO_SCALE, show_default=True,
              help="Scale factor: 1 ≈ one million sales order lines.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--defect-rate", type=float, default=None,
              help="Scale every injected defect rate by this factor (0 = clean data).")
def generate(landing: Path | None, answer_key: Path | None, scale: float, seed: int,
             defect_rate: float | None) -> None:
    """Write synthetic source extracts, exactly as the contract says."""
    from yecai.generate import generate as run_generate

    report = run_generate(
        landing=landing or settings.landing_dir(),
        answer_key=answer_key or settings.answer_key_dir(),
        scale=scale,
        seed=seed,
        defect_factor=1.0 if defect_rate is None else defect_rate,
    )
    click.echo(report.summary_text())


@main.command()
@_path_option("--landing", settings.landing_dir, "Landing folder to read deliveries from.")
@_path_option("--database", settings.warehouse_path, "Warehouse DuckDB file to load into.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def ingest(landing: Path | None, database: Path | None, progress: bool) -> None:
    """Load every new delivery into the raw layer; quarantine what breaks the contract.

    Exit status 0: every new delivery conforms. 1: some new delivery was refused, failed or
    had rows quarantined (see ingest.load_log and ingest.quarantine). 2: the run could not
    proceed (warehouse in use, landing folder missing, invalid setting, out of memory or disk).
    """
    from yecai.ingest import IngestStopped
    from yecai.ingest import ingest as run_ingest

    try:
        report = run_ingest(
            landing=landing or settings.landing_dir(),
            database=database or settings.warehouse_path(),
            progress=progress,
        )
    except IngestStopped as error:
        _fail(f"yecai ingest: cannot run: {error}")
    click.echo(report.summary_text())
    sys.exit(report.exit_code)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
def build(dbt_args: tuple[str, ...]) -> None:
    """Run `dbt build` on the warehouse (extra arguments go to dbt)."""
    from yecai.dbt_runner import run_dbt
    from yecai.run import CannotRun, check_writable

    try:
        check_writable(settings.warehouse_path())
    except CannotRun as error:
        _fail(f"yecai build: cannot run: {error}")
    sys.exit(run_dbt(["build", *dbt_args]))


@main.command()
@_path_option("--database", settings.warehouse_path, "Warehouse DuckDB file to audit.")
@click.option("--data-docs/--no-data-docs", default=True, show_default=True)
def audit(database: Path | None, data_docs: bool) -> None:
    """Run the quality gate (expectations/) on the warehouse without publishing (with
    YECAI_TARGET=spark: on the Spark build, through GX's Spark engine).

    Exit status 0: nothing blocking failed. 1: some blocking expectation failed.
    """
    from yecai.quality.gate import run_gate, run_gate_on_spark

    if settings.target() == "spark":
        from yecai.spark import SparkUnavailable, spark_session

        try:
            with spark_session() as session:
                report = run_gate_on_spark(session, settings.data_dir() / "gx", data_docs=data_docs)
        except SparkUnavailable as error:
            _fail(f"yecai audit: cannot run: {error}")
    else:
        report = run_gate(database or settings.warehouse_path(), settings.data_dir() / "gx", data_docs=data_docs)
    click.echo(report.summary_text())
    sys.exit(0 if report.publishable else 1)


@main.command()
@_path_option("--database", settings.warehouse_path, "Warehouse DuckDB file to document.")
def docs(database: Path | None) -> None:
    """Build the documentation site of the working warehouse (dbt docs as one static page that
    opens from disk, the gate's Data Docs inside) into $YECAI_DATA_DIR/docs. `yecai run`
    publishes the site of each release with it, in the published folder's docs/."""
    from yecai.docs import DocsError, build_site

    gx_docs = settings.data_dir() / "gx" / "uncommitted" / "data_docs" / "local_site"
    try:
        index = build_site(database or settings.warehouse_path(), settings.data_dir() / "docs", gx_docs)
    except DocsError as error:
        _fail(f"yecai docs: {error}")
    click.echo(f"docs: {index}")


@main.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the file here instead of into the current release (published/dashboard/index.html).")
def dashboard(output: Path | None) -> None:
    """Build the management dashboard (经营驾驶舱) from the published BI database: one HTML file
    that opens from disk (no server, no network). `yecai run` builds it for every release."""
    from yecai.dashboard import build_dashboard
    from yecai.publish import DATABASE_NAME
    from yecai.run import publish_dashboard
    from yecai.warehouse import connect

    database = settings.published_dir() / DATABASE_NAME
    if not database.is_file():
        _fail(f"yecai dashboard: nothing is published yet ({database} does not exist): run `yecai run` first")
    if output is not None:
        result = build_dashboard(database, output)
    else:
        with connect(database, read_only=True) as con:
            (run_id,) = con.execute("select run_id from marts.publication").fetchone()
        result, error = publish_dashboard(settings.published_dir(), run_id)
        if result is None:
            _fail(f"yecai dashboard: {error}")
    click.echo(f"dashboard: {result.path} ({result.size_bytes / 1e6:.1f} MB, {result.seconds:.1f} s)")


@main.command()
@click.argument("metric")
@click.option("--company", required=True, help="A company_code of dim_company, or ALL.")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM", help="The month of the value.")
@click.option("--limit", type=int, default=20, show_default=True, help="Documents to list, largest first.")
@click.option("--all", "list_all", is_flag=True, help="List every document.")
@_path_option("--database", lambda: settings.published_dir() / "yecai.duckdb", "Published BI database to read.")
def explain(metric: str, company: str, month_text: str, limit: int, list_all: bool, database: Path | None) -> None:
    """The documents behind one published value of metric_values (穿透), with their totals:
    Σ numerator / Σ denominator recomputed from them next to the published value. Exit 0
    when they agree, 1 when not."""
    import datetime as dt

    from yecai.explain import ExplainError, render
    from yecai.explain import explain as explain_value

    try:
        month = dt.datetime.strptime(month_text, "%Y-%m").date()
    except ValueError:
        _fail(f"yecai explain: --month must be YYYY-MM, got {month_text!r}")
    try:
        explanation = explain_value(database or settings.published_dir() / "yecai.duckdb", metric, company, month)
    except ExplainError as error:
        _fail(f"yecai explain: {error}")
    click.echo(render(explanation, None if list_all else limit))
    sys.exit(0 if explanation.agrees else 1)


@main.command()
@click.option("--check", is_flag=True, help="Only check that the committed files are up to date (exit 1 if not).")
def lineage(check: bool) -> None:
    """Compute every indicator's column lineage from the compiled SQL (sqlglot) and write
    seeds/metric_column_lineage.csv and its docs page (models/marts/metrics/_metric_lineage.md).
    Run it after changing a model an indicator reads; the tests fail while they are stale."""
    import tempfile

    from yecai.lineage import LineageError, compile_project, generated_files

    try:
        with tempfile.TemporaryDirectory(prefix="yecai-lineage-") as scratch:
            files = generated_files(settings.PROJECT_DIR, compile_project(Path(scratch)))
    except LineageError as error:
        _fail(f"yecai lineage: {error}")
    stale = [path for path, text in files.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    for path in stale:
        relative = path.relative_to(settings.PROJECT_DIR)
        if check:
            click.echo(f"stale: {relative}")
        else:
            path.write_text(files[path], encoding="utf-8")
            click.echo(f"wrote {relative}")
    if check and stale:
        click.echo("yecai lineage: the committed lineage is stale; run `yecai lineage` and commit the result", err=True)
        sys.exit(1)
    if not stale:
        click.echo("lineage up to date")


@main.command()
@click.argument("before", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("after", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def compare(before: Path, after: Path) -> None:
    """Compare two published databases table by table, row for row (e.g. before and after a
    refactoring). Exit status 0: identical. 1: some table differs."""
    from yecai.compare import compare as run_compare

    result = run_compare(before, after)
    click.echo(result.summary_text())
    sys.exit(0 if result.identical else 1)


@main.command(name="run")
@_path_option("--landing", settings.landing_dir, "Landing folder to read deliveries from.")
@click.option("--progress/--no-progress", default=True, show_default=True)
@click.option("--full-refresh", is_flag=True,
              help="Rebuild the incremental models from every delivery instead of the new ones only.")
def run_command(landing: Path | None, progress: bool, full_refresh: bool) -> None:
    """The main job: ingest → build → audit → publish → docs → dashboard.

    Publishes the BI database only when the dbt build and every blocking expectation pass.
    Exit status 0: published. 1: not published (the published files are unchanged).
    2: could not run (warehouse locked, invalid setting).
    """
    _run_main_job(landing or settings.landing_dir(), progress, full_refresh=full_refresh)


@main.command()
@click.option("--scale", type=float, default=DEMO_SCALE, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
def demo(scale: float, seed: int) -> None:
    """Generate demo extracts, then the main job (`yecai run`) on them."""
    from yecai.generate import generate as run_generate

    click.echo(f"generating demo extracts (scale {scale}, seed {seed}) -> {settings.landing_dir()}")
    gen = run_generate(landing=settings.landing_dir(), answer_key=settings.answer_key_dir(),
                       scale=scale, seed=seed, defect_factor=1.0)
    click.echo(gen.summary_text())
    # The generator has finished writing every file: nothing to wait for.
    _run_main_job(settings.landing_dir(), progress=True, settle_seconds=0)


def _run_main_job(landing: Path, progress: bool, settle_seconds: float | None = None,
                  full_refresh: bool = False) -> None:
    from yecai.run import CannotRun, run, summary_text

    try:
        summary = run(landing, settings.warehouse_path(), settings.published_dir(), progress=progress,
                      echo=click.echo, settle_seconds=settle_seconds, full_refresh=full_refresh)
    except CannotRun as error:
        _fail(f"yecai run: cannot run: {error}")
    click.echo(summary_text(summary))
    sys.exit(summary.record.exit_code)


if __name__ == "__main__":
    main()
