"""JSON Lines deliveries: one JSON object a line."""

from __future__ import annotations

from pathlib import Path

import duckdb

from yecai.contract import Extract
from yecai.ingest.errors import Refusal
from yecai.ingest.readers.lines import numbered_source, scan_text
from yecai.ingest.readers.shape import select_staging
from yecai.ingest.sql import literal
from yecai.ingest.validate import WHITESPACE, check_columns

# Delimiter for reading JSON Lines line by line through DuckDB's CSV reader: control
# characters cannot appear unescaped in valid JSON, so no valid line is ever split.
_JSONL_DELIM = "\x1e\x1f"


def read_jsonl(con: duckdb.DuckDBPyConnection, path: Path, extract: Extract) -> None:
    """JSON Lines: one JSON object a line; the row number is the line number.

    Lines are read as text first, so a line that is not a JSON object is quarantined with
    its original text instead of breaking the file; the columns are the union of the keys
    of all objects (a key absent from one object is an empty value in that row). A file in
    which no line is a JSON object is refused as not being JSON Lines.
    """
    options = (f"header=false, delim='{_JSONL_DELIM}', quote='', escape='', "
               "columns={'line': 'VARCHAR'}")
    scan_text(con, path, "__ingest_lines", options, "JSON Lines")
    source = numbered_source(con, "__ingest_lines", first_data_line=1)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __ingest_json AS "
        "SELECT __n, coalesce(line, __bad_text) AS line, __bad_line, "
        "CASE WHEN __bad_line IS NULL AND json_valid(line) THEN json_type(line) END AS jtype "
        f"FROM {source} WHERE __bad_line IS NOT NULL OR trim(line, {literal(WHITESPACE)}) <> ''")
    rows, objects = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE jtype = 'OBJECT') FROM __ingest_json").fetchone()
    if rows == 0:
        keys: list[str] = []
    elif objects == 0:
        raise Refusal("not JSON Lines: no line holds a JSON object")
    else:
        keys = [k for (k,) in con.execute(
            "SELECT DISTINCT unnest(json_keys(line)) FROM __ingest_json WHERE jtype = 'OBJECT'"
        ).fetchall()]
        check_columns(keys, extract)
    paths = "[" + ", ".join(literal('$."' + c.name.replace('"', '\\"') + '"')
                            for c in extract.columns) + "]"
    source = (f"(SELECT *, CASE WHEN jtype = 'OBJECT' THEN json_extract_string(line, {paths}) END AS __v, "
              "CASE WHEN jtype = 'OBJECT' THEN json_keys(line) END AS __keys FROM __ingest_json)")
    con.execute(select_staging(
        extract, source, row="__n",
        columns={c.name: f"__v[{i + 1}]" for i, c in enumerate(extract.columns)},
        malformed=("CASE WHEN __bad_line IS NOT NULL THEN 'malformed JSON line: ' || __bad_line "
                   "WHEN jtype IS NULL THEN 'malformed JSON line: not valid JSON' "
                   "WHEN jtype <> 'OBJECT' THEN 'malformed JSON line: a JSON ' || lower(jtype) || ', not an object' "
                   "WHEN len(__keys) <> len(list_distinct(__keys)) THEN 'malformed JSON line: duplicate key' END"),
        raw="CASE WHEN jtype IS NOT NULL THEN line ELSE to_json(line) END", materialize=True))
