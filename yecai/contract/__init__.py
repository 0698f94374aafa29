"""The source-extract contract: what every upstream system delivers, read from the
project's own copy of the agreed `source_extracts.yml`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

CONTRACT_FILE = "source_extracts.yml"

# One raw type per contract type. Decimals share one exact type wide enough for every
# agreed scale (money 2, quantities 3, prices 4, FX rates 8 places) and stay int64-backed.
RAW_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "decimal": "DECIMAL(18,8)",
    "integer": "BIGINT",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}

DELIVERY_MODES = ("snapshot", "delta")

# Widest primary key: ingest.snapshot_held_keys has this many key columns.
MAX_KEY_COLUMNS = 3

# Lineage columns that ingestion adds to every raw row.
LINEAGE_COLUMNS: dict[str, str] = {
    "_source_file": "VARCHAR",  # path of the delivery relative to the landing folder
    "_batch_id": "VARCHAR",  # content hash of the delivery: one id per distinct file
    "_source_row_number": "BIGINT",  # 1-based data row number in the delivered file
    "_loaded_at": "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    values: tuple[str, ...] | None = None
    note: str | None = None

    @property
    def raw_type(self) -> str:
        return RAW_TYPES[self.type]


@dataclass(frozen=True)
class Extract:
    name: str
    system: str
    mode: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    note: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"extract {self.name} has no column {name}")


def _parse_extract(name: str, spec: dict) -> Extract:
    columns = tuple(
        Column(
            name=col_name,
            type=col["type"],
            required=bool(col["required"]),
            values=tuple(col["values"]) if "values" in col else None,
            note=col.get("note"),
        )
        for col_name, col in spec["columns"].items()
    )
    for col in columns:
        if col.type not in RAW_TYPES:
            raise ValueError(f"contract: {name}.{col.name} has unknown type {col.type!r}")
    if not 1 <= len(spec["primary_key"]) <= MAX_KEY_COLUMNS:
        raise ValueError(f"contract: {name} has a primary key of {len(spec['primary_key'])} columns; "
                         f"1 to {MAX_KEY_COLUMNS} are supported")
    if spec["mode"] not in DELIVERY_MODES:
        raise ValueError(f"contract: {name} has unknown delivery mode {spec['mode']!r}")
    return Extract(
        name=name,
        system=spec["system"],
        mode=spec["mode"],
        primary_key=tuple(spec["primary_key"]),
        columns=columns,
        note=spec.get("note"),
    )


@lru_cache(maxsize=1)
def load_contract() -> dict[str, Extract]:
    """All extracts of the contract, by name, in contract order."""
    text = resources.files(__package__).joinpath(CONTRACT_FILE).read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {name: _parse_extract(name, spec) for name, spec in raw["extracts"].items()}


def raw_table_ddl(extract: Extract, schema: str = "raw") -> str:
    """CREATE TABLE statement for an extract's raw table: contract columns, then lineage."""
    cols = [f'"{c.name}" {c.raw_type}' for c in extract.columns]
    cols += [f'"{name}" {typ}' for name, typ in LINEAGE_COLUMNS.items()]
    return f'create table if not exists {schema}."{extract.name}" ({", ".join(cols)})'
