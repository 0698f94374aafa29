"""The one validation-and-cast path every format goes through, in DuckDB SQL.

Each reader leaves the same staging view behind (see readers/shape.py): the delivery's rows as
VARCHAR contract columns plus `__row` (1-based data row number), `__malformed` (set when
the row could not even be split into columns) and `__raw` (the original record as JSON
text, when the reader has it). From there this module generates, per contract column, one
CASE expression that yields the reason the value breaks the contract (or NULL), and one
cast expression to the raw type. Everything is set-based: a multi-million-row file is
validated by a handful of vectorised statements, never by a Python loop over rows.

Rules (the contract's conventions):
- empty means NULL or only whitespace; required columns must not be empty, optional
  empty values load as NULL; string values are otherwise stored exactly as delivered;
- integer: ^[+-]?[0-9]+$ within BIGINT;
- decimal: a plain decimal number (no thousands separator, no exponent) that fits the raw
  DECIMAL(p,s) exactly: at most p-s digits before the point and at most s after it
  (more places would be rounded, i.e. silently changed, so they are refused);
- date: yyyy-mm-dd and a real calendar day;
- timestamp: yyyy-mm-dd[T| ]hh:mm:ss[.ffffff], no zone suffix;
- `values`: the exact (case-sensitive) list of allowed codes.
Typed values are trimmed of surrounding whitespace before parsing; strings are not.
"""

from __future__ import annotations

import re

from yecai.contract import MAX_KEY_COLUMNS, RAW_TYPES, Column, Extract
from yecai.ingest.errors import Refusal
from yecai.ingest.sql import ident, literal

# Characters that count as "whitespace" for emptiness and for trimming typed values,
# including the no-break and ideographic spaces common in Chinese spreadsheets.
WHITESPACE = " \t\r\n\f\v\u00a0\u3000"

SHOWN_VALUE_CHARS = 100

_DECIMAL = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", RAW_TYPES["decimal"])
assert _DECIMAL, "RAW_TYPES['decimal'] must be DECIMAL(p,s)"
DECIMAL_PRECISION, DECIMAL_SCALE = int(_DECIMAL.group(1)), int(_DECIMAL.group(2))

INTEGER_RE = r"[+-]?[0-9]+"
DECIMAL_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
# A plain decimal that fits DECIMAL(p,s) exactly (trailing zeros beyond s places are fine).
DECIMAL_FITS_RE = (rf"[+-]?(0*[0-9]{{1,{DECIMAL_PRECISION - DECIMAL_SCALE}}}(\.[0-9]{{0,{DECIMAL_SCALE}}}0*)?"
                   rf"|\.[0-9]{{1,{DECIMAL_SCALE}}}0*)")
DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
TIMESTAMP_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"

# Staging-table column names used by every reader (never contract column names: those
# have no leading double underscore).
ROW = "__row"
MALFORMED = "__malformed"
RAW = "__raw"


def check_columns(found: list[str], extract: Extract) -> None:
    """Refuse a delivery whose columns are not exactly the contract's.

    Order does not matter; names are case-sensitive; a name may appear only once. The
    reason lists what is missing, unexpected and duplicated, so the sender can fix it.
    """
    expected = extract.column_names
    counts: dict[str, int] = {}
    for name in found:
        counts[name] = counts.get(name, 0) + 1
    duplicated = [n for n, k in counts.items() if k > 1]
    missing = [n for n in expected if n not in counts]
    unexpected = [n for n in counts if n not in expected]
    if not (duplicated or missing or unexpected):
        return
    if not any(n.strip() for n in found):
        raise Refusal("no header row (the first row is empty); expected the contract's columns: "
                      + ", ".join(expected))
    parts = []
    if missing:
        parts.append("missing " + ", ".join(f"'{n}'" for n in missing))
    if unexpected:
        parts.append("unexpected " + _shown_names(unexpected))
    if duplicated:
        parts.append("duplicated " + _shown_names(duplicated))
    if not set(counts) & set(expected):
        head = "no header row (the first row has none of the contract's column names)"
    else:
        head = "columns do not match the contract"
    raise Refusal(f"{head}: {'; '.join(parts)}")


# A header name is quoted in a refusal only if it looks like a column name: a refused file's
# content (a password line, /etc/passwd) must not end up in the load log.
_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,63}")
SHOWN_NAMES = 10


def _shown_names(names: list[str]) -> str:
    shown = [f"'{n}'" for n in names[:SHOWN_NAMES] if _COLUMN_NAME.fullmatch(n)]
    hidden = len(names) - len(shown)
    if hidden:
        shown.append(f"{hidden} more not shown (not column names)" if shown else
                     f"{hidden} name(s) not shown (not column names)")
    return ", ".join(shown)


def _shown(col_sql: str) -> str:
    """SQL for the offending value as quoted in a reason: 'value', cut at 100 chars."""
    return (f"'''' || CASE WHEN length({col_sql}) > {SHOWN_VALUE_CHARS} "
            f"THEN left({col_sql}, {SHOWN_VALUE_CHARS}) || '…' ELSE {col_sql} END || ''''")


