"""A real BI tool reads the published file: Apache Superset 6.1.0, from its own venv
(`make superset`, requirements-superset.lock: SQLAlchemy 1.4, duckdb-engine 0.17), started
as the README's recipe starts it. Through its REST API (a JWT, the CSRF token and the session
cookie) the test registers the published DuckDB file, adds metric_values as a dataset, saves
a chart and runs the chart's query. Expected numbers come from the release's Parquet copy
with pandas, never from Superset's SQL."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests

from yecai import settings

pytestmark = pytest.mark.slow

SUPERSET = settings.PROJECT_DIR / ".venv-superset" / "bin" / "superset"
ADMIN = {"username": "admin", "password": secrets.token_hex(8)}
STARTUP_SECONDS = 180


class Superset:
    """A logged-in REST session: JWT for the API, the CSRF token and cookie for writes."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        login = self.session.post(f"{base}/api/v1/security/login",
                                  json={**ADMIN, "provider": "db", "refresh": False}, timeout=60)
        assert login.status_code == 200, login.text
        self.session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        self.session.headers["X-CSRFToken"] = self.get("/api/v1/security/csrf_token/")["result"]
        self.session.headers["Referer"] = base

    def get(self, path: str, **params: str) -> dict:
        response = self.session.get(self.base + path, params=params, timeout=120)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def post(self, path: str, body: dict) -> dict:
        response = self.session.post(self.base + path, json=body, timeout=120)
        assert response.status_code in (200, 201), f"POST {path}: {response.status_code} {response.text[:500]}"
        return response.json()


@pytest.fixture(scope="module")
def published(first_run) -> Path:
    return first_run[0] / "published"


