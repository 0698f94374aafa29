"""Run the Great Expectations suites of expectations/ against the working warehouse.

Each area suite (expectations/suites/<area>.json) holds expectations on several tables,
each naming its table in meta.table. GX validates one table per validation definition, so
the gate splits every area suite into one suite per table (`<area>.<schema>.<table>`),
runs them all as one checkpoint through the buffered DuckDB dialect (real SQL on the
warehouse), builds the Data Docs and turns the result into a GateReport.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from yecai import settings
from yecai.publish import MARTS
from yecai.quality import dialect
from yecai.quality.inputs import MARTS_COLUMNS, audit_inputs, write_audit_inputs
from yecai.quality.report import ExpectationOutcome, GateReport
from yecai.spark import spark_sql

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PROJECT_GX_DIR = settings.PROJECT_DIR / "expectations"
SUITES_DIR = PROJECT_GX_DIR / "suites"
DATASOURCE = "warehouse"
CHECKPOINT = "yecai_gate"
LINEAGE_COLUMNS = ("_source_file", "_source_row_number")
SAMPLE_ROWS = 5
SAMPLE_COLUMNS = 7  # of a failing row, beside its lineage and checked columns: its key and what names it
UNEXPECTED_ROWS = "unexpected_rows_expectation"
COUNTED_ROWS = "unexpected_rows_count"  # the gate runs UNEXPECTED_ROWS as this (quality/unexpected_rows.py)
WHOLE_TABLE = "whole_table"  # each table is validated as one batch
# The Data Docs render every stored validation result, so a store that kept every run would make
# each run's docs slower than the last. Every run's outcomes stay in audit.run_expectations.
KEPT_RUNS = 20
RUN_FOLDER = re.compile(r"\d{8}T\d{6}\.\d+Z")  # GX's folder of one run's result of one suite


def load_area_suites(suites_dir: Path = SUITES_DIR) -> dict[str, dict[str, Any]]:
    """The suite files, by area (file stem), as GX suite dicts."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(suites_dir.glob("*.json"))}


def reads_any(expectation: dict[str, Any], tables: set[str]) -> bool:
    """Whether the expectation checks one of `tables` or queries one of them."""
    query = expectation["kwargs"].get("unexpected_rows_query", "")
    return expectation["meta"]["table"] in tables or any(table in query for table in tables)


def expectations_by_table(suites: dict[str, dict[str, Any]],
                          tables: set[str] | None = None) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(area, schema.table) -> that area's expectations on that table; with `tables`, only
    the expectations that read one of them."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for area, suite in suites.items():
        for expectation in suite["expectations"]:
            if tables is None or reads_any(expectation, tables):
                grouped[(area, expectation["meta"]["table"])].append(expectation)
    return dict(grouped)


def _working_project(gx_dir: Path) -> Path:
    """A fresh copy of the project's GX config under gx_dir; the results and Data Docs pages
    of the last KEPT_RUNS - 1 runs are kept, so that with this run's there are KEPT_RUNS."""
    gx_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT_GX_DIR / "great_expectations.yml", gx_dir / "great_expectations.yml")
    for derived in ("suites", "uncommitted/validation_definitions", "uncommitted/checkpoints"):
        shutil.rmtree(gx_dir / derived, ignore_errors=True)
    (gx_dir / "suites").mkdir()
    prune_results(gx_dir, keep=KEPT_RUNS - 1)
    return gx_dir


def prune_results(gx_dir: Path, keep: int) -> None:
    """Remove all but the newest `keep` results of each suite, and their Data Docs pages."""
    for root in (gx_dir / "uncommitted" / "validations",
                 gx_dir / "uncommitted" / "data_docs" / "local_site" / "validations"):
        runs: dict[Path, list[Path]] = defaultdict(list)
        for folder in root.rglob("*") if root.is_dir() else ():
            if RUN_FOLDER.fullmatch(folder.name) and folder.is_dir():
                runs[folder.parent].append(folder)
        for folders in runs.values():
            newest_first = sorted(folders, key=lambda f: f.name, reverse=True)  # names are UTC times
            for old in newest_first[keep:]:
                shutil.rmtree(old)


def _existing_tables(engine: Engine) -> set[str]:
    with engine.connect() as con:
        rows = con.exec_driver_sql("select table_schema || '.' || table_name from information_schema.tables")
        return {row[0] for row in rows}


