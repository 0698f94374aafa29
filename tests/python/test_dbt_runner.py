"""How yecai calls dbt: the environment that keeps one partial parse between yecai and plain
`dbt`, and the semantic manifest's private building blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yecai import settings
from yecai.dbt_runner import dbt_env, hide_internal_metrics


@pytest.fixture
def plain_environment(monkeypatch) -> None:
    for name in ("YECAI_DUCKDB_PATH", "YECAI_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_the_default_warehouse_leaves_the_profile_variable_as_plain_dbt_sees_it(plain_environment):
    """dbt hashes the profile's variables: setting YECAI_DUCKDB_PATH to the file the profile
    already names would make every switch between yecai and plain dbt a full re-parse."""
    assert "YECAI_DUCKDB_PATH" not in dbt_env()
    assert "YECAI_DUCKDB_PATH" not in dbt_env(settings.PROJECT_DIR / "data" / "yecai.duckdb")


def test_another_warehouse_is_named_to_dbt(plain_environment, tmp_path):
    assert dbt_env(tmp_path / "other.duckdb")["YECAI_DUCKDB_PATH"] == str((tmp_path / "other.duckdb").resolve())


def test_a_warehouse_named_by_the_user_is_passed_on_unchanged(monkeypatch, tmp_path):
    monkeypatch.setenv("YECAI_DUCKDB_PATH", str(tmp_path / "mine.duckdb"))
    assert dbt_env()["YECAI_DUCKDB_PATH"] == str(tmp_path / "mine.duckdb")


def _metric(name: str, meta: dict | None) -> dict:
    return {"name": name, "type": "simple", "type_params": {"measure": {"name": name}},
            "config": None if meta is None else {"meta": meta}}


def test_internal_metrics_become_private_and_the_others_stay_public(tmp_path: Path):
    manifest = tmp_path / "semantic_manifest.json"
    manifest.write_text(json.dumps({"metrics": [
        _metric("revenue", {}), _metric("dso", None), _metric("component_x", {"internal": True})]}))
    hide_internal_metrics(manifest)
    hide_internal_metrics(manifest)  # idempotent
    metrics = json.loads(manifest.read_text())["metrics"]
    private = {m["name"]: m["type_params"].get("is_private", False) for m in metrics}
    assert private == {"revenue": False, "dso": False, "component_x": True}


def test_no_manifest_is_left_alone(tmp_path: Path):
    hide_internal_metrics(tmp_path / "semantic_manifest.json")
    assert not (tmp_path / "semantic_manifest.json").exists()
