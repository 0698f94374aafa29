"""Every DuckDB connection of every stage carries YECAI_THREADS and YECAI_MEMORY_LIMIT, so a
large build spills to disk instead of growing past the machine (yecai.warehouse)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy

from yecai import settings
from yecai.quality import dialect
from yecai.warehouse import connect

PACKAGE = settings.PROJECT_DIR / "yecai"


def _duckdb_connect_calls(source: Path) -> list[int]:
    """Line numbers of `duckdb.connect(...)` calls in a module."""
    return [node.lineno for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "connect"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "duckdb"]


def test_no_module_opens_duckdb_around_the_settings():
    offenders = {str(path.relative_to(PACKAGE)): lines for path in sorted(PACKAGE.rglob("*.py"))
                 if path.name != "warehouse.py" and (lines := _duckdb_connect_calls(path))}
    assert offenders == {}, "open DuckDB with yecai.warehouse.connect, which applies the thread and memory settings"


def test_the_rule_sees_a_direct_connect(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("import duckdb\ncon = duckdb.connect('x.duckdb')\n")
    assert _duckdb_connect_calls(module) == [2]


@pytest.fixture()
def small_settings(monkeypatch):
    monkeypatch.setenv("YECAI_THREADS", "1")
    monkeypatch.setenv("YECAI_MEMORY_LIMIT", "300MB")


SETTINGS_QUERY = "select current_setting('threads'), current_setting('memory_limit')"
SMALL = (1, "286.1 MiB")  # DuckDB reports 300 MB in MiB


def test_file_and_in_memory_connections_carry_the_settings(small_settings, tmp_path):
    for database, read_only in ((tmp_path / "wh.duckdb", False), (tmp_path / "wh.duckdb", True), (None, False)):
        with connect(database, read_only=read_only) as con:
            assert con.execute(SETTINGS_QUERY).fetchone() == SMALL, (database, read_only)


def test_the_quality_gate_engine_carries_the_settings(small_settings, tmp_path):
    connect(tmp_path / "wh.duckdb").close()
    dialect.register()
    engine = sqlalchemy.create_engine(dialect.connection_url(str(tmp_path / "wh.duckdb")))
    try:
        with engine.connect() as con:
            assert tuple(con.execute(sqlalchemy.text(SETTINGS_QUERY)).fetchone()) == SMALL
            assert con.execute(sqlalchemy.text("select current_setting('access_mode')")).scalar() == "read_only"
    finally:
        engine.dispose()
