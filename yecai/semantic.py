"""Query the MetricFlow semantic layer (models/semantic) through the `mf` CLI.

`mf` reads the project's target/semantic_manifest.json, written by any dbt parse or build,
and queries the DuckDB file of the dbt profile, which we point at `database`: the working
warehouse (target duckdb), or the published BI file (target published, opened read-only, so a
writer may hold the warehouse meanwhile).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from yecai import settings
from yecai.dbt_runner import dbt_env
from yecai.publish import DATABASE_NAME

# company_code of the all-companies values (metric_values_all_companies).
ALL_COMPANIES = "ALL"
COMPANY = "company"


def query_metrics(metric_codes: Sequence[str], database: Path | None = None, by_company: bool = True,
                  grain: str = "month", published: bool = False, dimensions: Sequence[str] = ()) -> pd.DataFrame:
    """MetricFlow's values of the metrics per period, in one `mf query`: columns metric_code,
    <grain> (the period's first day), company_code, the `dimensions` asked for (e.g.
    customer__segment, product__category), value.

    by_company=False gives the all-companies value (no company group-by), with company_code
    'ALL' as in metric_values_all_companies. A period where a metric has no components has no row, or a
    NULL value when another metric of the query has one.

    database defaults to the warehouse; with published=True it is a published file (default
    the one in settings.published_dir()).
    """
    time_column = f"metric_time__{grain}"
    group_by = ([time_column, COMPANY] if by_company else [time_column]) + list(dimensions)
    mf = Path(sys.executable).with_name("mf")
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "result.csv"
        command = [str(mf), "query", "--metrics", ",".join(metric_codes), "--group-by", ",".join(group_by),
                   "--csv", str(csv_path), "--quiet"]
        result = subprocess.run(command, cwd=settings.PROJECT_DIR, env=_mf_env(database, published),
                                capture_output=True, text=True)
        if result.returncode != 0 or not csv_path.exists():
            raise RuntimeError(f"mf query failed:\n{result.stdout}\n{result.stderr}")
        wide = pd.read_csv(csv_path, dtype={COMPANY: "string", **dict.fromkeys(dimensions, "string")})
    if not by_company:
        wide[COMPANY] = ALL_COMPANIES
    long = wide.melt(id_vars=[time_column, COMPANY, *dimensions], value_vars=list(metric_codes),
                     var_name="metric_code", value_name="value")
    long = long.rename(columns={time_column: grain, COMPANY: "company_code"})
    long[grain] = pd.to_datetime(long[grain])
    long["value"] = long["value"].astype("float64")
    columns = ["metric_code", grain, "company_code", *dimensions, "value"]
    return long[columns].sort_values(columns[:-1], ignore_index=True)


def query_metric(metric_code: str, database: Path | None = None, by_company: bool = True,
                 published: bool = False) -> pd.DataFrame:
    """One metric per month: columns month, company_code, value (see query_metrics)."""
    frame = query_metrics([metric_code], database, by_company=by_company, published=published)
    return frame.drop(columns="metric_code")


def _mf_env(database: Path | None, published: bool) -> dict[str, str]:
    if not published:
        return dbt_env(database)
    path = (database or settings.published_dir() / DATABASE_NAME).resolve()
    # The published target names the file in its folder; the manifest names the catalog after it.
    if path.name != DATABASE_NAME:
        raise ValueError(f"a published database is named {DATABASE_NAME}, not {path.name}")
    env = dbt_env()
    env["YECAI_TARGET"] = "published"
    env["YECAI_PUBLISHED_DIR"] = str(path.parent)
    return env