@pytest.fixture(scope="module")
def superset_url(tmp_path_factory) -> Iterator[str]:
    """Superset with a fresh metadata database and one admin, on a free loopback port."""
    assert SUPERSET.exists(), f"{SUPERSET} is missing: `make superset` installs Apache Superset in its own venv"
    home = tmp_path_factory.mktemp("superset")
    config = home / "superset_config.py"
    config.write_text(f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
                      f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{home / 'superset.db'}'\n")
    env = {**os.environ, "SUPERSET_CONFIG_PATH": str(config), "SUPERSET_HOME": str(home), "FLASK_APP": "superset"}
    for command in (["db", "upgrade"],
                    ["fab", "create-admin", "--username", ADMIN["username"], "--password", ADMIN["password"],
                     "--firstname", "yecai", "--lastname", "test", "--email", "admin@example.invalid"],
                    ["init"]):
        done = subprocess.run([str(SUPERSET), *command], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"superset {' '.join(command[:2])} failed:\n{done.stderr[-3000:]}"
    port = _free_port()
    log_path = home / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([str(SUPERSET), "run", "-h", "127.0.0.1", "-p", str(port), "--with-threads"],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, server, log_path)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.fixture(scope="module")
def api(superset_url) -> Superset:
    return Superset(superset_url)


@pytest.fixture(scope="module")
def database_id(api, published) -> int:
    """The published file registered as a database, read-only (a build is never blocked)."""
    uri = f"duckdb:///{(published / 'yecai.duckdb').resolve()}?access_mode=read_only"
    api.post("/api/v1/database/test_connection/", {"sqlalchemy_uri": uri})
    return api.post("/api/v1/database/", {"database_name": "yecai", "sqlalchemy_uri": uri,
                                          "expose_in_sqllab": True})["id"]


@pytest.fixture(scope="module")
def dataset_id(api, database_id) -> int:
    return api.post("/api/v1/dataset/", {"database": database_id, "schema": "marts",
                                         "table_name": "metric_values"})["id"]


def test_superset_lists_the_published_marts(api, database_id):
    listed = api.get(f"/api/v1/database/{database_id}/tables/", q="(schema_name:marts)")
    tables = {table["value"] for table in listed["result"]}
    assert {"metric_values", "metric_values_all_companies", "metric_value_breakdowns",
            "metric_catalog", "publication"} <= tables, sorted(tables)


def test_superset_sees_values_as_numbers_and_month_as_time(api, dataset_id):
    """Superset's generic types: 0 numeric, 1 string, 2 temporal; amounts are decimals (no
    scientific notation, exact sums), the type Superset reads from the file."""
    dataset = api.get(f"/api/v1/dataset/{dataset_id}")["result"]
    columns = {column["column_name"]: column for column in dataset["columns"]}
    for name in ("value", "target_value"):
        assert columns[name]["type_generic"] == 0, columns[name]
        assert columns[name]["type"].upper().startswith(("DECIMAL", "NUMERIC")), columns[name]
    assert columns["month"]["is_dttm"] and columns["month"]["type_generic"] == 2, columns["month"]
    assert columns["company_code"]["type_generic"] == 1, columns["company_code"]


def test_a_saved_chart_sums_revenue_by_company_as_the_release_does(api, dataset_id, published):
    """A bar chart of revenue by company and month, saved and then run through the chart
    data API: equal to the Parquet copy, and a default SUM over the companies equals the
    group's value (no ALL rows to double it)."""
    form_data = {"viz_type": "table", "query_mode": "aggregate", "groupby": ["company_code", "month"],
                 "metrics": [{"expressionType": "SQL", "sqlExpression": "SUM(value)", "label": "revenue"}],
                 "adhoc_filters": [{"expressionType": "SIMPLE", "subject": "metric_code", "operator": "==",
                                    "comparator": "revenue", "clause": "WHERE"}],
                 "row_limit": 10000}
    query_context = {"datasource": {"id": dataset_id, "type": "table"}, "form_data": form_data,
                     "queries": [{"columns": form_data["groupby"], "metrics": form_data["metrics"],
                                  "filters": [{"col": "metric_code", "op": "==", "val": "revenue"}],
                                  "orderby": [], "row_limit": form_data["row_limit"]}],
                     "result_format": "json", "result_type": "full"}
    chart = api.post("/api/v1/chart/", {"slice_name": "营业收入 by company", "viz_type": "table",
                                        "datasource_id": dataset_id, "datasource_type": "table",
                                        "params": json.dumps(form_data), "query_context": json.dumps(query_context)})
    (result,) = api.get(f"/api/v1/chart/{chart['id']}/data/")["result"]
    assert result["status"] == "success" and "metric_values" in result["query"], result
    charted = pd.DataFrame(result["data"])
    charted["month"] = pd.to_datetime(charted["month"], unit="ms").dt.strftime("%Y-%m")  # epoch ms
    charted = charted.dropna(subset=["revenue"]).set_index(["company_code", "month"])["revenue"].sort_index()

    values = pd.read_parquet(published / "parquet" / "marts.metric_values.parquet")
    revenue = values[(values["metric_code"] == "revenue") & values["value"].notna()].copy()
    revenue["month"] = pd.to_datetime(revenue["month"]).dt.strftime("%Y-%m")
    expected = revenue.groupby(["company_code", "month"])["value"].sum().astype(float).sort_index()
    assert len(expected) > 12
    pd.testing.assert_series_equal(charted.astype(float), expected, check_names=False, rtol=1e-12)

    group = pd.read_parquet(published / "parquet" / "marts.metric_values_all_companies.parquet")
    group = group[(group["metric_code"] == "revenue") & group["value"].notna()].copy()
    group["month"] = pd.to_datetime(group["month"]).dt.strftime("%Y-%m")
    by_month = charted.groupby(level="month").sum()
    pd.testing.assert_series_equal(by_month, group.set_index("month")["value"].astype(float).sort_index(),
                                   check_names=False, rtol=1e-9)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(base: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, f"Superset exited ({server.returncode}):\n{log_path.read_text()[-3000:]}"
        try:
            if requests.get(f"{base}/health", timeout=5).text == "OK":
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise AssertionError(f"Superset did not answer /health in {STARTUP_SECONDS} s:\n{log_path.read_text()[-3000:]}")
