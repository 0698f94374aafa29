"""A duckdb-engine dialect whose results are fetched right after execution.

GX 1.x runs `with engine.connect() as conn: result = conn.execute(q)` and reads `result`
after the block has closed the connection. SQLAlchemy rolls back on close, and DuckDB
drops a pending result on rollback, so GX silently sees no rows. Buffering every result
set in `post_exec` (SQLAlchemy's own FullyBufferedCursorFetchStrategy) makes each query's
rows survive the close. Registered as `duckdb.buffered`: `duckdb+buffered:///path.duckdb`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from duckdb_engine import Dialect as DuckDBDialect
from sqlalchemy.dialects import registry
from sqlalchemy.engine import cursor as sa_cursor

from yecai import settings

URL_SCHEME = "duckdb+buffered"


class _BufferedExecutionContext(DuckDBDialect.execution_ctx_cls):  # type: ignore[name-defined, misc]
    def post_exec(self) -> None:
        super().post_exec()
        if self.cursor is not None and self.cursor.description is not None:
            self.cursor_fetch_strategy = sa_cursor.FullyBufferedCursorFetchStrategy(
                self.cursor, self.cursor.description)


class BufferedDuckDBDialect(DuckDBDialect):
    """duckdb-engine's dialect (name `duckdb`, so GX treats it as DuckDB) with buffered results."""

    execution_ctx_cls = _BufferedExecutionContext
    supports_statement_cache = False


def register() -> None:
    registry.register("duckdb.buffered", __name__, "BufferedDuckDBDialect")


def connection_url(database: str, read_only: bool = True) -> str:
    """SQLAlchemy URL of a DuckDB file through the buffered dialect, with yecai's thread and
    memory settings (duckdb-engine passes the query to DuckDB as its configuration)."""
    config = settings.duckdb_config() | ({"access_mode": "read_only"} if read_only else {})
    return f"{URL_SCHEME}:///{database}?{urlencode(config)}"
