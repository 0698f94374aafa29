"""The project's structural rules, checked on dbt's manifest (dbt-project-evaluator cannot be
installed here): layers flow one way, sources are read only in staging, names carry their
layer's prefix, every model has a tested primary key, every public model an enforced
contract, every model and column a description, and every owner one spelling.

The manifest comes from `dbt parse` into a temporary target folder (no warehouse needed).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from yecai import settings

LAYERS = {"staging": 0, "intermediate": 1, "marts": 2, "semantic": 3}
PREFIXES = {"staging": r"stg_[a-z]+__[a-z0-9_]+", "intermediate": r"int_[a-z_]+__[a-z0-9_]+",
            "marts": r"(dim|fct|metric)_[a-z0-9_]+", "semantic": r"metricflow_[a-z0-9_]+"}
PRIMARY_KEY_TESTS = {"unique", "unique_combination_of_columns"}
PUBLIC_LAYERS = {"marts", "semantic"}
CHARTER_OWNERS = {row["owner"] for row in csv.DictReader(
    (settings.PROJECT_DIR / "seeds" / "metric_catalog.csv").open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict[str, Any]:
    target = tmp_path_factory.mktemp("dbt_parse")
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "YECAI_DUCKDB_PATH": str(target / "x.duckdb")}
    result = subprocess.run([str(dbt), "parse", "--project-dir", str(settings.PROJECT_DIR), "--profiles-dir",
                             str(settings.PROJECT_DIR), "--target-path", str(target), "--log-path", str(target)],
                            capture_output=True, text=True, env=env, cwd=settings.PROJECT_DIR)
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {key: node for key, node in manifest["nodes"].items() if node["resource_type"] == "model"}


def layer(node: dict[str, Any]) -> str:
    return Path(node["original_file_path"]).parts[1]


def test_every_model_is_in_a_layer_and_named_for_it(manifest):
    wrong = [(n["name"], layer(n)) for n in models(manifest).values()
             if layer(n) not in LAYERS or not re.fullmatch(PREFIXES[layer(n)], n["name"])]
    assert not wrong, f"models outside a layer or without its prefix: {wrong}"
    staging_system = [n["name"] for n in models(manifest).values() if layer(n) == "staging"
                      and not n["name"].startswith(f"stg_{Path(n['original_file_path']).parts[2]}__")]
    assert not staging_system, f"staging models not named stg_<folder>__<entity>: {staging_system}"


def test_layers_flow_one_way(manifest):
    nodes = manifest["nodes"]
    back_edges = [(nodes[parent]["name"], node["name"]) for node in models(manifest).values()
                  for parent in node["depends_on"]["nodes"]
                  if parent.startswith("model.") and LAYERS[layer(nodes[parent])] > LAYERS[layer(node)]]
    assert not back_edges, f"a model reads a later layer (parent, child): {back_edges}"


def test_sources_are_read_only_in_staging(manifest):
    outside = [(node["name"], parent) for node in models(manifest).values() if layer(node) != "staging"
               for parent in node["depends_on"]["nodes"] if parent.startswith("source.")]
    assert not outside, f"sources read outside staging: {outside}"


def test_every_model_has_a_tested_primary_key(manifest):
    tested: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and (node.get("test_metadata") or {}).get("name") in PRIMARY_KEY_TESTS:
            tested |= {parent for parent in node["depends_on"]["nodes"] if parent.startswith("model.")}
    names = {node["name"]: key for key, node in models(manifest).items()}
    missing = []
    for key, node in models(manifest).items():
        # a pass-through view may point at the models whose key tests cover its rows
        upstream = _passed_through(node)
        if key not in tested and not (upstream and all(names.get(name) in tested for name in upstream)):
            missing.append(node["name"])
    assert not missing, f"models without a unique test on their key: {missing}"


def test_public_models_are_what_bi_reads_and_carry_contracts(manifest):
    for node in models(manifest).values():
        public = node["access"] == "public"
        assert public == (layer(node) in PUBLIC_LAYERS), f"{node['name']}: access {node['access']}"
        if public:
            assert node["config"]["contract"]["enforced"], f"{node['name']}: public without an enforced contract"


def test_every_model_and_column_is_described(manifest):
    undescribed = [node["name"] for node in models(manifest).values() if not node["description"].strip()]
    undescribed += [f"{node['name']}.{name}" for node in models(manifest).values()
                    for name, column in node["columns"].items() if not column["description"].strip()]
    assert not undescribed, f"no description: {undescribed}"


def test_owners_have_one_spelling(manifest):
    groups = {group["name"]: group["owner"]["name"] for group in manifest["groups"].values()}
    assert len(set(groups.values())) == len(groups), "one group per team"
    ungrouped = [node["name"] for node in models(manifest).values() if node["group"] not in groups]
    assert not ungrouped, f"models without a group: {ungrouped}"
    team_names = set(groups.values())
    model_owners = [node["name"] for node in models(manifest).values() if "owner" in node["config"].get("meta", {})]
    assert not model_owners, f"a model's owner is its group, not meta.owner: {model_owners}"
    source_owners = {source["source_meta"].get("owner") for source in manifest["sources"].values()}
    assert source_owners <= team_names | CHARTER_OWNERS, source_owners - team_names - CHARTER_OWNERS
    catalog = {row["metric_code"]: row["owner"] for row in csv.DictReader(
        (settings.PROJECT_DIR / "seeds" / "metric_catalog.csv").open(encoding="utf-8"))}
    metric_owners = {metric["name"]: metric["meta"].get("owner") for metric in manifest["metrics"].values()
                     if metric["name"] in catalog}
    charter_owners = {code: catalog[code] for code in metric_owners}
    assert metric_owners == charter_owners, "semantic metrics carry the charter's owner"


def _passed_through(node: dict[str, Any]) -> list[str]:
    """The models a view passes through unchanged (meta primary_key_tested_on: one or a list)."""
    upstream = node["config"].get("meta", {}).get("primary_key_tested_on") or []
    return [upstream] if isinstance(upstream, str) else list(upstream)


def _test_signatures(manifest: dict[str, Any], constraints: bool = False) -> dict[str, set[tuple]]:
    """Each model's data tests as (test, arguments, where, severity); with `constraints`, an
    enforced not_null constraint counts as the blocking not_null test it replaces."""
    signatures: dict[str, set[tuple]] = {}
    for key, node in models(manifest).items():
        if constraints and node["config"]["contract"]["enforced"] and node["config"]["materialized"] == "table":
            signatures[key] = {("not_null", json.dumps({"column_name": name}), None, "error")
                               for name, column in node["columns"].items()
                               if any(c["type"] == "not_null" for c in column.get("constraints", []))}
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata")
        if node["resource_type"] != "test" or not metadata:
            continue
        arguments = json.dumps({k: v for k, v in metadata["kwargs"].items() if k != "model"}, sort_keys=True)
        signature = (metadata["name"], arguments, node["config"].get("where"), node["config"]["severity"].lower())
        if node.get("attached_node"):  # the tested model (a relationships test also depends on its target)
            signatures.setdefault(node["attached_node"], set()).add(signature)
    return signatures


def test_pass_through_views_do_not_repeat_their_models_tests(manifest):
    """A view that passes models' rows through (meta primary_key_tested_on: those models,
    themselves perhaps such views) holds the same values under the same column names: a test
    every one of them already runs would only run the view's query again on the same rows."""
    signatures = _test_signatures(manifest)
    upstream_signatures = _test_signatures(manifest, constraints=True)
    names = {node["name"]: key for key, node in models(manifest).items()}

    def covered(key: str) -> set[tuple]:
        upstream = _passed_through(manifest["nodes"][key])
        if not upstream:
            return set()
        return set.intersection(*(upstream_signatures.get(names[name], set()) | covered(names[name])
                                  for name in upstream))

    repeated = [(node["name"], signature[:2]) for key, node in models(manifest).items()
                for signature in signatures.get(key, set()) & covered(key)]
    assert not repeated, f"tests a pass-through view repeats from the model it passes through: {repeated}"


