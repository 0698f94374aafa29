"""Benchmark `dbt build` on a warehouse: wall time per layer, the slowest models, peak memory.

    .venv/bin/python benchmarks/bench_dbt_build.py /path/to/yecai.duckdb [--copy] [--full-refresh] [--floor]

Point it at a warehouse that `yecai ingest` has loaded (e.g. after
`benchmarks/bench_generate.py --scale 1 --out DIR` and `benchmarks/bench_ingest.py DIR/landing
--database DIR/yecai.duckdb`). --copy builds a copy, leaving the original untouched; --full-refresh
rebuilds the incremental models from every delivery (on a warehouse already built, a build without
it has no new batch to take).

--floor then runs the SQL dbt ran (target/run: every model's statements and every data test's
query, in the order dbt finished them) directly in DuckDB, on a copy of the built warehouse, with
the same thread and memory settings: the floor under the build, and dbt's overhead over it
(parsing, compiling, adapter round trips, the two-thread schedule).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from yecai import settings
from yecai.dbt_runner import run_dbt
from yecai.warehouse import connect

# dbt builds a table or view under a temporary name and renames it; run directly, the statement
# replaces the final one.
_TEMPORARY = re.compile(r"__dbt_tmp\b")
_CREATE = re.compile(r"\bcreate\s+(table|view)\b", re.IGNORECASE)


def run_directly(built: Path, target: Path, results: list[dict], manifest: dict[str, dict]) -> tuple[float, int]:
    """Wall time and statement count of the models' and data tests' SQL of a build, run directly
    in a copy of the built warehouse."""
    scratch = Path(tempfile.mkdtemp(prefix="yecai-bench-floor-"))
    database = scratch / built.name  # the SQL names the catalog after the file
    shutil.copyfile(built, database)
    run_root = target / "run"
    statements = 0
    try:
        with connect(database) as con:
            started = time.perf_counter()
            for result in results:
                node = manifest.get(result["unique_id"], {})
                if node.get("resource_type") not in ("model", "test"):
                    continue  # seeds load rows through the adapter; unit tests have no SQL of the build
                compiled = Path(node["compiled_path"]).parts  # <target>/compiled/<project>/<path>
                sql_file = run_root.joinpath(*compiled[len(compiled) - compiled[::-1].index("compiled"):])
                sql = _CREATE.sub(r"create or replace \1", _TEMPORARY.sub("", sql_file.read_text()))
                con.execute(sql)
                statements += 1
            return time.perf_counter() - started, statements
    finally:
        shutil.rmtree(scratch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--copy", action="store_true", help="build a temporary copy of the database")
    parser.add_argument("--slowest", type=int, default=10)
    parser.add_argument("--full-refresh", action="store_true", help="rebuild the incremental models too")
    parser.add_argument("--floor", action="store_true", help="then run the build's SQL directly (the floor)")
    args = parser.parse_args()
    database = args.database
    scratch = None
    if args.copy:
        scratch = Path(tempfile.mkdtemp(prefix="yecai-bench-dbt-"))
        database = scratch / "yecai.duckdb"
        shutil.copyfile(args.database, database)
    target = Path(tempfile.mkdtemp(prefix="yecai-bench-target-"))
    started = time.perf_counter()
    # as `yecai run` builds: unit tests are development's (DECISIONLOG)
    refresh = ["--full-refresh"] if args.full_refresh else []
    exit_code = run_dbt(["build", "--exclude-resource-type", "unit_test", *refresh, "--target-path", str(target),
                         "--quiet"], database=database)
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
    if args.floor:
        floor, statements = run_directly(database, target, results, manifest)
        print(f"floor: the build's SQL run directly, {statements} models and tests: {floor:.1f} s; "
              f"dbt build / floor = {wall / floor:.2f}")
    shutil.rmtree(target)
    if scratch:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
