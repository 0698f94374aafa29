"""Session-wide generated datasets and warehouses, shared by every test module (a conftest,
so each is built once per test session, not once per module that imports it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import worker_project  # noqa: F401 — first: it may set YECAI_PROJECT_DIR before yecai.settings is read
from main_job import yecai_run

from yecai.dbt_runner import run_dbt
from yecai.generate import GenerateReport, generate
from yecai.ingest import ingest

DEMO_SCALE = 0.01
# Test files are complete when written: ingest need not wait for them to settle (the tests of
# that wait set it themselves).
os.environ["YECAI_INGEST_SETTLE_SECONDS"] = "0"


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> GenerateReport:
    """The demo dataset: default defect rates."""
    root = tmp_path_factory.mktemp("demo")
    return generate(root / "landing", root / "answer_key", scale=DEMO_SCALE, seed=42)


@pytest.fixture(scope="session")
def clean_data(tmp_path_factory) -> GenerateReport:
    """The same business with every defect rate at 0."""
    root = tmp_path_factory.mktemp("clean")
    return generate(root / "landing", root / "answer_key", scale=DEMO_SCALE, seed=42, defect_factor=0.0)


# A run generated in three shards (as every run above SHARD_SCALE is), small enough for CI.
SHARDED_SCALE, SHARDS = 0.006, 3


@pytest.fixture(scope="session")
def sharded_data(tmp_path_factory) -> GenerateReport:
    root = tmp_path_factory.mktemp("sharded")
    return generate(root / "landing", root / "answer_key", scale=SHARDED_SCALE, seed=42,
                    shard_scale=SHARDED_SCALE / SHARDS)


@pytest.fixture(scope="session")
def sharded_clean_data(tmp_path_factory) -> GenerateReport:
    root = tmp_path_factory.mktemp("sharded_clean")
    return generate(root / "landing", root / "answer_key", scale=SHARDED_SCALE, seed=42, defect_factor=0.0,
                    shard_scale=SHARDED_SCALE / SHARDS)


@pytest.fixture(scope="session")
def demo_warehouse(demo_data, tmp_path_factory) -> Path:
    """The demo dataset ingested and built by dbt (every model and test): the warehouse
    file. Built once per test session; tests open it read-only."""
    database = tmp_path_factory.mktemp("warehouse") / "yecai.duckdb"
    report = ingest(demo_data.landing, database, progress=False)
    assert report.exit_code == 0, report.summary_text()
    assert run_dbt(["build"], database=database) == 0, "dbt build failed on the demo data"
    return database


@pytest.fixture(scope="session")
def clean_warehouse(clean_data, tmp_path_factory) -> Path:
    """The clean dataset (no defect injected) ingested and built by dbt (every model and
    test): every expectation of the quality gate holds on it."""
    database = tmp_path_factory.mktemp("clean_warehouse") / "yecai.duckdb"
    report = ingest(clean_data.landing, database, progress=False)
    assert report.exit_code == 0, report.summary_text()
    assert run_dbt(["build"], database=database) == 0, "dbt build failed on the clean data"
    return database


@pytest.fixture(scope="session")
def first_run(demo_data, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, float]:
    """A data folder with the demo landing files after one successful `yecai run` (the
    landing, the warehouse, the published release and its dashboard); tests that change it
    work on a copy."""
    root = tmp_path_factory.mktemp("run")
    shutil.copytree(demo_data.landing, root / "landing")
    started = time.perf_counter()
    result = yecai_run(root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root, result, time.perf_counter() - started


# Fixtures that generate, ingest or build a warehouse: a test using one is `slow`, and
# `make test-fast` (pytest -m "not slow") leaves it out.
_SLOW_FIXTURES = {"demo_data", "clean_data", "sharded_data", "sharded_clean_data", "generated", "generated_clean",
                  "demo_warehouse", "clean_warehouse", "first_run"}


# Before pytest-xdist's own hook, which reads the xdist_group markers into the test ids.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if _SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(_worker_group(item, fixtures)))


def _worker_group(item: pytest.Item, fixtures: set[str]) -> str:
    """The group of a slow test under `make test` (pytest-xdist, --dist loadgroup): a group runs
    on one worker, which builds the session fixtures it needs once. The largest group (the
    warehouses' tests) starts on one worker; the main job on Spark, then the longest runs of the
    main job (marked long_main_job), both on first_run, on the other. The fast tests fill in."""
    if "spark_run" in fixtures:
        return "spark"
    if item.get_closest_marker("long_main_job") is not None:
        return "long_main_job"
    return "warehouses"
