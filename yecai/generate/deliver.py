"""Write the extracts into the landing folder exactly as the contract says: one folder per
extract, a file per delivery named so that names sort by delivery time, in the format and
encoding each source system uses."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from yecai.contract import Extract

# Decimal places the source systems write, per column (contract conventions); money is 2.
_SCALE = {"quantity": 3, "planned_quantity": 3, "completed_quantity": 3, "scrap_quantity": 3,
          "unit_price": 4, "standard_cost": 4, "unit_cost": 4, "rate_to_cny": 8, "target_value": 4}


@dataclass(frozen=True)
class Delivery:
    """One file of one extract: its rows, or the Parquet parts that hold them (the shards of a
    sharded run, written by write_part, in order)."""

    extract: str
    day: str  # yyyymmdd
    rows: pd.DataFrame | tuple[Path, ...]
    fmt: str = "csv"  # csv | parquet | jsonl | xlsx
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | gbk (csv only)
    seq: int = 1

    @property
    def file_name(self) -> str:
        return f"{self.extract}__{self.day}__{self.seq:03d}.{self.fmt}"


def _select_list(extract: Extract, typed: bool) -> str:
    cols = []
    for col in extract.columns:
        name = f'"{col.name}"'
        if col.type == "decimal":
            expr = f"cast({name} as decimal(18,{_SCALE.get(col.name, 2)}))"
        elif col.type == "integer":
            expr = f"cast({name} as bigint)"
        elif col.type == "date":
            expr = f"cast({name} as date)"
        elif col.type == "timestamp":
            expr = (f"cast({name} as timestamp)" if typed
                    else f"strftime(cast({name} as timestamp), '%Y-%m-%d %H:%M:%S')")
        else:
            expr = name
        cols.append(f"{expr} as {name}")
    return ", ".join(cols)


def _as_arrow(extract: Extract, rows: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(rows[extract.column_names], preserve_index=False)


def write_part(extract: Extract, rows: pd.DataFrame, path: Path) -> Path:
    """One shard's rows of a delivery, kept until every shard has made its part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(_as_arrow(extract, rows), path)
    return path


def write_delivery(con: duckdb.DuckDBPyConnection, extract: Extract, delivery: Delivery, landing: Path) -> dict:
    folder = landing / extract.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / delivery.file_name
    if isinstance(delivery.rows, pd.DataFrame):
        con.register("delivery_rows", _as_arrow(extract, delivery.rows))
    else:  # DuckDB streams the parts into the file, so no delivery is ever whole in memory
        parts = ", ".join("'" + str(part).replace("'", "''") + "'" for part in delivery.rows)
        con.execute(f"create or replace temp view delivery_rows as select * from read_parquet([{parts}])")
    (row_count,) = con.execute("select count(*) from delivery_rows").fetchone()
    query = f"select {_select_list(extract, typed=delivery.fmt == 'parquet')} from delivery_rows"
    if delivery.fmt == "parquet":
        con.execute(f"copy ({query}) to '{path}' (format parquet)")
    elif delivery.fmt == "jsonl":
        con.execute(f"copy ({query}) to '{path}' (format json)")
    elif delivery.fmt == "xlsx":
        _write_xlsx(con.execute(query).df(), path)
    elif delivery.encoding == "utf-8":
        con.execute(f"copy ({query}) to '{path}' (format csv, header true)")
    else:
        utf8 = path.with_suffix(".utf8.tmp")
        con.execute(f"copy ({query}) to '{utf8}' (format csv, header true)")
        path.write_bytes(utf8.read_text(encoding="utf-8").encode(delivery.encoding))
        utf8.unlink()
    if isinstance(delivery.rows, pd.DataFrame):
        con.unregister("delivery_rows")
    else:
        con.execute("drop view delivery_rows")
    return {"extract": extract.name, "file": f"{extract.name}/{delivery.file_name}", "format": delivery.fmt,
            "encoding": delivery.encoding if delivery.fmt == "csv" else None, "rows": row_count}


def _write_xlsx(df: pd.DataFrame, path: Path) -> None:
    """An Excel workbook, byte-for-byte reproducible: fixed document dates and zip times."""
    workbook = openpyxl.Workbook(write_only=True)
    workbook.properties.created = datetime(2025, 7, 1)
    sheet = workbook.create_sheet("targets")
    sheet.append(list(df.columns))
    for row in df.itertuples(index=False):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-07-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2025, 7, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)


def resend(landing: Path, manifest_row: dict, seq: int) -> dict:
    """The source system delivers the same file a second time under a new name."""
    src = landing / manifest_row["file"]
    dst = src.with_name(src.name.replace("__001.", f"__{seq:03d}."))
    shutil.copyfile(src, dst)
    return {**manifest_row, "file": f"{manifest_row['extract']}/{dst.name}", "quirk": "same file delivered twice"}


def quarterly(extract: str, df: pd.DataFrame, when: str, key: tuple[str, ...]) -> list[Delivery]:
    """Delta deliveries: the delivery after each quarter holds the rows that changed in it
    (column `when`), each key in its state at the end of the quarter."""
    month = df[when].to_numpy().astype("datetime64[M]").astype(int)
    delivery_month = (month - month % 3 + 3).astype("datetime64[M]")
    out = []
    for m in np.unique(delivery_month):
        day = str(m.astype("datetime64[D]")).replace("-", "")
        rows = df[delivery_month == m].sort_values(when, kind="stable").drop_duplicates(list(key), keep="last")
        out.append(Delivery(extract, day, rows))
    return out
