"""Running the main job, `yecai run`, as an operator does: a subprocess on a data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from yecai import settings

YECAI = str(Path(sys.executable).with_name("yecai"))


def run_env(root: Path) -> dict[str, str]:
    # The settings of the test session stay out, except the project folder it builds in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("YECAI_") or k == "YECAI_PROJECT_DIR"}
    env.update(YECAI_DATA_DIR=str(root), YECAI_INGEST_SETTLE_SECONDS="0", DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    return env


def yecai_run(root: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([YECAI, "run", "--no-progress"], env={**run_env(root), **env}, cwd=settings.PROJECT_DIR,
                          capture_output=True, text=True, timeout=900)