def _trimmed_col(i: int) -> str:
    return f"__t{i}"


def _reason_col(i: int) -> str:
    return f"__r{i}"


def trimmed_sql(col_sql: str) -> str:
    """SQL: the value without surrounding whitespace, NULL when empty.

    trim() with a character list is several times slower than the test for whether the
    first or last character is whitespace at all, so values are only trimmed when needed."""
    ws = literal(WHITESPACE)
    return (f"CASE WHEN contains({ws}, {col_sql}[1]) OR contains({ws}, {col_sql}[-1]) "
            f"THEN nullif(trim({col_sql}, {ws}), '') ELSE {col_sql} END")


def reason_sql(col: Column, t: str) -> str:
    """SQL expression: why this row's value of `col` breaks the contract, or NULL.

    `t` names the column holding the trimmed value (NULL when empty), see trimmed_sql."""
    x = ident(col.name)
    shown = _shown(x)
    missing = "'required value missing'" if col.required else "NULL"
    checks: list[tuple[str, str]] = []  # (condition that means bad, reason)
    if col.type == "integer":
        checks += [
            (f"NOT regexp_full_match({t}, {literal(INTEGER_RE)})",
             f"'not a valid integer: ' || {shown}"),
            (f"TRY_CAST({t} AS BIGINT) IS NULL",
             f"'not a valid integer: ' || {shown} || ' (out of range for BIGINT)'"),
        ]
    elif col.type == "decimal":
        # One regex for the common case (a plain decimal that fits); the detailed reason is
        # only worked out for the few values that fail it.
        detail = (f"CASE WHEN NOT regexp_full_match({t}, {literal(DECIMAL_RE)}) THEN '' "
                  f"WHEN strpos({t}, '.') > 0 AND length(rtrim({t}, '0')) - strpos({t}, '.') > {DECIMAL_SCALE} "
                  f"THEN ' (more than {DECIMAL_SCALE} decimal places)' "
                  f"ELSE ' (out of range for {col.raw_type}: at most "
                  f"{DECIMAL_PRECISION - DECIMAL_SCALE} digits before the decimal point)' END")
        checks.append((f"NOT regexp_full_match({t}, {literal(DECIMAL_FITS_RE)})",
                       f"'not a valid decimal: ' || {shown} || {detail}"))
    elif col.type == "date":
        checks.append((
            f"NOT regexp_full_match({t}, {literal(DATE_RE)}) OR starts_with({t}, '0000') "
            f"OR TRY_CAST({t} AS DATE) IS NULL",
            f"'not a valid date: ' || {shown} || ' (expected yyyy-mm-dd)'"))
    elif col.type == "timestamp":
        checks.append((
            f"NOT regexp_full_match({t}, {literal(TIMESTAMP_RE)}) OR starts_with({t}, '0000') "
            f"OR TRY_CAST({t} AS TIMESTAMP) IS NULL",
            f"'not a valid timestamp: ' || {shown} || "
            "' (expected yyyy-mm-dd hh:mm:ss[.ffffff], no zone suffix)'"))
    if col.values is not None:
        allowed = ", ".join(literal(v) for v in col.values)
        checks.append((f"{x} NOT IN ({allowed})",
                       f"{shown} || {literal(' is not one of: ' + ', '.join(col.values))}"))
    whens = "".join(f" WHEN {cond} THEN {reason}" for cond, reason in checks)
    return f"CASE WHEN {t} IS NULL THEN {missing}{whens} END"


def cast_sql(col: Column, t: str) -> str:
    """SQL expression: the value of `col` as its raw type (NULL when empty).

    Strings keep the delivered value (only an empty one becomes NULL); typed values are
    cast from the trimmed text. Only applied to rows that passed validation, so TRY_CAST
    never hides a bad value; it just guarantees the insert cannot fail half-way.
    """
    if col.type == "string":
        return f"CASE WHEN {t} IS NOT NULL THEN {ident(col.name)} END"
    return f"TRY_CAST({t} AS {col.raw_type})"


def _with_trimmed(extract: Extract, src: str) -> str:
    """FROM clause: the staging rows plus the trimmed value of every column (`__t<i>`)."""
    trimmed = ", ".join(f"{trimmed_sql(ident(c.name))} AS {_trimmed_col(i)}"
                        for i, c in enumerate(extract.columns))
    return f"(SELECT *, {trimmed} FROM {src})"


def _bad_rows_select(extract: Extract, src: str) -> str:
    """SELECT the rows that go to quarantine: the staging columns, the trimmed values
    (`__t<i>`) and, per contract column, the reason its value breaks the contract (`__r<i>`).
    Reasons are not computed for malformed rows (their columns are empty because the record
    could not be split)."""
    cols = list(enumerate(extract.columns))
    reasons = ", ".join(
        f"CASE WHEN {MALFORMED} IS NULL THEN {reason_sql(c, _trimmed_col(i))} END AS {_reason_col(i)}"
        for i, c in cols)
    bad = " OR ".join([f"{MALFORMED} IS NOT NULL", *(f"{_reason_col(i)} IS NOT NULL" for i, _ in cols)])
    return f"SELECT * FROM (SELECT *, {reasons} FROM {_with_trimmed(extract, src)}) WHERE {bad}"


