"""Read a landing folder straight into pandas, for tests that check generated data
independently of the ingestion code. Resolves deliveries to current versions as the
contract defines them."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pandas as pd

from yecai.contract import load_contract


def read_delivery(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        df = pd.read_parquet(path)
    elif suffix == ".jsonl":
        df = pd.read_json(path, lines=True, dtype=False)
    elif suffix == ".xlsx":
        df = pd.read_excel(path, dtype=str)
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    return df.map(lambda v: None if pd.isna(v) else str(v))


def current_rows(landing: Path, extract_name: str) -> pd.DataFrame:
    """Current version of every key of one extract, with typed columns."""
    extract = load_contract()[extract_name]
    files = sorted(p for p in (landing / extract_name).iterdir() if not p.name.startswith("."))
    frames = []
    for order, path in enumerate(files):
        df = read_delivery(path)
        df["_delivery"] = order
        df["_row"] = range(len(df))
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    for col in extract.columns:
        if col.type == "decimal":
            df[col.name] = pd.to_numeric(df[col.name])
        elif col.type == "integer":
            df[col.name] = pd.to_numeric(df[col.name]).astype("Int64")
        elif col.type in ("date", "timestamp"):
            df[col.name] = pd.to_datetime(df[col.name])
    if extract.mode == "snapshot":
        return df[df["_delivery"] == df["_delivery"].max()].reset_index(drop=True)
    order = ["_delivery", "_row"]
    if "updated_at" in df.columns:
        order = ["updated_at", *order]
    df = df.sort_values(order).drop_duplicates(list(extract.primary_key), keep="last")
    return df.reset_index(drop=True)
