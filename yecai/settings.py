"""Where things live, and the settings that tune a run. Every path has a default under the
project's data/ folder and an environment variable to move it; every setting is validated
here, and a bad value raises SettingError naming the variable."""

from __future__ import annotations

import os
import re
from pathlib import Path

# The dbt project (models, seeds, profiles, expectations) and its target/ folder: this checkout,
# or a copy of it named by YECAI_PROJECT_DIR (each parallel test worker builds in its own,
# because dbt writes target/ and `mf` reads target/semantic_manifest.json).
PROJECT_DIR = Path(os.environ.get("YECAI_PROJECT_DIR") or Path(__file__).resolve().parent.parent)
# dbt's target folder: what the last dbt command parsed, compiled and ran.
DBT_TARGET = PROJECT_DIR / "target"
# What every dbt parse writes and MetricFlow (`mf`) and the quality gate read.
SEMANTIC_MANIFEST = DBT_TARGET / "semantic_manifest.json"
# The exit status of every yecai command that could not run at all (one line says why).
EXIT_CANNOT_RUN = 2


class SettingError(ValueError):
    """A setting in the environment is not usable; the message names the variable."""


def data_dir() -> Path:
    return Path(os.environ.get("YECAI_DATA_DIR", PROJECT_DIR / "data"))


def landing_dir() -> Path:
    return Path(os.environ.get("YECAI_LANDING_DIR", data_dir() / "landing"))


def answer_key_dir() -> Path:
    return Path(os.environ.get("YECAI_ANSWER_KEY_DIR", data_dir() / "answer_key"))


def log_dir() -> Path:
    """Where tracebacks go: the terminal gets one line, the log file the details."""
    return data_dir() / "logs"


def warehouse_path() -> Path:
    """The DuckDB file that ingestion and dbt write (same variable as profiles.yml)."""
    default = data_dir() / "yecai.duckdb"
    value = os.environ.get("YECAI_DUCKDB_PATH")
    if value is None:
        return default
    if value.strip() == "" or value.startswith(":"):
        raise SettingError(f"YECAI_DUCKDB_PATH={value!r} is not a file path: the warehouse is a DuckDB file "
                           f"(default {default})")
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


def target() -> str:
    """The dbt target (same variable as profiles.yml): duckdb, spark or published."""
    return os.environ.get("YECAI_TARGET") or "duckdb"


def spark_dir() -> Path:
    """The local Spark catalog and tables of the spark target (same variable as profiles.yml)."""
    value = os.environ.get("YECAI_SPARK_DIR")
    path = Path(value) if value else data_dir() / "spark"
    return path if path.is_absolute() else PROJECT_DIR / path


def raw_parquet_dir() -> Path | None:
    """Where ingestion mirrors the raw layer as Parquet for Spark (ingest/mirror.py):
    YECAI_RAW_PARQUET_DIR, else data/raw_parquet when the target is spark; None: no mirror."""
    value = os.environ.get("YECAI_RAW_PARQUET_DIR")
    if value:
        path = Path(value)
        return path if path.is_absolute() else PROJECT_DIR / path
    return data_dir() / "raw_parquet" if target() == "spark" else None


def _raw(variable: str) -> str | None:
    value = os.environ.get(variable)
    return None if value is None or value.strip() == "" else value.strip()


def positive_number(variable: str, default: float) -> float:
    raw = _raw(variable)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{variable}={raw!r} is not a number (example: {variable}={default})") from None
    if not value > 0:
        raise SettingError(f"{variable}={raw!r} must be greater than 0 (default {default})")
    return value


def whole_number(variable: str, default: int, minimum: int) -> int:
    raw = _raw(variable)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]+", raw) or int(raw) < minimum:
        raise SettingError(f"{variable}={raw!r} must be a whole number of at least {minimum} "
                           f"(default {default})")
    return int(raw)


# DuckDB's own size syntax, e.g. 4GB, 512MB, 1.5GiB.
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def threads() -> int:
    """DuckDB threads for every yecai process (same variable as profiles.yml)."""
    return whole_number("YECAI_THREADS", 2, minimum=1)


def memory_limit() -> str:
    """DuckDB memory limit for every yecai process (same variable as profiles.yml): beyond
    it DuckDB spills to its temp directory beside the database instead of growing."""
    raw = _raw("YECAI_MEMORY_LIMIT")
    if raw is None:
        return "4GB"
    match = _SIZE.fullmatch(raw)
    if not match or float(match.group(1)) <= 0:
        raise SettingError(f"YECAI_MEMORY_LIMIT={raw!r} is not a memory size such as 4GB or 512MB (default 4GB)")
    return raw


def duckdb_config() -> dict[str, str]:
    """The connection settings every yecai process gives DuckDB."""
    return {"threads": str(threads()), "memory_limit": memory_limit()}


def ingest_settle_seconds() -> float:
    """A delivery is read only once it has been unchanged this long (a sender still writing it
    without the contract's temporary name would otherwise be read half-written)."""
    raw = _raw("YECAI_INGEST_SETTLE_SECONDS")
    if raw is None:
        return 10.0
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"YECAI_INGEST_SETTLE_SECONDS={raw!r} is not a number of seconds (default 10)") from None
    if value < 0:
        raise SettingError(f"YECAI_INGEST_SETTLE_SECONDS={raw!r} must be 0 or more (default 10)")
    return value


def ingest_max_bad_rows() -> int:
    """A delivery with more rows breaking the contract than this is refused as a whole: it is
    junk, and quarantining it row by row would only flood the quarantine."""
    return whole_number("YECAI_INGEST_MAX_BAD_ROWS", 10_000, minimum=0)


RESTATEMENT_POLICIES = ("warn", "block")


def closed_month_restatements() -> str:
    """What the audit does when a publication would change a value of a closed month
    (seeds/period_close.csv): warn (default; it is published and reported) or block."""
    raw = _raw("YECAI_CLOSED_MONTH_RESTATEMENTS")
    if raw is None:
        return "warn"
    if raw.lower() not in RESTATEMENT_POLICIES:
        raise SettingError(f"YECAI_CLOSED_MONTH_RESTATEMENTS={raw!r} must be warn or block (default warn)")
    return raw.lower()
