"""Time `yecai ingest` on a landing folder: wall time, rows loaded, peak memory.

Not a test: a tool to see how ingestion scales (e.g. on `yecai generate --scale 1`).

    .venv/bin/python benchmarks/bench_ingest.py data/landing
    .venv/bin/python benchmarks/bench_ingest.py data/landing --database /tmp/bench.duckdb --keep

By default the run loads into a fresh database in a temporary folder (so the numbers are a
full first load, not the no-op of a repeat), then times a second run over the same folder
to show the cost of an idempotent re-run. Peak memory is the process's maximum resident set
size (resource.getrusage), which includes DuckDB's native memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from yecai.ingest import IngestReport, ingest


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _landing_stats(landing: Path) -> tuple[int, int]:
    files = [p for p in landing.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return len(files), sum(p.stat().st_size for p in files)


def _timed_run(landing: Path, database: Path, progress: bool) -> tuple[float, IngestReport]:
    start = time.perf_counter()
    report = ingest(landing, database, progress=progress)
    return time.perf_counter() - start, report


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path, help="landing folder to ingest")
    parser.add_argument("--database", type=Path, default=None,
                        help="DuckDB file to load into (default: a fresh temporary file)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary database and print its path")
    parser.add_argument("--progress", action="store_true", help="show the progress bar")
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="yecai-bench-")
    database = args.database or Path(tmp) / "bench.duckdb"
    n_files, n_bytes = _landing_stats(args.landing)

    first_s, report = _timed_run(args.landing, database, args.progress)
    first_peak = _peak_rss_mib()
    second_s, _ = _timed_run(args.landing, database, args.progress)

    loaded = sum(o.rows_loaded for o in report.outcomes if not o.earlier)
    quarantined = sum(o.rows_quarantined for o in report.outcomes if not o.earlier)
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()]
        raw_rows = sum(con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for t in tables)
    rate = f"{loaded / first_s:,.0f}" if first_s > 0 else "-"
    print(_table([
        ("measure", "value"),
        ("landing files", f"{n_files:,}"),
        ("landing size (MiB)", f"{n_bytes / 2**20:,.1f}"),
        ("first run wall time (s)", f"{first_s:,.2f}"),
        ("rows loaded", f"{loaded:,}"),
        ("rows quarantined", f"{quarantined:,}"),
        ("rows loaded per second", rate),
        ("rows in raw tables afterwards", f"{raw_rows:,}"),
        ("peak memory after first run (MiB)", f"{first_peak:,.0f}"),
        ("second (no-op) run wall time (s)", f"{second_s:,.2f}"),
        ("peak memory overall (MiB)", f"{_peak_rss_mib():,.0f}"),
        ("exit code", str(report.exit_code)),
    ]))
    if args.database is None:
        if args.keep:
            print(f"database kept: {database}")
        else:
            database.unlink(missing_ok=True)
            Path(str(database) + ".wal").unlink(missing_ok=True)
            Path(tmp).rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
