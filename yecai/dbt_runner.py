"""Run dbt against the project, with the warehouse path the rest of yecai uses."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from yecai import settings

_PR_SET_PDEATHSIG = 1


# profiles.yml's default warehouse, relative to the project folder dbt runs in.
_PROFILE_DEFAULT_WAREHOUSE = "data/yecai.duckdb"


def dbt_env(database: Path | None = None) -> dict[str, str]:
    """The environment of a dbt run on `database` (default the warehouse). YECAI_DUCKDB_PATH
    is set only where the profile would resolve another file: dbt hashes the profile's
    variables, and a changed value costs a full re-parse, so yecai and a plain `dbt` on the
    same warehouse share one partial parse."""
    env = dict(os.environ)
    target = (database or settings.warehouse_path()).resolve()
    profile_value = Path(env.get("YECAI_DUCKDB_PATH", _PROFILE_DEFAULT_WAREHOUSE))
    if (settings.PROJECT_DIR / profile_value).resolve() != target:  # an absolute value ignores the folder
        env["YECAI_DUCKDB_PATH"] = str(target)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def _die_with_parent() -> None:
    """Linux: dbt is killed when its parent dies, so a killed `yecai run` leaves no dbt
    process holding the warehouse's write lock."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _dbt_command(args: list[str]) -> list[str]:
    dbt = Path(sys.executable).with_name("dbt")
    return [str(dbt), *args, "--project-dir", str(settings.PROJECT_DIR), "--profiles-dir", str(settings.PROJECT_DIR)]


def run_dbt(args: list[str], database: Path | None = None) -> int:
    """Run one dbt command in the project folder; returns dbt's exit code."""
    exit_code = subprocess.run(_dbt_command(args), cwd=settings.PROJECT_DIR, env=dbt_env(database),
                               preexec_fn=_die_with_parent).returncode
    hide_internal_metrics(settings.SEMANTIC_MANIFEST)
    return exit_code


def run_dbt_captured(args: list[str], database: Path | None = None) -> subprocess.CompletedProcess:
    """run_dbt with dbt's output captured (for a stage that reports one line, not dbt's log)."""
    return subprocess.run(_dbt_command(args), cwd=settings.PROJECT_DIR, env=dbt_env(database),
                          capture_output=True, text=True, preexec_fn=_die_with_parent)


def hide_internal_metrics(semantic_manifest: Path) -> None:
    """Make the semantic layer's building-block metrics (meta internal: true) private, so
    MetricFlow lists only the indicators. dbt 1.11's metric spec has no such flag; MetricFlow
    reads `type_params.is_private` from the manifest dbt writes at every parse, so each dbt
    run through yecai sets it again. Idempotent; no manifest (a failed parse) is left alone."""
    if not semantic_manifest.exists():
        return
    manifest = json.loads(semantic_manifest.read_text(encoding="utf-8"))
    changed = False
    for metric in manifest.get("metrics", []):
        internal = bool(((metric.get("config") or {}).get("meta") or {}).get("internal", False))
        if metric["type_params"].get("is_private", False) != internal:
            metric["type_params"]["is_private"] = internal
            changed = True
    if changed:  # replaced whole, so an `mf` reading meanwhile never sees half a file
        partial = semantic_manifest.with_suffix(".json.partial")
        partial.write_text(json.dumps(manifest), encoding="utf-8")
        partial.replace(semantic_manifest)


# Lines of output shown when dbt fails before it logs an error event.
CRASH_LINES = 20

# dbt's JSON log events that mark a finished node (model, test, seed, unit test).
_NODE_RESULT_EVENTS = {"LogModelResult", "LogTestResult", "LogSeedResult", "LogNodeResult",
                       "LogSnapshotResult"}


@dataclass(frozen=True)
class BuildResult:
    exit_code: int
    models_run: int
    tests_run: int
    tests_failed: int
    tests_warned: int
    errors: tuple[str, ...]  # dbt's error messages, as dbt wrote them
    invocation_id: str | None = None  # dbt's, as the recompute log (audit.recompute_log) records it


def build_with_progress(database: Path | None = None, progress: bool = True,
                        full_refresh: bool = False) -> BuildResult:
    """`dbt build` with a progress bar over finished nodes instead of dbt's full log;
    errors and failing tests are collected for the summary. Incremental models take only
    the new deliveries unless `full_refresh`. Unit tests are left to development and CI
    (`yecai build`, `make test`): their inputs are fixed, so a production run would only
    repeat them."""
    command = _dbt_command(["--log-format", "json", "build", "--exclude-resource-type", "unit_test",
                            *(["--full-refresh"] if full_refresh else [])])
    errors: list[str] = []
    other_output: list[str] = []  # not dbt's events: Spark's JVM log, or a crash before dbt logged
    with subprocess.Popen(command, cwd=settings.PROJECT_DIR, env=dbt_env(database), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                          preexec_fn=_die_with_parent) as process, \
            tqdm(desc="dbt build", unit="node", file=sys.stderr, disable=not progress) as bar:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                info = json.loads(line)["info"]
            except (ValueError, KeyError):
                other_output.append(line.rstrip())
                continue
            if info["name"] in _NODE_RESULT_EVENTS:
                bar.update(1)
            if info["level"] == "error":
                errors.append(info["msg"])
    if process.returncode != 0 and not errors:  # dbt failed before it could log why
        errors = other_output[-CRASH_LINES:]
    hide_internal_metrics(settings.SEMANTIC_MANIFEST)
    counts = _run_result_counts(settings.DBT_TARGET / "run_results.json")
    return BuildResult(exit_code=process.returncode, errors=tuple(e for e in errors if e.strip()), **counts)


def _run_result_counts(run_results: Path) -> dict[str, object]:
    document = json.loads(run_results.read_text(encoding="utf-8")) if run_results.exists() else {}
    results = document.get("results", [])
    models = [r for r in results if r["unique_id"].startswith("model.")]
    tests = [r for r in results if r["unique_id"].startswith(("test.", "unit_test."))]
    return {"invocation_id": document.get("metadata", {}).get("invocation_id"),
            "models_run": sum(r["status"] == "success" for r in models),
            "tests_run": len(tests),
            "tests_failed": sum(r["status"] in ("fail", "error") for r in tests),
            "tests_warned": sum(r["status"] == "warn" for r in tests)}
