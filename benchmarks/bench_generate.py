"""Benchmark `yecai generate`: wall time, rows written and peak memory at a scale factor.

    .venv/bin/python benchmarks/bench_generate.py --scale 1 [--out /tmp/yecai-bench]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from yecai.generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None, help="keep the extracts here (default: a temp dir, removed)")
    args = parser.parse_args()
    root = args.out or Path(tempfile.mkdtemp(prefix="yecai-bench-"))
    started = time.perf_counter()
    report = generate(root / "landing", root / "answer_key", scale=args.scale, seed=args.seed)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = sum(p.stat().st_size for p in (root / "landing").rglob("*") if p.is_file()) / 2**20
    rows = report.manifest.groupby("extract")["rows"].sum()
    print(f"scale {args.scale}: {seconds:.1f} s wall, peak RSS {peak_mb:,.0f} MB, "
          f"{len(report.manifest)} files, {int(rows.sum()):,} rows, {size_mb:,.0f} MB on disk")
    for stage, secs in report.stage_seconds.items():
        print(f"  {stage:<26} {secs:>8.1f} s")
    for name in ("erp_sales_order_lines", "bil_invoice_lines", "wms_inventory_movements", "fin_journal_lines"):
        print(f"  {name:<26} {int(rows[name]):>12,} rows")
    if args.out is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
