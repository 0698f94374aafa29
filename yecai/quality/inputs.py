"""What the suites need besides the warehouse's own tables, written to schema `audit` first.

- `audit.gate_settings`: the configurable bounds (one row), so suite queries read them
  instead of carrying literals, and every run records which bounds it applied.
- `audit.semantic_layer_metrics`: the metrics of the MetricFlow semantic manifest, so a suite
  can check that catalog, metric_values and the semantic layer list the same indicators.
- `audit.marts_columns`: table_schema, table_name, column_name of every relation of schema
  marts, from the engine's catalog (Spark has no information_schema), for the personal-data check.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from yecai.publish import MARTS
from yecai.settings import positive_number
from yecai.warehouse import connect

MARTS_COLUMNS = "marts_columns"


@dataclass(frozen=True)
class GateSettings:
    """Bounds of the plausibility and materiality expectations (expectations/README.md)."""

    materiality_ratio: float = 0.01  # reconciliation difference vs the month's business side
    fx_day_move_ratio: float = 0.10  # a rate's move against its previous rate date
    metric_swing_ratio: float = 3.0  # an indicator's month-over-month change, relative

    @classmethod
    def from_env(cls) -> GateSettings:
        return cls(
            materiality_ratio=positive_number("YECAI_GATE_MATERIALITY", cls.materiality_ratio),
            fx_day_move_ratio=positive_number("YECAI_GATE_FX_DAY_MOVE", cls.fx_day_move_ratio),
            metric_swing_ratio=positive_number("YECAI_GATE_METRIC_SWING", cls.metric_swing_ratio),
        )


def semantic_layer_metrics(semantic_manifest: Path) -> pd.DataFrame:
    """Metric name, label and type of every metric in the semantic manifest."""
    if not semantic_manifest.exists():
        return pd.DataFrame({"metric_name": pd.Series(dtype="string"), "label": pd.Series(dtype="string"),
                             "metric_type": pd.Series(dtype="string")})
    metrics = json.loads(semantic_manifest.read_text(encoding="utf-8"))["metrics"]
    return pd.DataFrame({"metric_name": [m["name"] for m in metrics],
                         "label": [m.get("label") for m in metrics],
                         "metric_type": [m["type"] for m in metrics]}).astype("string")


def audit_inputs(semantic_manifest: Path, gate_settings: GateSettings | None = None) -> dict[str, pd.DataFrame]:
    """The tables of schema audit the suites read, by name."""
    values = asdict(gate_settings or GateSettings.from_env())
    return {"gate_settings": pd.DataFrame([values]),
            "semantic_layer_metrics": semantic_layer_metrics(semantic_manifest)}


def write_audit_inputs(warehouse: Path, semantic_manifest: Path, gate_settings: GateSettings | None = None) -> None:
    with connect(warehouse) as con:
        con.execute("create schema if not exists audit")
        for name, frame in audit_inputs(semantic_manifest, gate_settings).items():
            con.register("input_frame", frame)
            con.execute(f"create or replace table audit.{name} as select * from input_frame")
            con.unregister("input_frame")
        con.execute(f"create or replace table audit.{MARTS_COLUMNS} as "
                    "select table_schema, table_name, column_name from information_schema.columns "
                    "where table_schema = ? and table_catalog = current_database()", [MARTS])
