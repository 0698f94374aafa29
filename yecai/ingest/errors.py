"""The one exception that carries a file-level refusal.

A refusal is an expected outcome, not a crash: the reader or a check raises it with a
readable reason, the loader records the file as `refused` in ingest.load_log and goes on
with the next delivery. Anything else that escapes is a genuine bug or an environment
problem and is allowed to stop the run (after rolling back the file's transaction).
"""

from __future__ import annotations


class Refusal(Exception):
    """The whole delivery file is refused; `reason` says why in words a sender can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IngestStopped(Exception):
    """The run cannot go on (warehouse locked, landing folder missing, a setting invalid, out
    of memory or disk): one line says what to do; `yecai ingest` exits 2."""


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an exception message, shortened: library errors are often long
    multi-line dumps, and a refusal reason has to fit on one line of the summary."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
