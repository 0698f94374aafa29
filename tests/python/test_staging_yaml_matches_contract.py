"""The staging YAML is hand-written but cannot drift from the contract: for every extract the
dbt source lists exactly the contract's columns in its order (then the lineage columns), the
staging model exactly the same columns (grouped as its SQL groups them), both describe each
with its contract type and whether it is required, test not_null exactly on the required
columns, and test the contract's codes as accepted_values. The contract's sign rules
("> 0", ">= 0") are the staging suite's (test_staging_suite_matches_contract.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from yecai import settings
from yecai.contract import LINEAGE_COLUMNS, Extract, load_contract

STAGING = settings.PROJECT_DIR / "models" / "staging"
CONTRACT = load_contract()
HELD_VERSION = "_is_held_version"  # snapshot models only (macros/current_version.sql)


def _staging_yaml() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(extract -> source table spec, extract -> staging model spec) from models/staging."""
    sources, staged = {}, {}
    for path in sorted(STAGING.glob("*/_*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        model_specs = {m["name"]: m for m in spec.get("models", [])}
        for source in spec.get("sources", []):
            for table in source.get("tables", []):
                extract = table.get("identifier", table["name"])
                if extract in CONTRACT:
                    sources[extract] = table
                    staged[extract] = model_specs.get(f"stg_{source['name']}__{table['name']}")
    return sources, staged


SOURCES, MODELS = _staging_yaml()


def _tests(column: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for test in column.get("data_tests", []) or []:
        if isinstance(test, str):
            found[test] = {}
        else:
            (name, config), = test.items()
            found[name] = config or {}
    return found


def _expected_columns(extract: Extract, model: bool) -> list[str]:
    held = [HELD_VERSION] if model and extract.mode == "snapshot" else []
    return [*extract.column_names, *LINEAGE_COLUMNS, *held]


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_source_and_staging_model_list_the_contract_columns(name):
    extract = CONTRACT[name]
    assert name in SOURCES and MODELS.get(name), f"{name}: no dbt source table or staging model"
    assert [c["name"] for c in SOURCES[name]["columns"]] == _expected_columns(extract, model=False)
    model_columns = [c["name"] for c in MODELS[name]["columns"]]
    assert sorted(model_columns) == sorted(_expected_columns(extract, model=True))
    assert len(model_columns) == len(set(model_columns)), f"{name}: a column listed twice"


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_staging_columns_carry_the_contract_rules(name):
    extract = CONTRACT[name]
    by_name = {c["name"]: c for c in MODELS[name]["columns"]}
    source_columns = {c["name"]: c for c in SOURCES[name]["columns"]}
    for column in extract.columns:
        spec, tests = by_name[column.name], _tests(by_name[column.name])
        words = f"Contract type {column.type} (raw {column.raw_type})"
        for described in (spec, source_columns[column.name]):
            assert words in described["description"], f"{name}.{column.name}: description must say {words!r}"
            assert ("Required." in described["description"]) == column.required, f"{name}.{column.name}: Required."
        assert ("not_null" in tests) == column.required, f"{name}.{column.name}: not_null iff required"
        if column.values:
            accepted = tests.get("accepted_values", {})
            values = (accepted.get("arguments") or accepted).get("values")
            assert values == list(column.values), f"{name}.{column.name}: accepted_values {values}"
        else:
            assert "accepted_values" not in tests, f"{name}.{column.name}: the contract lists no codes"
    for lineage in LINEAGE_COLUMNS:
        for described in (by_name[lineage], source_columns[lineage]):
            assert described["description"] == f"{{{{ doc('lineage_{lineage}') }}}}", f"{name}.{lineage}"


def test_every_extract_has_its_delivery_mode_and_key_in_the_model_meta():
    for name, extract in CONTRACT.items():
        meta = MODELS[name]["config"]["meta"]
        assert meta == {"extract": name, "delivery_mode": extract.mode}, name
        assert f"(key: {', '.join(extract.primary_key)})" in MODELS[name]["description"], name


def test_the_lineage_docs_blocks_exist():
    text = (STAGING / "_lineage.md").read_text(encoding="utf-8")
    for lineage in (*LINEAGE_COLUMNS, HELD_VERSION):
        assert f"{{% docs lineage_{lineage} %}}" in text
    assert not [p for p in Path(STAGING).glob("*/_*.yml")
                if "relative to the landing folder (e.g." in p.read_text(encoding="utf-8")], "use the docs blocks"
