"""The MetricFlow semantic layer (models/semantic) answers every indicator exactly as the
published metric_values does: per company and month, and for all companies together; and
at coarser grains it sums flows but never sums balances across months."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from reference_sales import SalesBooks

from yecai import settings
from yecai.dbt_runner import dbt_env
from yecai.semantic import query_metric, query_metrics

CATALOG = list(csv.DictReader((settings.PROJECT_DIR / "seeds" / "metric_catalog.csv").open(encoding="utf-8")))
METRIC_CODES = [row["metric_code"] for row in CATALOG]
KEYS = ["month", "company_code"]


@pytest.fixture(scope="module")
def mf_warehouse(demo_warehouse, tmp_path_factory) -> Path:  # noqa: F811
    """A copy of the demo warehouse for `mf`: dbt-duckdb opens its file read-write, which
    DuckDB refuses while any test holds a read-only connection. Same file name, because the
    semantic manifest names the database after it."""
    copy = tmp_path_factory.mktemp("mf_warehouse") / demo_warehouse.name
    shutil.copy(demo_warehouse, copy)
    return copy


@pytest.fixture(scope="module")
def metric_values(demo_warehouse) -> pd.DataFrame:  # noqa: F811
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        frame = con.sql("select metric_code, month, company_code, value from marts.metric_values union all "
                        "select metric_code, month, company_code, value from marts.metric_values_all_companies").df()
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


@pytest.fixture(scope="module")
def mf_values(mf_warehouse) -> pd.DataFrame:
    """All 20 metrics in two `mf query` runs: per company, and all companies."""
    return pd.concat([query_metrics(METRIC_CODES, mf_warehouse, by_company=True),
                      query_metrics(METRIC_CODES, mf_warehouse, by_company=False)], ignore_index=True)


def assert_same_values(expected: pd.Series, actual: pd.Series) -> None:
    """Equal within 1e-9 relative or 1e-10 absolute (metric_values rounds to 10 decimals,
    macro type_metric_value), NULL exactly where expected is NULL (a missing row is NULL)."""
    both = pd.concat([expected.rename("expected"), actual.rename("actual")], axis=1)
    both_null = both["expected"].isna() & both["actual"].isna()
    close = np.isclose(both["actual"], both["expected"], rtol=1e-9, atol=1e-10)
    wrong = both[~(both_null | close)]
    assert wrong.empty, f"{len(wrong)} of {len(both)} values differ:\n{wrong.head(10)}"
    assert both["expected"].notna().any(), "no value to compare"


def test_every_catalog_indicator_is_a_metric_with_its_chinese_label(demo_warehouse):  # noqa: F811
    manifest = json.loads((settings.PROJECT_DIR / "target" / "semantic_manifest.json").read_text())
    labels = {metric["name"]: metric["label"] for metric in manifest["metrics"]}
    assert {row["metric_code"]: row["name_zh"] for row in CATALOG}.items() <= labels.items()


def test_metricflow_lists_the_indicators_and_none_of_their_building_blocks(demo_warehouse):  # noqa: F811
    """What a BI user browsing MetricFlow sees: the catalog's indicators, exactly; the
    component_* helper metrics (meta internal) are private (they still feed the ratios)."""
    mf = Path(sys.executable).with_name("mf")
    listed = subprocess.run([str(mf), "list", "metrics"], cwd=settings.PROJECT_DIR, env=dbt_env(demo_warehouse),
                            capture_output=True, text=True, check=True).stdout
    names = set(re.findall(r"^• (\w+):", listed, flags=re.MULTILINE))
    assert names == set(METRIC_CODES)


@pytest.mark.parametrize("metric_code", METRIC_CODES)
def test_metricflow_equals_metric_values(metric_code, metric_values, mf_values):
    expected = metric_values[metric_values["metric_code"] == metric_code].set_index(KEYS)["value"]
    actual = mf_values[mf_values["metric_code"] == metric_code].set_index(KEYS)["value"]
    assert set(expected.index.get_level_values("company_code")) >= {"ALL"}
    assert_same_values(*expected.align(actual, join="outer"))


def test_single_metric_query_matches_the_batch(mf_warehouse, mf_values):
    """query_metric (one metric, one mf run) gives what the batched query gives."""
    single = query_metric("gross_margin_rate", mf_warehouse).set_index(KEYS)["value"]
    batch = mf_values[(mf_values["metric_code"] == "gross_margin_rate")
                      & (mf_values["company_code"] != "ALL")].set_index(KEYS)["value"]
    assert_same_values(*batch.align(single, join="outer"))


def test_quarters_sum_flows_and_take_the_last_month_of_balances(mf_warehouse, metric_values):
    """Charter: balances are never summed across months, a quarter's balance is its last
    month-end's; point-in-time indicators (dso, cash_conversion_cycle, ...) likewise take the
    quarter's last month with components; flows (revenue) sum the months."""
    codes = ["revenue", "inventory_value", "dso", "cash_conversion_cycle"]
    keys = ["metric_code", "quarter", "company_code"]
    actual = query_metrics(codes, mf_warehouse, grain="quarter").set_index(keys)["value"]
    monthly = metric_values[metric_values["metric_code"].isin(codes) & (metric_values["company_code"] != "ALL")]
    monthly = monthly.assign(quarter=monthly["month"].dt.to_period("Q").dt.start_time)
    flows = monthly[monthly["metric_code"] == "revenue"]
    balances = monthly[(monthly["metric_code"] != "revenue") & monthly["value"].notna()]
    last_month = balances.groupby(["metric_code", "quarter"])["month"].transform("max")
    expected = pd.concat([flows.groupby(keys)["value"].sum(min_count=1),
                          balances[balances["month"] == last_month].set_index(keys)["value"]])
    assert_same_values(*expected.align(actual, join="outer"))


@pytest.mark.parametrize(("dimension", "extract", "key", "attribute"), [
    ("customer__segment", "crm_customers", "customer_id", "segment"),
    ("product__category", "erp_products", "product_id", "category"),
])
def test_revenue_by_customer_segment_and_product_category_is_the_invoice_lines(
        demo_data, mf_warehouse, dimension, extract, key, attribute):  # noqa: F811
    """The conformed dimensions of the semantic layer: revenue per month and segment (or
    category) for all companies equals Σ signed CNY net amount of the invoice lines of the
    landing files whose customer (product) has that attribute, in plain pandas."""
    books = SalesBooks(demo_data.landing)
    lines = books.invoice_lines.merge(books.rows(extract)[[key, attribute]], on=key, how="left")
    lines["month"] = lines["month"].dt.to_timestamp()  # a Period in the books, a date in MetricFlow
    expected = lines.groupby(["month", attribute])["revenue_cny"].sum()
    actual = query_metrics(["revenue"], mf_warehouse, by_company=False, dimensions=[dimension])
    actual = actual.rename(columns={dimension: attribute}).set_index(["month", attribute])["value"]
    assert expected.index.get_level_values(attribute).nunique() >= 2
    assert_same_values(*expected.align(actual, join="outer"))