class QueryFailed(Exception):
    """A sample or count query failed on the engine; the message is its first line."""


# Runs a query with positional `?` parameters: (column names, rows), or raises QueryFailed.
Query = Callable[[str, tuple], tuple[list[str], list[tuple]]]


@dataclass(frozen=True)
class _Engine:
    """What the gate reads beside GX's own computation, on one engine: samples of failing rows
    and counts of unexpected rows."""

    query: Query
    quote: str  # of identifiers: '"' in DuckDB, '`' in Spark SQL


def run_gate(warehouse: Path, gx_dir: Path | None = None, semantic_manifest: Path | None = None,
             suites_dir: Path = SUITES_DIR, tables: set[str] | None = None,
             data_docs: bool = True) -> GateReport:
    """Validate every suite against the DuckDB `warehouse`; the report says whether it may be
    published.

    `tables` limits the run to the expectations reading those tables (for tests that break
    one table); `data_docs=False` skips building the HTML.
    """
    gx = _great_expectations()
    from great_expectations.checkpoint import UpdateDataDocsAction

    started = time.perf_counter()
    context, by_table = _prepare(gx_dir, suites_dir, tables)
    write_audit_inputs(warehouse, semantic_manifest or settings.SEMANTIC_MANIFEST)
    dialect.register()
    connection_string = dialect.connection_url(str(warehouse.resolve()))
    probe = context.data_sources.add_or_update_sql(name=DATASOURCE, connection_string=connection_string)
    existing = _existing_tables(probe.get_engine())
    probe.get_engine().dispose()
    # Every asset in one save of the project config: adding them one by one rewrites it each
    # time (about 10 s for the 66 tables).
    source = context.data_sources.add_or_update_sql(
        name=DATASOURCE, connection_string=connection_string,
        assets=[_whole_table_asset(table) for table in sorted({t for _, t in by_table} & existing)])
    engine = source.get_engine()
    definitions, missing = _definitions(context, source, by_table, existing)
    results = []
    if definitions:
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=CHECKPOINT, validation_definitions=definitions, result_format="SUMMARY",
            actions=[UpdateDataDocsAction(name="update_data_docs")] if data_docs else []))
        results = list(checkpoint.run().run_results.values())
    # Samples go through GX's engine: DuckDB allows one configuration per file and process.
    with engine.connect() as con:
        outcomes = missing + _outcomes(results, _Engine(query=_sql_query(con), quote='"'))
    # Free the file for the next writer in this process (DuckDB: one configuration per file).
    engine.dispose()
    source.get_execution_engine().engine.dispose()
    return _report(outcomes, gx_dir, data_docs, started)


def run_gate_on_spark(session: SparkSession, gx_dir: Path | None = None, semantic_manifest: Path | None = None,
                      suites_dir: Path = SUITES_DIR, tables: set[str] | None = None,
                      data_docs: bool = True) -> GateReport:
    """run_gate on the tables of a Spark build, through GX's Spark engine: each table is read
    as a DataFrame of `session`'s catalog, and the suites' queries run as Spark SQL."""
    started = time.perf_counter()
    context, by_table = _prepare(gx_dir, suites_dir, tables)
    _write_audit_inputs_on_spark(session, semantic_manifest or settings.SEMANTIC_MANIFEST)
    existing = {table for _, table in by_table if session.catalog.tableExists(table)}
    source = context.data_sources.add_or_update_spark(
        name=DATASOURCE, assets=[{"name": table, "type": "dataframe", "batch_definitions": [{"name": WHOLE_TABLE}]}
                                 for table in sorted(existing)])
    definitions, missing = _definitions(context, source, by_table, existing)
    # A DataFrame batch is given at run time, so each definition runs on its own table.
    results = [definition.run(batch_parameters={"dataframe": session.table(definition.suite.meta["table"])},
                              result_format="SUMMARY") for definition in definitions]
    if data_docs:
        context.build_data_docs()
    outcomes = missing + _outcomes(results, _Engine(query=_spark_query(session), quote="`"))
    return _report(outcomes, gx_dir, data_docs, started)


