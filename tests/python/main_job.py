"""Running the main job, `yecai run`, as an operator does: a subprocess on a data folder; and a
late delivery to give it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

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


def cancel_an_invoice_late(root: Path, month: str, delivered: str, skip: int = 0) -> str:
    """A delta delivered long after the month closed: one issued CN10 invoice of `month`
    (YYYY-MM) cancelled. Returns its id."""
    with duckdb.connect(str(root / "yecai.duckdb"), read_only=True) as con:
        row = con.execute(
            "select * exclude (_source_file, _batch_id, _source_row_number, _loaded_at) from raw.bil_invoices "
            "where company_code = 'CN10' and invoice_type = 'invoice' and invoice_status = 'issued' "
            "and strftime(invoice_date, '%Y-%m') = ? order by invoice_id limit 1 offset ?", [month, skip]).df()
    row["invoice_status"], row["updated_at"] = "cancelled", f"{delivered[:4]}-{delivered[4:6]}-{delivered[6:]} 09:00:00"
    row.to_csv(root / "landing" / "bil_invoices" / f"bil_invoices__{delivered}__001.csv", index=False)
    return row["invoice_id"].iloc[0]
