"""`yecai ingest`: load the deliveries of the landing folder into the raw layer.

Each delivery file is checked against the source-extract contract: files that cannot be
used at all are refused (with a reason, in ingest.load_log), rows that break the contract
go to ingest.quarantine (one row per failing column, with the whole record), and the rest
is loaded, cast to the raw types, into raw.<extract> with lineage columns. Re-running is a
no-op; see load.py for the ledger rules and validate.py for the value rules.

Modules: discover (find and fingerprint files) -> encoding (text decoding) -> readers (one
per format, into one staging shape) -> validate (shared SQL checks and casts) -> load
(ledger decisions and the per-file transaction) -> report (summary and exit code).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import duckdb
from tqdm import tqdm

from yecai.contract import load_contract
from yecai.ingest.discover import discover
from yecai.ingest.load import Loader
from yecai.ingest.report import FileOutcome, IngestReport
from yecai.ingest.schema import ensure_schema

__all__ = ["ingest", "IngestReport", "FileOutcome"]


def ingest(landing: Path, database: Path, progress: bool = True) -> IngestReport:
    """Load every new delivery under `landing` into the warehouse at `database`.

    Creates every raw table of the contract and the ingest ledger tables even when there
    is nothing to load. Opens the database once; processes the files extract by extract in
    file-name order; one transaction per file. A tqdm bar over the files goes to stderr
    unless `progress` is False.
    """
    landing, database = Path(landing), Path(database)
    extracts = load_contract()
    found = discover(landing, extracts)
    report = IngestReport(landing=landing, database=database,
                          ignored_folders=found.ignored_folders,
                          landing_exists=found.landing_exists)
    database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute("SET enable_progress_bar = false")  # our own bar is per file, on stderr
        ensure_schema(con, extracts)
        loaded_at = dt.datetime.now()  # one timestamp for the whole run
        # Transcoded copies of GB18030 files go next to the warehouse (where there is room
        # for data), not to a possibly small /tmp.
        with tempfile.TemporaryDirectory(prefix=".yecai-ingest-", dir=database.parent) as workdir:
            loader = Loader(con, loaded_at, Path(workdir))
            with tqdm(total=len(found.deliveries), unit="file", file=sys.stderr,
                      disable=not progress) as bar:
                for delivery in found.deliveries:
                    bar.set_description(delivery.extract_name or "(not an extract)")
                    report.outcomes.append(loader.process(delivery))
                    bar.update()
    finally:
        con.close()
    return report
