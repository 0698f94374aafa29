"""Benchmark the dashboard stage: build the dashboard of a published database.

    .venv/bin/python benchmarks/bench_dashboard.py /path/to/published/yecai.duckdb [--runs 3]

Point it at the published file of a `yecai run` (e.g. with YECAI_DATA_DIR on `yecai generate
--scale 1` data). Writes to a temporary folder; reports wall time per run, the file's size
and what the data inside weighs, and the process's peak resident memory.
Budget (issue 12): at most 20 s, and a file under 15 MB, at SF 1.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from yecai.dashboard import build_dashboard
from yecai.dashboard.data import read_payload


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yecai-bench-dashboard-") as scratch:
        seconds = []
        for run in range(args.runs):
            started = time.perf_counter()
            result = build_dashboard(args.database, Path(scratch) / f"run{run}" / "index.html")
            seconds.append(time.perf_counter() - started)
        payload = read_payload(args.database)
    sizes = {key: len(json.dumps(value, ensure_ascii=False)) for key, value in payload.items()}
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"dashboard: {min(seconds):.1f} s best, {max(seconds):.1f} s worst of {args.runs}; "
          f"{result.size_bytes / 1e6:.1f} MB; peak {peak_gib:.2f} GiB")
    print("data inside (MB): " + ", ".join(f"{key} {size / 1e6:.2f}" for key, size in
                                           sorted(sizes.items(), key=lambda item: -item[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
