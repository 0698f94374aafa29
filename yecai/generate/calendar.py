"""Day arithmetic on numpy datetime64[D] arrays and the FX rate calendar."""

from __future__ import annotations

from datetime import date

import numpy as np

from yecai.generate.config import HISTORY_END, HISTORY_START

START = np.datetime64(HISTORY_START, "D")
END = np.datetime64(HISTORY_END, "D")
N_DAYS = int((END - START).astype(int)) + 1

# Banks publish no rate on these weekdays (Spring Festival and National Day). Each gap is
# short enough that every day still has a rate at most 7 days older.
FX_HOLIDAYS = np.array(
    [
        "2023-01-25", "2023-01-26", "2023-01-27",
        "2023-10-04", "2023-10-05", "2023-10-06",
        "2024-02-14", "2024-02-15", "2024-02-16",
        "2024-10-02", "2024-10-03", "2024-10-04",
        "2025-01-29", "2025-01-30", "2025-01-31",
        "2025-10-01", "2025-10-02", "2025-10-03",
    ],
    dtype="datetime64[D]",
)


def all_days() -> np.ndarray:
    return START + np.arange(N_DAYS)


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday … 6 = Sunday."""
    return (days.astype("datetime64[D]").astype(np.int64) - 4) % 7


def month_start(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype("datetime64[D]")


def month_end(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1


def rate_days() -> np.ndarray:
    """Days with a published FX rate: weekdays that are not bank holidays."""
    days = START - 7 + np.arange(N_DAYS + 7)  # from a week before the history starts
    return days[(weekday(days) < 5) & ~np.isin(days, FX_HOLIDAYS)]


def rate_index(doc_days: np.ndarray) -> np.ndarray:
    """For each document day, the index in rate_days() of the rate it is converted at:
    the same day or the latest earlier one (never more than 7 days older here)."""
    return np.searchsorted(rate_days(), doc_days, side="right") - 1


def as_date(day: np.datetime64) -> date:
    return day.astype("datetime64[D]").astype(date)
