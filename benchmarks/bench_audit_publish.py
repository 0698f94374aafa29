"""Benchmark what the main job adds after the build: the quality gate (audit), publish, docs.

    .venv/bin/python benchmarks/bench_audit_publish.py /path/to/yecai.duckdb [--copy]

Point it at a built warehouse (e.g. `benchmarks/bench_dbt_build.py` at --scale 1, or
`yecai run` with YECAI_DATA_DIR). The gate writes its inputs to schema `audit`, so --copy
works on a temporary copy. Publishes into a temporary folder. Peak memory is the process's
maximum resident set size (GX, pandas and DuckDB's native memory together).
Budget (issue 8): audit + publish at most 60 s and 4 GB at SF 1 on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from yecai.publish import publish
from yecai.quality.gate import build_data_docs, run_gate


def _peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--copy", action="store_true", help="audit a temporary copy of the warehouse")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="yecai-bench-audit-"))
    warehouse = args.warehouse
    if args.copy:
        warehouse = scratch / "yecai.duckdb"
        shutil.copyfile(args.warehouse, warehouse)

    started = time.perf_counter()
    report = run_gate(warehouse, scratch / "gx", data_docs=False)
    audit_s = time.perf_counter() - started
    print(f"audit: {audit_s:,.1f} s, {len(report.outcomes)} expectations "
          f"({len(report.passed)} passed, {len(report.warned)} warned, {len(report.failed)} failed), "
          f"peak {_peak_rss_gib():.2f} GiB")
    for suite, count in sorted(Counter(o.suite for o in report.outcomes).items()):
        print(f"  {suite}: {count}")

    started = time.perf_counter()
    result = publish(warehouse, scratch / "published", "bench", {"benchmark": True})
    publish_s = time.perf_counter() - started
    print(f"publish: {publish_s:,.1f} s, {len(result.tables)} tables, {sum(result.tables.values()):,} rows, "
          f"peak {_peak_rss_gib():.2f} GiB")

    started = time.perf_counter()
    build_data_docs(scratch / "gx")
    docs_s = time.perf_counter() - started
    print(f"docs: {docs_s:,.1f} s")
    print(f"audit + publish: {audit_s + publish_s:,.1f} s (budget 60 s); peak memory {_peak_rss_gib():.2f} GiB "
          "(budget 4 GB)")
    shutil.rmtree(scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
