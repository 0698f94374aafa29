"""`yecai ingest`: load the deliveries of the landing folder into the raw layer.

Each delivery file is checked against the source-extract contract: files that cannot be
used at all are refused (with a reason, in ingest.load_log), rows that break the contract
go to ingest.quarantine (one row per failing column, with the whole record), and the rest
is loaded, cast to the raw types, into raw.<extract> with lineage columns. Re-running is a
no-op; see load.py for the ledger rules and validate.py for the value rules.

Modules: discover (find the files, wait until they are complete) -> files (open one
regular file safely) -> encoding (text decoding) -> records (records too long to read) ->
readers (one module per format, into one staging shape) -> validate (shared SQL checks and casts)
-> load (ledger decisions and the per-file transaction) -> mirror (the raw layer as Parquet, for
Spark, when settings.raw_parquet_dir() says so) -> report (summary and exit code).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
from tqdm import tqdm

from yecai import settings
from yecai.contract import Extract, load_contract
from yecai.ingest.discover import discover, wait_until_settled
from yecai.ingest.errors import IngestStopped, first_line
from yecai.ingest.load import Loader
from yecai.ingest.mirror import MirrorError, MirrorReport, mirror_raw_layer
from yecai.ingest.report import FileOutcome, IngestReport
from yecai.ingest.schema import ensure_schema
from yecai.warehouse import connect

__all__ = ["ingest", "IngestReport", "FileOutcome", "IngestStopped"]


def _workdir_prefix(database: Path) -> str:
    return f".yecai-ingest-{database.name}-"


def open_warehouse(database: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, for writing, with yecai's thread and memory settings; IngestStopped
    when a setting is invalid or another process holds the file."""
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = connect(database)
    except settings.SettingError as error:
        raise IngestStopped(str(error)) from None
    except duckdb.IOException as error:
        raise IngestStopped(f"the warehouse {database} is in use by another process ({first_line(error)}); "
                            "wait for it to finish, then run again") from None
    con.execute("SET enable_progress_bar = false")  # our own bar is per file, on stderr
    return con


def _remove_stale_workdirs(database: Path) -> None:
    """Temporary folders a killed run left beside the warehouse. Only a writer of this
    warehouse makes them, and we hold its lock, so every one found is stale."""
    prefix = _workdir_prefix(database)
    for stale in database.parent.iterdir():
        if stale.name.startswith(prefix) and stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


def ingest(landing: Path, database: Path, progress: bool = True, settle_seconds: float | None = None) -> IngestReport:
    """Load every new delivery under `landing` into the warehouse at `database`.

    Creates every raw table of the contract and the ingest ledger tables even when there
    is nothing to load. Opens the database once; processes the files extract by extract in
    file-name order; one transaction per file. A file is read once it has been unchanged
    for `settle_seconds` (default YECAI_INGEST_SETTLE_SECONDS). A tqdm bar over the files
    goes to stderr unless `progress` is False. Raises IngestStopped when the run cannot
    proceed (`yecai ingest` then exits settings.EXIT_CANNOT_RUN).
    """
    landing, database = Path(landing), Path(database)
    try:
        settle = settings.ingest_settle_seconds() if settle_seconds is None else settle_seconds
        max_bad_rows = settings.ingest_max_bad_rows()
        mirror_folder = settings.raw_parquet_dir()
    except settings.SettingError as error:
        raise IngestStopped(str(error)) from None
    if not landing.is_dir():
        raise IngestStopped(f"the landing folder {landing} does not exist (or is not a folder): check "
                            "--landing or YECAI_LANDING_DIR; nothing was loaded")
    extracts = load_contract()
    con = open_warehouse(database)
    try:
        report = _load_all(con, landing, database, extracts, settle, max_bad_rows, progress)
        if mirror_folder is not None:
            report.mirror = _mirror(con, extracts, mirror_folder)
        return report
    except duckdb.OutOfMemoryException as error:
        raise IngestStopped(f"DuckDB ran out of memory (YECAI_MEMORY_LIMIT={settings.memory_limit()}): "
                            f"{first_line(error)}") from error
    finally:
        con.close()


def _mirror(con: duckdb.DuckDBPyConnection, extracts: dict[str, Extract], folder: Path) -> MirrorReport:
    try:
        return mirror_raw_layer(con, extracts, folder)
    except (MirrorError, OSError, duckdb.IOException) as error:
        raise IngestStopped(f"the raw layer was loaded, but its Parquet mirror in {folder} could not be written: "
                            f"{first_line(error)}; the next run writes what is missing") from error


def _load_all(con: duckdb.DuckDBPyConnection, landing: Path, database: Path, extracts: dict[str, Extract],
              settle: float, max_bad_rows: int, progress: bool) -> IngestReport:
    """The run on an open warehouse: tables, discovery, the wait, then file after file."""
    _remove_stale_workdirs(database)
    ensure_schema(con, extracts)
    found = discover(landing, extracts)
    report = IngestReport(landing=landing, database=database, notes=found.notes)
    notify = (lambda line: tqdm.write(line, file=sys.stderr)) if progress else (lambda _: None)
    settled, still_changing = wait_until_settled(found.deliveries, settle, notify)
    report.outcomes += [FileOutcome(d.source_file, d.extract_name, "waiting", message=(
        f"still being written (changed within the last {settle:g} s, YECAI_INGEST_SETTLE_SECONDS): "
        "not read; a later run takes it once it is unchanged")) for d in still_changing]
    loaded_at = dt.datetime.now()  # one timestamp for the whole run
    # Transcoded and shortened copies go next to the warehouse (where there is room for
    # data), not to a possibly small /tmp.
    with tempfile.TemporaryDirectory(prefix=_workdir_prefix(database), dir=database.parent) as workdir:
        failure_log = settings.log_dir() / f"ingest-{loaded_at:%Y%m%dT%H%M%S}.log"
        loader = Loader(con, loaded_at, Path(workdir), max_bad_rows, failure_log)
        with tqdm(total=len(settled), unit="file", file=sys.stderr, disable=not progress) as bar:
            for delivery in settled:
                bar.set_description(delivery.extract_name or "(not an extract)")
                report.outcomes.append(loader.process(delivery))
                bar.update()
    return report
