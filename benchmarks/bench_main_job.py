"""Benchmark the main job stage by stage at several scale factors; writes a markdown table.

    .venv/bin/python benchmarks/bench_main_job.py --scale 0.1 --scale 1 [--out benchmarks/RESULTS.md]
    .venv/bin/python benchmarks/bench_main_job.py --scale 10 --no-build-floor
    .venv/bin/python benchmarks/bench_main_job.py --scale 10 --data-dir DIR   # DIR: an earlier `yecai generate`

For each scale: `yecai generate` into a temporary data folder, then `yecai run` on it (ingest,
build, audit, publish, docs, dashboard), in this process, with the stages' wall time from the
run's own summary. Peak memory is sampled every 0.2 s over this process and every process it
starts (dbt, the generator), summed, per stage: what the machine must hold at once. Rows per
second: raw rows loaded by ingest over the stage's time. Beside them, two floors: DuckDB alone
reading every landing file (count(*) over read_csv), and the SQL of the run's build (target/run)
run directly in DuckDB on a copy of the warehouse (bench_dbt_build.py), with the ratio of the
build to it: dbt's overhead.

With --one-day, each scale then gets a one-day delivery and a second `yecai run`: every delta
extract delivers again, as a new CSV file, the rows of the last day its latest CSV delivery holds
(the same versions, so no value changes: the cost of the keys a day touches). Targets of issue 13:
SF 1 main job ≤ 150 s at ≤ 4 GB; one day at SF 1 ≤ 20 s; generator ≤ 2 GB at any scale. Linux
only (/proc).

On Spark (issue 14): the same with YECAI_TARGET=spark (and YECAI_SPARK_MASTER=local[2] for two
cores) and --no-build-floor (the floor replays DuckDB SQL). Spark's JVMs are children of dbt and
of this process, so their memory is in the peaks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from bench_dbt_build import run_directly

from yecai import settings
from yecai.contract import load_contract
from yecai.run import run

PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss_bytes(root_pid: int) -> int:
    """Resident memory of `root_pid` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:  # the process ended meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
        rss[int(entry)] = int(statm[1]) * PAGE
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


@dataclass
class PeakSampler:
    """Samples the process tree's RSS in a thread; the peak per stage named by `stage`."""
    stage: str = "start"
    peaks: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> PeakSampler:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            rss = tree_rss_bytes(os.getpid())
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), rss)


@dataclass
class ScaleResult:
    scale: float
    seconds: dict[str, float]
    peak_bytes: dict[str, int]
    rows_loaded: int
    floor_read_seconds: float
    floor_build_seconds: float | None  # None: not measured (--no-build-floor)
    status: str
    one_day: OneDayResult | None = None


@dataclass
class OneDayResult:
    seconds: dict[str, float]
    peak_bytes: dict[str, int]
    rows_delivered: int
    status: str


def generate(scale: float, data_dir: Path, sampler: PeakSampler) -> float:
    sampler.stage = "generate"
    started = time.perf_counter()
    yecai = Path(sys.executable).with_name("yecai")
    subprocess.run([str(yecai), "generate", "--scale", str(scale)], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "YECAI_DATA_DIR": str(data_dir)})
    return time.perf_counter() - started


def floor_read(landing: Path) -> float:
    """DuckDB alone reading every CSV landing file once, all columns as text: the floor under
    ingest (the odd JSON, Parquet and Excel deliveries of the demo are left out)."""
    started = time.perf_counter()
    with duckdb.connect() as con:
        for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
            for csv in sorted(folder.glob("*.csv")):  # one by one: deliveries of one extract differ in columns
                try:
                    con.execute(f"select count(*) from read_csv('{csv}', all_varchar = true, "
                                "ignore_errors = true, strict_mode = false)").fetchall()
                except duckdb.Error:  # the demo's deliberately broken deliveries (other encodings, junk)
                    continue
    return time.perf_counter() - started


def floor_build(database: Path) -> float:
    """The SQL of the last build (target/run, in dbt's order) run directly in DuckDB."""
    target = settings.DBT_TARGET
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    return run_directly(database, target, results, manifest)[0]


def deliver_one_day(landing: Path) -> int:
    """The last day of every delta extract's latest CSV delivery, delivered again as a new file
    dated the day after (FX rates, which have no updated_at, left out); the rows written."""
    written = 0
    with duckdb.connect() as con:
        for name, extract in load_contract().items():
            files = sorted((landing / name).glob(f"{name}__*__001.csv"))
            if extract.mode != "delta" or "updated_at" not in extract.column_names or not files:
                continue
            latest = files[-1]
            day = latest.name.split("__")[1]
            next_day = (dt.datetime.strptime(day, "%Y%m%d") + dt.timedelta(days=1)).strftime("%Y%m%d")
            rows = f"read_csv('{latest}', all_varchar = true)"
            last = f"(select max(left(updated_at, 10)) from {rows})"
            target = landing / name / f"{name}__{next_day}__001.csv"
            con.execute(f"copy (select * from {rows} where left(updated_at, 10) = {last}) to '{target}' "
                        "(format csv, header true)")
            (count,) = con.execute(f"select count(*) from read_csv('{target}', all_varchar = true)").fetchone()
            written += count
    return written


def run_stages(sampler: PeakSampler):
    def echo(line: str) -> None:
        if line.startswith("[") and "/" in line.split("]")[0]:  # "[2/6] build: ..."
            sampler.stage = line.split("] ", 1)[1].split(":", 1)[0]

    return run(settings.landing_dir(), settings.warehouse_path(), settings.published_dir(),
               progress=False, echo=echo)


