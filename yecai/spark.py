"""The Spark session of the main job's stages after a Spark build (the quality gate, the
export of the published tables), on the catalog dbt built: the settings of profiles.yml's
`spark` output, so the two never disagree. Only when YECAI_TARGET=spark; pyspark comes with
`make spark`.

One JVM at a time may open the local catalog (an embedded Derby metastore): dbt's process has
exited before the session starts, and the session's JVM is shut down before the next dbt
command (docs)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import jinja2
import yaml

from yecai import settings
from yecai.publish import MARTS, TIME_SPINE, sql_identifier, sql_literal
from yecai.warehouse import connect

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PROFILE, OUTPUT = "yecai", "spark"
JVM_EXIT_SECONDS = 30


class SparkUnavailable(Exception):
    """pyspark or Java is missing; the message says how to install them."""


def require_spark() -> None:
    """Raise SparkUnavailable, saying what to install, unless pyspark, dbt-spark and Java are here."""
    missing = [package for package, module in (("pyspark", "pyspark"), ("dbt-spark", "dbt.adapters.spark"))
               if not _importable(module)]
    if missing:
        raise SparkUnavailable(f"YECAI_TARGET=spark needs {' and '.join(missing)}: run `make spark` "
                               "(README, 'Moving to Spark')")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise SparkUnavailable("YECAI_TARGET=spark needs Java 17 on the PATH (or JAVA_HOME): `make spark` "
                               "installs it from Debian")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise SparkUnavailable(f"profiles.yml's spark output needs the environment variable {name}")
    return value


def session_settings(profiles: Path | None = None) -> dict[str, str]:
    """The server_side_parameters of profiles.yml's spark output, rendered as dbt renders them."""
    document = yaml.safe_load((profiles or settings.PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    parameters = document[PROFILE]["outputs"][OUTPUT]["server_side_parameters"]
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {key: environment.from_string(str(value)).render(env_var=_env_var) for key, value in parameters.items()}


@contextlib.contextmanager
def spark_session() -> Iterator[SparkSession]:
    """A Hive-catalog session with the profile's settings, started in the project folder (the
    profile's relative paths are relative to it, as for dbt); its JVM is gone afterwards."""
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("pyspark is not installed: run `make spark` (README, 'Moving to Spark')") from None
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in session_settings().items():
        builder = builder.config(key, value)
    with contextlib.chdir(settings.PROJECT_DIR):
        try:
            session = builder.getOrCreate()
        except Exception as error:  # noqa: BLE001 — Java missing or failing to start: one line for the user
            raise SparkUnavailable(f"Spark did not start ({str(error).splitlines()[0]}): Java 17 must be on "
                                   "the PATH (`make spark` installs it)") from None
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        gateway: Any = SparkContext._gateway
        if gateway is not None:  # the JVM itself, which holds the Derby metastore
            gateway.shutdown()
            SparkContext._gateway = SparkContext._jvm = None
            _end(gateway.proc)


def _end(jvm: subprocess.Popen | None) -> None:
    """Wait for the JVM to exit: it does when its stdin closes (pyspark's pipe for that)."""
    if jvm is None:
        return
    if jvm.stdin is not None:
        jvm.stdin.close()
    try:
        jvm.wait(timeout=JVM_EXIT_SECONDS)
    except subprocess.TimeoutExpired:
        jvm.kill()
        jvm.wait()


def spark_sql(session: SparkSession, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
    """The columns and rows of a Spark SQL query with `?` parameters."""
    frame = session.sql(sql, args=list(params)) if params else session.sql(sql)
    return frame.columns, [tuple(row) for row in frame.collect()]


def published_relations(session: SparkSession) -> list[str]:
    """schema.table of every table and view of schema marts, then the time spine (the tables a
    release publishes, as yecai.publish lists them on DuckDB)."""
    marts = sorted(table.name for table in session.catalog.listTables(MARTS) if not table.isTemporary)
    return [f"{MARTS}.{name}" for name in marts] + [".".join(TIME_SPINE)]


@dataclass(frozen=True)
class ModelDocs:
    """A model's description and its columns' (in its YAML's order), from dbt's manifest."""

    description: str
    columns: dict[str, str]
    contracted: bool  # the columns are exactly the table's, in its order


def model_docs(manifest: Path) -> dict[str, ModelDocs]:
    """schema.table -> the docs of every model of the build's manifest."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return {f"{node['schema']}.{node['alias']}": ModelDocs(
                description=node["description"],
                columns={name: column["description"] for name, column in node["columns"].items()},
                contracted=node["config"]["contract"]["enforced"])
            for node in nodes if node["resource_type"] == "model"}


def write_published_parquet(session: SparkSession, folder: Path, docs: dict[str, ModelDocs]) -> dict[str, Path]:
    """Spark writes every published relation as Parquet: folder/<schema>.<table>.parquet, a
    folder of part files (the file names of yecai.publish), a contracted model's columns in its
    contract's order (Spark keeps a partitioned table's month column last). Returns the folders
    by relation."""
    written = {}
    for relation in published_relations(session):
        path = folder / f"{relation}.parquet"
        table = session.table(relation)
        if relation in docs and docs[relation].contracted:
            table = table.select(*docs[relation].columns)
        table.write.mode("overwrite").parquet(str(path))
        written[relation] = path
    return written


def marts_database(written: dict[str, Path], database: Path, docs: dict[str, ModelDocs]) -> Path:
    """A DuckDB file of views over Spark's Parquet (`written`, by relation): what the stages
    after the gate read on DuckDB (reconciliation status, restatements, publish) reads the
    Spark build through it, unchanged. Spark's timestamps are instants (written adjusted to
    UTC, which DuckDB reads as TIMESTAMP WITH TIME ZONE); the views give them as DuckDB's
    TIMESTAMP, the UTC wall-clock time of the session, as the DuckDB build has them. The views
    carry the models' descriptions as comments (on DuckDB dbt persists them), which publish
    copies into the release for BI users."""
    database.unlink(missing_ok=True)
    with connect(database) as con:
        for relation, folder in written.items():
            schema, _ = relation.split(".")
            con.execute(f"create schema if not exists {schema}")
            source = "read_parquet(" + sql_literal(str(folder / "*.parquet")) + ")"
            described = con.execute(f"describe select * from {source}").fetchall()
            columns = ", ".join(
                f"timezone('UTC', {sql_identifier(name)}) as {sql_identifier(name)}"
                if type_ == "TIMESTAMP WITH TIME ZONE" else sql_identifier(name) for name, type_, *_ in described)
            con.execute(f"create view {relation} as select {columns} from {source}")
            _comment(con, relation, docs.get(relation), {name for name, *_ in described})
    return database


def _comment(con: duckdb.DuckDBPyConnection, relation: str, doc: ModelDocs | None, columns: set[str]) -> None:
    if doc is None:
        return
    if doc.description:
        con.execute(f"comment on view {relation} is {sql_literal(doc.description)}")
    for column, description in doc.columns.items():
        if description and column in columns:
            con.execute(f"comment on column {relation}.{sql_identifier(column)} is {sql_literal(description)}")