def _write_audit_inputs_on_spark(session: SparkSession, semantic_manifest: Path) -> None:
    """write_audit_inputs, as tables of the Spark catalog."""
    session.sql("create database if not exists audit")
    for name, frame in audit_inputs(semantic_manifest).items():
        schema = ", ".join(f"`{c}` {'double' if frame[c].dtype.kind == 'f' else 'string'}" for c in frame.columns)
        rows = frame.astype(object).where(frame.notna(), None).values.tolist()
        session.createDataFrame(rows, schema).write.mode("overwrite").saveAsTable(f"audit.{name}")
    columns = [(MARTS, table.name, column.name) for table in session.catalog.listTables(MARTS)
               for column in session.catalog.listColumns(f"{MARTS}.{table.name}")]
    session.createDataFrame(columns, "table_schema string, table_name string, column_name string") \
        .write.mode("overwrite").saveAsTable(f"audit.{MARTS_COLUMNS}")


def _great_expectations() -> Any:
    """GX, imported when used (it takes seconds), with the gate's own expectation registered:
    the suites and results the gate stores name it, so every GX context here needs it."""
    import great_expectations as gx

    from yecai.quality import unexpected_rows  # noqa: F401 — registers COUNTED_ROWS with GX

    return gx


def _prepare(gx_dir: Path | None, suites_dir: Path,
             tables: set[str] | None) -> tuple[Any, dict[tuple[str, str], list[dict[str, Any]]]]:
    """The GX project of this run, and the expectations by (area, table)."""
    gx = _great_expectations()

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="file", context_root_dir=str(_working_project(gx_dir or settings.data_dir() / "gx")))
    return context, expectations_by_table(load_area_suites(suites_dir), tables)