def test_contract_tables_check_not_null_as_a_constraint(manifest):
    """On a table with an enforced contract, DuckDB refuses a NULL while the table is written;
    a blocking not_null test would read the table once more to find the same thing."""
    signatures = _test_signatures(manifest)
    repeated = [(node["name"], json.loads(signature[1])["column_name"]) for key, node in models(manifest).items()
                if node["config"]["contract"]["enforced"] and node["config"]["materialized"] == "table"
                for signature in signatures.get(key, set())
                if signature[0] == "not_null" and signature[2] is None and signature[3] == "error"]
    assert not repeated, f"blocking not_null tests on contract tables (make them constraints): {repeated}"


# SQL that DuckDB runs and Spark does not (or runs differently); a model needing it goes
# through a dispatched macro (macros/cross_database.sql) or one of dbt's cross-database macros.
DUCKDB_ONLY = {
    "a :: cast": r"::",
    "qualify": r"\bqualify\b",
    "string_agg / list functions": r"\b(string_agg|list_\w+|array_agg)\s*\(",
    "strftime / strptime": r"\b(strftime|strptime)\s*\(",
    "DuckDB date functions": r"\b(date_diff|date_sub|epoch|make_date)\s*\(",
    "DuckDB regex functions": r"\bregexp_(full_match|matches)\s*\(",
    "struct literals": r"\bstruct_pack\s*\(|\{\s*'\w+'\s*:",
    "DuckDB table functions": r"\b(read_csv|read_parquet|generate_series|range)\s*\(",
}


def test_models_use_no_duckdb_only_sql(manifest):
    found = []
    for node in models(manifest).values():
        sql = re.sub(r"--[^\n]*", "", node["raw_code"])  # comments may name anything
        found += [f"{node['original_file_path']}: {what}" for what, pattern in DUCKDB_ONLY.items()
                  if re.search(pattern, sql, re.IGNORECASE)]
    assert not found, found
