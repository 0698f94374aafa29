"""Run dbt against the project, with the warehouse path the rest of yecai uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from yecai import settings


def dbt_env(database: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["YECAI_DUCKDB_PATH"] = str((database or settings.warehouse_path()).resolve())
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def run_dbt(args: list[str], database: Path | None = None) -> int:
    """Run one dbt command in the project folder; returns dbt's exit code."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), *args, "--project-dir", str(settings.PROJECT_DIR),
               "--profiles-dir", str(settings.PROJECT_DIR)]
    return subprocess.run(command, cwd=settings.PROJECT_DIR, env=dbt_env(database)).returncode