def _definitions(context: Any, source: Any, by_table: dict[tuple[str, str], list[dict[str, Any]]],
                 existing: set[str]) -> tuple[list[Any], list[ExpectationOutcome]]:
    """A validation definition per (area, table) whose table exists; a failed outcome for every
    expectation on a table that does not."""
    gx = _great_expectations()
    missing: list[ExpectationOutcome] = []
    definitions = []
    for (area, table), expectations in by_table.items():
        if table not in existing:
            missing += [_missing_table_outcome(area, table, e) for e in expectations]
            continue
        counted = [{**e, "type": COUNTED_ROWS} if e["type"] == UNEXPECTED_ROWS else e for e in expectations]
        suite = context.suites.add(gx.ExpectationSuite(name=f"{area}.{table}", expectations=counted,
                                                       meta={"area": area, "table": table}))
        batch = source.get_asset(table).get_batch_definition(WHOLE_TABLE)
        definitions.append(context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{area}.{table}", data=batch, suite=suite)))
    return definitions, missing


def _outcomes(results: list[Any], engine: _Engine) -> list[ExpectationOutcome]:
    outcomes = []
    for validation in results:
        area, table = validation.suite_name.split(".", 1)
        outcomes += [_outcome(engine, area, table, r) for r in validation.results]
    return outcomes


def _report(outcomes: list[ExpectationOutcome], gx_dir: Path | None, data_docs: bool, started: float) -> GateReport:
    docs = (gx_dir or settings.data_dir() / "gx") / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return GateReport(outcomes=outcomes, data_docs=docs if data_docs and docs.exists() else None,
                      seconds=time.perf_counter() - started)


def _sql_query(con: Connection) -> Query:
    def query(sql: str, params: tuple) -> tuple[list[str], list[tuple]]:
        try:
            result = con.exec_driver_sql(sql, params)
        except DBAPIError as error:
            con.rollback()
            raise QueryFailed(str(error.orig).splitlines()[0]) from None
        return list(result.keys()), [tuple(row) for row in result.fetchall()]
    return query


def _spark_query(session: SparkSession) -> Query:
    def query(sql: str, params: tuple) -> tuple[list[str], list[tuple]]:
        try:
            return spark_sql(session, sql, params)
        except Exception as error:  # noqa: BLE001 — Spark raises several kinds (analysis, execution, Py4J)
            raise QueryFailed(str(error).strip().splitlines()[0]) from None
    return query


def _whole_table_asset(table: str) -> dict[str, Any]:
    """The configuration of a table asset read as one batch (GX's fluent datasource model)."""
    schema, name = table.split(".")
    return {"name": table, "type": "table", "schema_name": schema, "table_name": name,
            "batch_definitions": [{"name": WHOLE_TABLE}]}


def _missing_table_outcome(area: str, table: str, expectation: dict[str, Any]) -> ExpectationOutcome:
    return ExpectationOutcome(
        suite=area, table=table, name=expectation["meta"]["name"], expectation_type=expectation["type"],
        column=expectation["kwargs"].get("column"), description=expectation.get("description") or "",
        severity=expectation.get("severity", "critical"), success=False,
        observed=f"table {table} does not exist in the warehouse (did the build fail?)",
        expectation_id=expectation.get("id", ""))


def _outcome(engine: _Engine, area: str, table: str, result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    expectation_type = UNEXPECTED_ROWS if config.type == COUNTED_ROWS else config.type  # as the suite names it
    column = config.kwargs.get("column")
    error, samples = _raised(result.exception_info), ()
    observed = f"error: {error}" if error else _observed(result)
    if not error and not result.success:
        samples = _samples(engine, table, expectation_type, config.kwargs, result.result)
        if expectation_type == UNEXPECTED_ROWS:
            observed = f"{result.result['observed_value']:,} unexpected rows"  # counted by GX, not again
    return ExpectationOutcome(
        suite=area, table=table, name=config.meta["name"], expectation_type=expectation_type, column=column,
        description=config.description or "", severity=getattr(config.severity, "value", str(config.severity)),
        success=bool(result.success) and not error, observed=observed, samples=samples, expectation_id=config.id or "")


def _raised(exception_info: Any) -> str | None:
    """The message of an exception GX caught, top-level or nested per metric (GX 1.24 keys
    a failing metric's error by metric id), or None."""
    if not isinstance(exception_info, dict):
        return None
    if exception_info.get("raised_exception"):
        return str(exception_info.get("exception_message")).splitlines()[0]
    for nested in exception_info.values():
        message = _raised(nested)
        if message:
            return message
    return None


def _observed(result: Any) -> str:
    measured = result.result or {}
    if measured.get("element_count") == 0:
        return "the table is empty"
    if measured.get("unexpected_count") is not None and measured.get("element_count") is not None:
        return f"{measured['unexpected_count']:,} of {measured['element_count']:,} rows unexpected"
    if "observed_value" in measured:
        return f"observed {measured['observed_value']}"
    return json.dumps(measured, default=str)[:200]


def _samples(engine: _Engine, table: str, expectation_type: str, kwargs: dict[str, Any],
             measured: dict[str, Any]) -> tuple[dict, ...]:
    """A few failing rows, re-selected from the table so they carry the lineage columns."""
    if expectation_type == UNEXPECTED_ROWS:
        query = f"select * from ({kwargs['unexpected_rows_query'].replace('{batch}', table)}) as unexpected " \
                f"limit {SAMPLE_ROWS}"
        return _rows(engine, query, ())
    column = kwargs.get("column")
    if column is None:
        return ()
    quoted = f"{engine.quote}{column}{engine.quote}"
    values = [v for v in (measured or {}).get("partial_unexpected_list", []) if v is not None]
    if expectation_type == "expect_column_values_to_not_be_null" or not values:
        predicate, params = f"{quoted} is null", ()
    else:
        predicate = f"{quoted} in ({', '.join('?' for _ in values[:SAMPLE_ROWS])})"
        params = tuple(values[:SAMPLE_ROWS])
    return _rows(engine, f"select * from {table} where {predicate} limit {SAMPLE_ROWS}", params, column)


def _rows(engine: _Engine, query: str, params: tuple, column: str | None = None) -> tuple[dict, ...]:
    try:
        names, rows = engine.query(query, params)
    except QueryFailed as error:
        return ({"sample_error": str(error)},)
    first = [c for c in (*LINEAGE_COLUMNS, column) if c in names]
    order = first + [n for n in names if n not in first][:SAMPLE_COLUMNS]
    return tuple({n: row[names.index(n)] for n in order} for row in rows)


def build_data_docs(gx_dir: Path) -> Path | None:
    """Render the Data Docs (suites and every stored validation result) as static HTML."""
    gx = _great_expectations()

    if not (gx_dir / "great_expectations.yml").exists():
        return None
    context = gx.get_context(mode="file", context_root_dir=str(gx_dir))
    context.build_data_docs()
    index = gx_dir / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return index if index.exists() else None
