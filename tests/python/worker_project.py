"""Under pytest-xdist (`make test` runs two workers), each worker builds in its own copy of the
dbt project. dbt writes target/ (manifests, run results, partial parse) and `mf` reads
target/semantic_manifest.json, so two workers in one folder would read each other's
half-written files. Imported by conftest before anything imports yecai.settings, which reads
YECAI_PROJECT_DIR once."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
# Built or installed things the copy does not need (the venvs are linked, not copied).
_NOT_COPIED = shutil.ignore_patterns(".git", ".venv", ".venv-superset", "data", "target", "logs", "artifacts",
                                     "__pycache__", ".ruff_cache", "*.egg-info")


def copy_project(project: Path) -> Path:
    """A copy of the dbt project at `project`, without what builds write (target/, data/)."""
    shutil.copytree(CHECKOUT, project, ignore=_NOT_COPIED)
    for venv in (".venv", ".venv-superset"):
        if (CHECKOUT / venv).exists():
            (project / venv).symlink_to(CHECKOUT / venv)
    return project


def _use_a_copy_per_worker() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or "YECAI_PROJECT_DIR" in os.environ:
        return
    scratch = Path(tempfile.mkdtemp(prefix=f"yecai-project-{worker}-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    os.environ["YECAI_PROJECT_DIR"] = str(copy_project(scratch / "project"))
    os.environ.setdefault("YECAI_ARTIFACTS_DIR", str(CHECKOUT / "artifacts"))  # kept for the build


_use_a_copy_per_worker()
