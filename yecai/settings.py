"""Where things live. Every path has a default under the project's data/ folder and an
environment variable to move it."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("YECAI_DATA_DIR", PROJECT_DIR / "data"))


def landing_dir() -> Path:
    return Path(os.environ.get("YECAI_LANDING_DIR", data_dir() / "landing"))


def answer_key_dir() -> Path:
    return Path(os.environ.get("YECAI_ANSWER_KEY_DIR", data_dir() / "answer_key"))


def warehouse_path() -> Path:
    """The DuckDB file that ingestion and dbt write (same variable as profiles.yml)."""
    default = data_dir() / "yecai.duckdb"
    value = os.environ.get("YECAI_DUCKDB_PATH")
    if value is None:
        return default
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path


def published_dir() -> Path:
    """Where the publish step writes the BI database and its Parquet copy (same variable as
    profiles.yml's published target)."""
    value = os.environ.get("YECAI_PUBLISHED_DIR")
    if value is None:
        return data_dir() / "published"
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path
