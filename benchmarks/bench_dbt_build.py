"""Benchmark `dbt build` on a warehouse: wall time per layer, the slowest models, peak memory.

    .venv/bin/python benchmarks/bench_dbt_build.py /path/to/yecai.duckdb [--copy]

Point it at a warehouse that `yecai ingest` has loaded (e.g. after
`benchmarks/bench_generate.py --scale 1 --out DIR` and `benchmarks/bench_ingest.py DIR/landing
--database DIR/wh.duckdb`). --copy builds a copy, leaving the original untouched.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from yecai import settings
from yecai.dbt_runner import run_dbt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--copy", action="store_true", help="build a temporary copy of the database")
    parser.add_argument("--slowest", type=int, default=10)
    args = parser.parse_args()
    database = args.database
    scratch = None
    if args.copy:
        scratch = Path(tempfile.mkdtemp(prefix="yecai-bench-dbt-"))
        database = scratch / "yecai.duckdb"
        shutil.copyfile(args.database, database)
    target = Path(tempfile.mkdtemp(prefix="yecai-bench-target-"))
    started = time.perf_counter()
    exit_code = run_dbt(["build", "--target-path", str(target), "--quiet"], database=database)
    wall = time.perf_counter() - started
    # dbt runs as a child process: its peak memory is the children's maximum RSS.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    per_layer: dict[str, float] = defaultdict(float)
    models = []
    for r in results:
        node = manifest.get(r["unique_id"], {})
        kind = node.get("resource_type", r["unique_id"].split(".")[0])
        if kind == "model":
            layer = Path(node["original_file_path"]).parts[1]
            models.append((r["execution_time"], node["name"]))
        else:
            layer = f"{kind}s"
        per_layer[layer] += r["execution_time"]
    print(f"dbt build: exit {exit_code}, {wall:.1f} s wall, peak RSS {peak_mb:,.0f} MB, "
          f"{len(results)} nodes ({settings.PROJECT_DIR})")
    print("execution time per layer (s, summed over nodes; 2 threads run in parallel):")
    for layer, secs in sorted(per_layer.items(), key=lambda kv: -kv[1]):
        print(f"  {layer:<14} {secs:>8.1f}")
    print(f"{args.slowest} slowest models (s):")
    for secs, name in sorted(models, reverse=True)[: args.slowest]:
        print(f"  {name:<48} {secs:>8.1f}")
    shutil.rmtree(target)
    if scratch:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