def bad_rows_sql(extract: Extract, src: str, out: str, limit: int) -> str:
    """CREATE the table `out` holding the first `limit` rows that go to quarantine (by row
    number; see _bad_rows_select).

    Only the (few) bad rows are materialised: copying a multi-million-row staging table
    with extra columns costs more than validating it; `limit` bounds a junk file."""
    return f"CREATE OR REPLACE TEMP TABLE {out} AS {_bad_rows_select(extract, src)} ORDER BY {ROW} LIMIT {int(limit)}"


def bad_rows_count_sql(extract: Extract, src: str) -> str:
    """SELECT the number of rows that go to quarantine (a streaming count, nothing kept)."""
    return f"SELECT count(*) FROM ({_bad_rows_select(extract, src)})"


def first_bad_column_sql(extract: Extract, bad: str) -> str:
    """SELECT (row number, first failing column or NULL for a malformed row) of the first
    row of `bad`: where a refused file's problems start, without quoting its content."""
    columns = " ".join(f"WHEN {_reason_col(i)} IS NOT NULL THEN {literal(c.name)}"
                       for i, c in enumerate(extract.columns))
    return f"SELECT {ROW}, CASE {columns} END FROM {bad} ORDER BY {ROW} LIMIT 1"


def held_keys_insert_sql(extract: Extract, bad: str) -> str:
    """INSERT into ingest.snapshot_held_keys the primary key of every quarantined snapshot
    row whose key columns themselves conform (as text of their raw type); dbt's
    current_version keeps the previous version of those keys. Parameters as for the
    quarantine insert."""
    positions = [extract.column_names.index(k) for k in extract.primary_key]
    keys = [f"CAST({cast_sql(extract.columns[i], _trimmed_col(i))} AS VARCHAR)" for i in positions]
    keys += ["NULL"] * (MAX_KEY_COLUMNS - len(keys))
    usable = " AND ".join([f"{MALFORMED} IS NULL",
                           *(f"{_reason_col(i)} IS NULL AND {_trimmed_col(i)} IS NOT NULL" for i in positions)])
    names = ", ".join(f"key_{n + 1}" for n in range(MAX_KEY_COLUMNS))
    return (f"INSERT INTO ingest.snapshot_held_keys (batch_id, extract_name, source_file, source_row_number, "
            f"{names}, loaded_at) SELECT $batch_id, $extract_name, $source_file, {ROW}, {', '.join(keys)}, "
            f"$loaded_at FROM {bad} WHERE {usable}")


def raw_insert_sql(extract: Extract, src: str, bad: str) -> str:
    """INSERT the good rows (staging rows not in `bad`) into the raw table, cast, with
    lineage (parameters $source_file, $batch_id, $loaded_at; the row number comes from
    staging)."""
    names = [*(ident(c.name) for c in extract.columns),
             '"_source_file"', '"_batch_id"', '"_source_row_number"', '"_loaded_at"']
    values = [*(cast_sql(c, _trimmed_col(i)) for i, c in enumerate(extract.columns)),
              "$source_file", "$batch_id", ROW, "$loaded_at"]
    return (f"INSERT INTO raw.{ident(extract.name)} ({', '.join(names)}) "
            f"SELECT {', '.join(values)} FROM {_with_trimmed(extract, src)} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {bad} b WHERE b.{ROW} = s.{ROW})")


def quarantine_insert_sql(extract: Extract, bad: str) -> str:
    """INSERT one quarantine row per (bad row, failing column); a malformed row gives one
    row with column_name NULL. raw_record keeps the whole source row as JSON text."""
    record = ", ".join(f"{literal(c.name)}, {ident(c.name)}" for c in extract.columns)
    raw = f"coalesce({RAW}, CAST(json_object({record}) AS VARCHAR))"
    parts = [f"SELECT {ROW}, -1 AS pos, NULL::VARCHAR AS column_name, {MALFORMED} AS reason, "
             f"{raw} AS raw_record FROM {bad} WHERE {MALFORMED} IS NOT NULL"]
    parts += [f"SELECT {ROW}, {i}, {literal(c.name)}, {_reason_col(i)}, {raw} FROM {bad} "
              f"WHERE {_reason_col(i)} IS NOT NULL" for i, c in enumerate(extract.columns)]
    return (
        "INSERT INTO ingest.quarantine (batch_id, extract_name, source_file, source_row_number, "
        "column_name, reason, raw_record, loaded_at) "
        "SELECT $batch_id, $extract_name, $source_file, q.__row, q.column_name, q.reason, "
        f"q.raw_record, $loaded_at FROM ({' UNION ALL '.join(parts)}) q "
        "ORDER BY q.__row, q.pos")