def bench_one_day(landing: Path) -> OneDayResult:
    rows = deliver_one_day(landing)
    with PeakSampler() as sampler:
        summary = run_stages(sampler)
    return OneDayResult(summary.stage_seconds, sampler.peaks, rows, summary.record.status)


def bench_scale(scale: float, keep: bool, one_day: bool, build_floor: bool,
                generated: Path | None = None) -> ScaleResult:
    """One scale; with `generated` (a data folder `yecai generate --scale <scale>` wrote, with
    no warehouse yet), its landing files are used and kept, and generation is not timed."""
    data_dir = generated or Path(tempfile.mkdtemp(prefix=f"yecai-bench-sf{scale}-"))
    os.environ["YECAI_DATA_DIR"] = str(data_dir)  # every yecai setting reads it when asked
    os.environ["YECAI_INGEST_SETTLE_SECONDS"] = "0"
    if keep:
        print(f"SF {scale:g}: data folder {data_dir}", file=sys.stderr)
    try:
        with PeakSampler() as sampler:
            seconds = {} if generated else {"generate": generate(scale, data_dir, sampler)}
            summary = run_stages(sampler)
        seconds.update(summary.stage_seconds)
        # A long run's figures survive whatever happens to the floors measured after it.
        print(f"SF {scale:g} {summary.record.status}: " + ", ".join(
            f"{stage} {seconds[stage]:.1f} s / {sampler.peaks.get(stage, 0) / 1e9:.2f} GB"
            for stage in STAGES if stage in seconds), file=sys.stderr, flush=True)
        rows = sum(o.rows_loaded for o in summary.ingest.outcomes) if summary.ingest else 0
        result = ScaleResult(scale, seconds, sampler.peaks, rows, floor_read(settings.landing_dir()),
                             floor_build(settings.warehouse_path()) if build_floor else None,
                             summary.record.status)
        if one_day:
            result.one_day = bench_one_day(settings.landing_dir())
        return result
    finally:
        if not keep and not generated:
            shutil.rmtree(data_dir, ignore_errors=True)


STAGES = ["generate", "ingest", "build", "audit", "publish", "docs", "dashboard"]


def markdown(results: list[ScaleResult]) -> str:
    lines = ["| SF | stage | wall s | peak GB | rows/s |", "|---|---|---:|---:|---:|"]
    for result in results:
        for stage in STAGES:
            if stage not in result.seconds:
                continue
            wall = result.seconds[stage]
            rate = f"{result.rows_loaded / wall:,.0f}" if stage == "ingest" and wall else ""
            peak = result.peak_bytes.get(stage, 0) / 1e9
            lines.append(f"| {result.scale:g} | {stage} | {wall:.1f} | {peak:.2f} | {rate} |")
        job = sum(v for k, v in result.seconds.items() if k != "generate")
        job_peak = max(v for k, v in result.peak_bytes.items() if k != "generate") / 1e9
        lines.append(f"| {result.scale:g} | **main job** ({result.status}) | **{job:.1f}** | **{job_peak:.2f}** | |")
        lines.append(f"| {result.scale:g} | floor: DuckDB reads the landing files | {result.floor_read_seconds:.1f} "
                     f"| | {result.rows_loaded / result.floor_read_seconds:,.0f} |")
        if result.floor_build_seconds is not None:
            lines.append(f"| {result.scale:g} | floor: the build's SQL run directly in DuckDB "
                         f"(build / floor = {result.seconds['build'] / result.floor_build_seconds:.2f}) "
                         f"| {result.floor_build_seconds:.1f} | | |")
        if result.one_day:
            day = result.one_day
            for stage in STAGES[1:]:
                if stage in day.seconds:
                    lines.append(f"| {result.scale:g} | one day ({day.rows_delivered:,} rows): {stage} "
                                 f"| {day.seconds[stage]:.1f} | {day.peak_bytes.get(stage, 0) / 1e9:.2f} | |")
            lines.append(f"| {result.scale:g} | **one day, ingest to publication** ({day.status}) "
                         f"| **{sum(day.seconds.get(s, 0.0) for s in ('ingest', 'build', 'audit', 'publish')):.1f}** "
                         f"| **{max(day.peak_bytes.values()) / 1e9:.2f}** | |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", required=True)
    parser.add_argument("--out", type=Path, help="also write the table to this markdown file")
    parser.add_argument("--keep", action="store_true", help="keep the data folders (printed)")
    parser.add_argument("--one-day", action="store_true", help="then a one-day delivery and a second run")
    parser.add_argument("--no-build-floor", dest="build_floor", action="store_false",
                        help="skip the build floor, which runs the build's SQL a second time (long at SF 10)")
    parser.add_argument("--data-dir", type=Path,
                        help="a data folder an earlier `yecai generate` of the one --scale wrote: skip generation")
    args = parser.parse_args()
    if args.data_dir and len(args.scale) != 1:
        parser.error("--data-dir goes with exactly one --scale")
    results = [bench_scale(scale, args.keep, args.one_day, args.build_floor, args.data_dir) for scale in args.scale]
    table = markdown(results)
    print(table)
    if args.out:
        args.out.write_text(f"Main job by stage, {os.cpu_count()} cores "
                            f"(`benchmarks/bench_main_job.py`, {time.strftime('%Y-%m-%d')}).\n\n{table}",
                            encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
