"""Small vectorised helpers shared by the generator modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

# The shard whose documents are being numbered (see document_numbers).
_numbering_shard = 0


@contextmanager
def document_numbers(shard: int) -> Iterator[None]:
    """Number the documents made inside the block as shard `shard` of a sharded run: after its
    prefix, every number carries the shard in three digits (SO00100000001), so the shards'
    numbers never meet; shard 0 keeps the plain numbers (SO00000001) of an unsharded run."""
    global _numbering_shard
    outer, _numbering_shard = _numbering_shard, shard
    try:
        yield
    finally:
        _numbering_shard = outer


def _numbered(prefix: str) -> str:
    return f"{prefix}{_numbering_shard:03d}" if _numbering_shard else prefix


def ids(prefix: str, n: int, width: int = 8, start: int = 1) -> np.ndarray:
    prefix = _numbered(prefix)
    return np.array([f"{prefix}{i:0{width}d}" for i in range(start, start + n)], dtype=object)


def unknown_ids(rng: np.random.Generator, prefix: str, n: int) -> np.ndarray:
    """Document numbers that no source system issued (prefix + 9 + seven random digits)."""
    prefix = _numbered(prefix)
    return np.array([f"{prefix}9{i:07d}" for i in rng.integers(0, 10**7, n)], dtype=object)


def days(column) -> np.ndarray:
    """A date column as whole days, so that adding integers adds days, not seconds."""
    return np.asarray(column).astype("datetime64[D]")


def at_time(days: np.ndarray, rng: np.random.Generator, earliest_hour: int = 8,
            latest_hour: int = 20) -> np.ndarray:
    """A timestamp during office hours on each day (seconds precision)."""
    seconds = rng.integers(earliest_hour * 3600, latest_hour * 3600, len(days))
    return days.astype("datetime64[D]").astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def pick(rng: np.random.Generator, mask_size: int, rate: float) -> np.ndarray:
    """A boolean mask choosing about `rate` of `mask_size` items (at least one if rate > 0
    and there are items, so small demo runs still show every defect)."""
    chosen = rng.random(mask_size) < rate
    if rate > 0 and mask_size > 0 and not chosen.any():
        chosen[rng.integers(0, mask_size)] = True
    return chosen


def group_seq(keys: np.ndarray) -> np.ndarray:
    """0-based position of each row within its run of equal keys (keys must be sorted)."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[True, keys[1:] != keys[:-1]]
    start_idx = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return np.arange(n) - start_idx


def split_quantity(rng: np.random.Generator, quantity: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """Split integer quantities into `parts` positive integer pieces each (parts ≤ quantity);
    returns the pieces in order, concatenated."""
    row = np.repeat(np.arange(len(quantity)), parts)
    weights = rng.uniform(0.3, 1.0, len(row))
    totals = np.bincount(row, weights)[row]
    q = quantity[row]
    # Cumulative rounding keeps every piece ≥ 1 and the pieces summing to the quantity.
    share = np.cumsum(weights) - np.r_[0, np.cumsum(np.bincount(row, weights))][row]
    cum = np.floor(share / totals * (q - parts[row]) + 1e-9) + group_seq(row) + 1
    prev = np.r_[0, cum[:-1]]
    prev[np.r_[True, row[1:] != row[:-1]]] = 0
    return cum - prev


def defect_rows(kind: str, extract: str, document_id, line_no=None, **details) -> pd.DataFrame:
    """Answer-key rows: one per defective document (line)."""
    out = pd.DataFrame({"defect_type": kind, "extract": extract, "document_id": document_id,
                        "line_no": line_no})
    for name, values in details.items():
        out[name] = values
    return out
