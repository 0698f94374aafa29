"""`yecai ingest`: every documented outcome, with its row accounting.

Each test builds its own small landing folder from the contract in tmp_path and ingests it
into its own DuckDB file. Expectations are exact (counts, reasons, row numbers) so that a
change in behaviour fails a test instead of slipping through.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from yecai.contract import LINEAGE_COLUMNS, load_contract
from yecai.ingest import IngestReport, IngestStopped, ingest

CONTRACT = load_contract()

# wms_shipments has every raw type but an enum: string, integer, date, decimal, timestamp.
SHIP = "wms_shipments"
SHIP_HEADER = CONTRACT[SHIP].column_names
SHIP_ROWS = [
    ["SH1", "SO1", "1", "WH1", "2023-01-05", "12.5", "2023-01-05 10:00:00"],
    ["SH2", "SO1", "2", "仓库-华东", "2023-01-06", "0.125", "2023-01-06 11:30:15.250000"],
    ["SH3", "SO2", "10", "WH2", "2023-02-28", "100", "2023-02-28 00:00:00"],
]
SHIP_TYPED = [
    ("SH1", "SO1", 1, "WH1", dt.date(2023, 1, 5), Decimal("12.5"), dt.datetime(2023, 1, 5, 10)),
    ("SH2", "SO1", 2, "仓库-华东", dt.date(2023, 1, 6), Decimal("0.125"),
     dt.datetime(2023, 1, 6, 11, 30, 15, 250000)),
    ("SH3", "SO2", 10, "WH2", dt.date(2023, 2, 28), Decimal("100"), dt.datetime(2023, 2, 28)),
]

# erp_sales_orders: a delta extract with enums, dates and a timestamp.
ORD = "erp_sales_orders"
ORD_HEADER = CONTRACT[ORD].column_names


def order(order_id: str, **changes: str) -> list[str]:
    row = dict(order_id=order_id, company_code="C100", customer_id="CU1", order_date="2023-01-05",
               requested_delivery_date="2023-01-20", currency="CNY", channel="direct",
               order_status="open", updated_at="2023-01-05 09:00:00")
    row.update(changes)
    return [row[c] for c in ORD_HEADER]


# crm_customers: a snapshot extract with an optional column and Chinese names.
CUST = "crm_customers"
CUST_HEADER = CONTRACT[CUST].column_names
CUST_ROWS = [
    ["CU1", "上海华东贸易有限公司", "13800138000", "enterprise", "east", "CN", "500000.00", "30",
     "2020-01-01 08:00:00", "2023-01-01 08:00:00"],
    ["CU2", "深圳南方电子", "", "smb", "south", "CN", "80000", "45",
     "2021-06-30 12:00:00", "2023-01-02 08:00:00"],
    ["CU3", "Müller GmbH — 欧洲", "", "distributor", "overseas", "DE", "1250000.5", "60",
     "2022-03-15 16:45:00", "2023-01-03 08:00:00"],
]


# ------------------------------------------------------------------ helpers

def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def put(landing: Path, rel: str, content: bytes) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def put_csv(landing: Path, rel: str, header: list[str], rows: list[list[str]], **kw) -> Path:
    return put(landing, rel, csv_bytes(header, rows, **kw))


def run(tmp_path: Path) -> IngestReport:
    return ingest(tmp_path / "landing", tmp_path / "wh.duckdb", progress=False)


def q(tmp_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def log(tmp_path: Path) -> list[dict]:
    cols = ["batch_id", "extract_name", "source_file", "file_format", "encoding", "file_bytes",
            "status", "rows_read", "rows_loaded", "rows_quarantined", "message", "loaded_at"]
    rows = q(tmp_path, f"select {', '.join(cols)} from ingest.load_log order by source_file, loaded_at")
    return [dict(zip(cols, r, strict=True)) for r in rows]


def log_row(tmp_path: Path, source_file: str) -> dict:
    rows = [r for r in log(tmp_path) if r["source_file"] == source_file]
    assert len(rows) == 1, rows
    return rows[0]


def quarantine(tmp_path: Path) -> list[tuple]:
    return q(tmp_path, "select source_file, source_row_number, column_name, reason "
                       "from ingest.quarantine order by source_file, source_row_number, column_name")


def raw_rows(tmp_path: Path, extract: str, source_file: str | None = None) -> list[tuple]:
    names = ", ".join(f'"{c}"' for c in CONTRACT[extract].column_names)
    where = "where _source_file = ?" if source_file else ""
    return q(tmp_path, f"select {names} from raw.{extract} {where} order by _source_file, "
                       "_source_row_number", [source_file] if source_file else [])


def table_counts(tmp_path: Path) -> dict[str, int]:
    tables = [f"raw.{name}" for name in CONTRACT] + ["ingest.load_log", "ingest.quarantine"]
    counts = q(tmp_path, " union all ".join(f"select '{t}', count(*) from {t}" for t in tables))
    assert len(counts) == len(tables)
    return dict(counts)


def assert_accounting(tmp_path: Path) -> None:
    """rows_read = loaded + quarantined on every log row; the raw and quarantine tables hold
    exactly what the log says for every loaded file."""
    for row in log(tmp_path):
        assert row["rows_read"] == row["rows_loaded"] + row["rows_quarantined"]
        if row["status"] != "loaded":
            assert (row["rows_read"], row["rows_loaded"], row["rows_quarantined"]) == (0, 0, 0)
            continue
        extract = row["extract_name"]
        loaded = q(tmp_path, f"select count(*) from raw.{extract} where _source_file = ? "
                             "and _batch_id = ?", [row["source_file"], row["batch_id"]])[0][0]
        bad_rows = q(tmp_path, "select count(distinct source_row_number) from ingest.quarantine "
                               "where source_file = ? and batch_id = ?",
                     [row["source_file"], row["batch_id"]])[0][0]
        assert loaded == row["rows_loaded"], row
        assert bad_rows == row["rows_quarantined"], row


# ------------------------------------------------------------------ raw layer shape

def test_empty_landing_creates_every_raw_table_with_contract_columns(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    report = run(tmp_path)
    assert report.exit_code == 0
    for name, extract in CONTRACT.items():
        cols = q(tmp_path, "select column_name, data_type from information_schema.columns "
                           "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                 [name])
        expected = [(c.name, c.raw_type) for c in extract.columns] + list(LINEAGE_COLUMNS.items())
        assert cols == expected, name
    assert set(table_counts(tmp_path).values()) == {0}
    ingest_tables = q(tmp_path, "select table_name from information_schema.tables "
                                "where table_schema = 'ingest' order by 1")
    assert ingest_tables == [("load_failures",), ("load_log",), ("quarantine",), ("snapshot_held_keys",)]


def test_missing_landing_folder_stops_the_run_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(IngestStopped, match="landing folder .* does not exist"):
        run(tmp_path)  # tmp_path/landing does not exist (a misspelt --landing)
    assert not (tmp_path / "wh.duckdb").exists()


# ------------------------------------------------------------------ good deliveries

def test_good_csv_loads_every_row_with_lineage(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    path = put_csv(landing, f"{SHIP}/{SHIP}__20230131__001.csv", SHIP_HEADER, SHIP_ROWS)
    report = run(tmp_path)

    assert report.exit_code == 0
    assert raw_rows(tmp_path, SHIP) == SHIP_TYPED
    entry = log_row(tmp_path, f"{SHIP}/{SHIP}__20230131__001.csv")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry | {"loaded_at": None} == {
        "batch_id": sha, "extract_name": SHIP, "source_file": f"{SHIP}/{SHIP}__20230131__001.csv",
        "file_format": "csv", "encoding": "utf-8", "file_bytes": path.stat().st_size,
        "status": "loaded", "rows_read": 3, "rows_loaded": 3, "rows_quarantined": 0,
        "message": None, "loaded_at": None}
    lineage = q(tmp_path, f"select _source_file, _batch_id, _source_row_number, _loaded_at "
                          f"from raw.{SHIP} order by _source_row_number")
    assert lineage == [(f"{SHIP}/{SHIP}__20230131__001.csv", sha, n, entry["loaded_at"])
                       for n in (1, 2, 3)]
    assert quarantine(tmp_path) == []
    assert "OK" in report.summary_text() and str(tmp_path / "wh.duckdb") in report.summary_text()


def test_utf8_bom_csv_loads_like_plain_utf8(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put(landing, f"{SHIP}/bom.csv", b"\xef\xbb\xbf" + csv_bytes(SHIP_HEADER, SHIP_ROWS))
    report = run(tmp_path)
    assert report.exit_code == 0
    assert raw_rows(tmp_path, SHIP) == SHIP_TYPED
    assert log_row(tmp_path, f"{SHIP}/bom.csv")["encoding"] == "utf-8-bom"


def test_gbk_csv_loads_the_same_rows_as_its_utf8_twin(tmp_path: Path, monkeypatch) -> None:
    import yecai.ingest.encoding as encoding

    monkeypatch.setattr(encoding, "CHUNK_BYTES", 7)  # split multi-byte characters across chunks
    landing = tmp_path / "landing"
    put_csv(landing, f"{CUST}/{CUST}__20230101__001.csv", CUST_HEADER, CUST_ROWS[:2], encoding="gbk")
    put_csv(landing, f"{CUST}/{CUST}__20230101__002.csv", CUST_HEADER, CUST_ROWS[:2])
    report = run(tmp_path)

    assert report.exit_code == 0
    gbk = raw_rows(tmp_path, CUST, f"{CUST}/{CUST}__20230101__001.csv")
    utf8 = raw_rows(tmp_path, CUST, f"{CUST}/{CUST}__20230101__002.csv")
    assert gbk == utf8
    assert [r[1] for r in gbk] == ["上海华东贸易有限公司", "深圳南方电子"]
    assert gbk[1][2] is None  # optional and empty -> NULL
    assert log_row(tmp_path, f"{CUST}/{CUST}__20230101__001.csv")["encoding"] == "gb18030"
    assert log_row(tmp_path, f"{CUST}/{CUST}__20230101__002.csv")["encoding"] == "utf-8"


def test_gb18030_only_characters_load(tmp_path: Path) -> None:
    rows = [CUST_ROWS[2]]  # 'ü' and '—' are not in GBK's common range but are in GB18030
    put_csv(tmp_path / "landing", f"{CUST}/c.csv", CUST_HEADER, rows, encoding="gb18030")
    assert run(tmp_path).exit_code == 0
    assert raw_rows(tmp_path, CUST)[0][1] == "Müller GmbH — 欧洲"


def write_xlsx(path: Path, header: list[str], rows: list[list]) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def test_xlsx_parquet_and_jsonl_load_exactly_what_csv_loads(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / SHIP
    put_csv(tmp_path / "landing", f"{SHIP}/a.csv", SHIP_HEADER, SHIP_ROWS)
    # Excel with native cell types: integers, floats, dates and datetimes.
    write_xlsx(folder / "b.xlsx", SHIP_HEADER, [
        [r[0], r[1], int(r[2]), r[3], dt.date.fromisoformat(r[4]), float(r[5]),
         dt.datetime.fromisoformat(r[6])] for r in SHIP_ROWS])
    # Parquet with native types (and the integer column written as float, as pandas does
    # for nullable integers).
    pq.write_table(pa.table({
        "shipment_id": [r[0] for r in SHIP_ROWS],
        "order_id": [r[1] for r in SHIP_ROWS],
        "order_line_no": pa.array([float(r[2]) for r in SHIP_ROWS], pa.float64()),
        "warehouse_id": [r[3] for r in SHIP_ROWS],
        "ship_date": pa.array([dt.date.fromisoformat(r[4]) for r in SHIP_ROWS], pa.date32()),
        "quantity": pa.array([Decimal(r[5]) for r in SHIP_ROWS], pa.decimal128(18, 3)),
        "updated_at": pa.array([dt.datetime.fromisoformat(r[6]) for r in SHIP_ROWS],
                               pa.timestamp("ns")),
    }), folder / "c.parquet")
    # JSON Lines with numbers as JSON numbers, keys in another order.
    lines = []
    for r in SHIP_ROWS:
        obj = dict(zip(SHIP_HEADER, r, strict=True))
        obj["order_line_no"], obj["quantity"] = int(r[2]), float(r[5])
        lines.append(json.dumps(dict(reversed(list(obj.items()))), ensure_ascii=False))
    put(tmp_path / "landing", f"{SHIP}/d.jsonl", ("\n".join(lines) + "\n").encode())

    report = run(tmp_path)
    assert report.exit_code == 0, report.summary_text()
    for name in ("a.csv", "b.xlsx", "c.parquet", "d.jsonl"):
        assert raw_rows(tmp_path, SHIP, f"{SHIP}/{name}") == SHIP_TYPED, name
        entry = log_row(tmp_path, f"{SHIP}/{name}")
        assert (entry["status"], entry["rows_read"], entry["rows_loaded"]) == ("loaded", 3, 3)
    assert q(tmp_path, f"select distinct _source_row_number from raw.{SHIP} order by 1") == \
        [(1,), (2,), (3,)]
    assert [r["file_format"] for r in log(tmp_path)] == ["csv", "xlsx", "parquet", "jsonl"]
    assert_accounting(tmp_path)


def test_xlsx_row_numbers_skip_nothing_and_bad_cells_are_quarantined(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "landing" / SHIP / "s.xlsx", SHIP_HEADER, [
        ["SH1", "SO1", 1, "WH1", dt.date(2023, 1, 5), 2.5, dt.datetime(2023, 1, 5, 10)],
        [None] * 7,  # an empty sheet row is not a data row
        ["SH3", "SO1", 2.5, "WH1", dt.datetime(2023, 1, 5, 10), 1, dt.datetime(2023, 1, 5, 10)],
    ])
    report = run(tmp_path)
    assert report.exit_code == 1
    assert raw_rows(tmp_path, SHIP) == [
        ("SH1", "SO1", 1, "WH1", dt.date(2023, 1, 5), Decimal("2.5"), dt.datetime(2023, 1, 5, 10))]
    assert quarantine(tmp_path) == [
        (f"{SHIP}/s.xlsx", 3, "order_line_no", "not a valid integer: '2.5'"),
        (f"{SHIP}/s.xlsx", 3, "ship_date",
         "not a valid date: '2023-01-05 10:00:00' (expected yyyy-mm-dd)"),
    ]
    entry = log_row(tmp_path, f"{SHIP}/s.xlsx")
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (2, 1, 1)


def test_delta_with_header_only_loads_zero_rows(tmp_path: Path) -> None:
    put_csv(tmp_path / "landing", f"{ORD}/empty_delta.csv", ORD_HEADER, [])
    report = run(tmp_path)
    assert report.exit_code == 0
    entry = log_row(tmp_path, f"{ORD}/empty_delta.csv")
    assert (entry["status"], entry["rows_read"], entry["rows_loaded"]) == ("loaded", 0, 0)


# ------------------------------------------------------------------ row-level quarantine

def test_missing_required_value_is_quarantined_and_optional_empty_is_null(tmp_path: Path) -> None:
    rows = [CUST_ROWS[0], CUST_ROWS[1][:], CUST_ROWS[2][:]]
    rows[1][1] = "   "  # required customer_name: whitespace only
    rows[2][2] = "\t"  # optional contact_phone: whitespace only -> NULL
    put_csv(tmp_path / "landing", f"{CUST}/c.csv", CUST_HEADER, rows)
    report = run(tmp_path)

    assert report.exit_code == 1
    assert quarantine(tmp_path) == [(f"{CUST}/c.csv", 2, "customer_name", "required value missing")]
    raw_record = q(tmp_path, "select raw_record from ingest.quarantine")[0][0]
    # The whole source row, as delivered (an empty CSV field reads as null).
    assert json.loads(raw_record) == {c: (v or None) for c, v in zip(CUST_HEADER, rows[1], strict=True)}
    loaded = raw_rows(tmp_path, CUST)
    assert [r[0] for r in loaded] == ["CU1", "CU3"]
    assert loaded[1][2] is None
    entry = log_row(tmp_path, f"{CUST}/c.csv")
    assert (entry["status"], entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) \
        == ("loaded", 3, 2, 1)
    assert_accounting(tmp_path)


BAD_VALUES = [
    # (column, value, reason)
    ("order_line_no", "1.5", "not a valid integer: '1.5'"),
    ("order_line_no", "abc", "not a valid integer: 'abc'"),
    ("order_line_no", "99999999999999999999",
     "not a valid integer: '99999999999999999999' (out of range for BIGINT)"),
    ("quantity", "12,5", "not a valid decimal: '12,5'"),
    ("quantity", "1,234.5", "not a valid decimal: '1,234.5'"),
    ("quantity", "abc", "not a valid decimal: 'abc'"),
    ("quantity", "1e5", "not a valid decimal: '1e5'"),
    ("quantity", "0.123456789", "not a valid decimal: '0.123456789' (more than 8 decimal places)"),
    ("quantity", "12345678901",
     "not a valid decimal: '12345678901' (out of range for DECIMAL(18,8): at most 10 digits "
     "before the decimal point)"),
    ("ship_date", "2023/01/05", "not a valid date: '2023/01/05' (expected yyyy-mm-dd)"),
    ("ship_date", "2023-02-30", "not a valid date: '2023-02-30' (expected yyyy-mm-dd)"),
    ("ship_date", "05.01.2023", "not a valid date: '05.01.2023' (expected yyyy-mm-dd)"),
    ("updated_at", "2023-01-05 10:00:00+08:00",
     "not a valid timestamp: '2023-01-05 10:00:00+08:00' (expected yyyy-mm-dd hh:mm:ss[.ffffff], "
     "no zone suffix)"),
    ("updated_at", "2023-01-05",
     "not a valid timestamp: '2023-01-05' (expected yyyy-mm-dd hh:mm:ss[.ffffff], no zone suffix)"),
    ("updated_at", "2023-01-05 24:00:00",
     "not a valid timestamp: '2023-01-05 24:00:00' (expected yyyy-mm-dd hh:mm:ss[.ffffff], "
     "no zone suffix)"),
]


def test_unparsable_values_are_quarantined_with_their_reason(tmp_path: Path) -> None:
    good = SHIP_ROWS[0]
    rows = [good]
    for i, (column, value, _) in enumerate(BAD_VALUES):
        row = good[:]
        row[0] = f"BAD{i}"
        row[SHIP_HEADER.index(column)] = value
        rows.append(row)
    # Accepted spellings: signs, surrounding spaces on typed values, 'T' separator,
    # trailing zeros beyond the scale.
    ok = good[:]
    ok[0], ok[2], ok[5], ok[6] = "OK2", " +7 ", "-0.500000000000", "2023-01-05T10:00:00.123456"
    rows.append(ok)
    put_csv(tmp_path / "landing", f"{SHIP}/s.csv", SHIP_HEADER, rows)
    report = run(tmp_path)

    assert report.exit_code == 1
    expected = [(f"{SHIP}/s.csv", i + 2, column, reason)
                for i, (column, _, reason) in enumerate(BAD_VALUES)]
    assert quarantine(tmp_path) == expected
    loaded = raw_rows(tmp_path, SHIP)
    assert loaded == [SHIP_TYPED[0],
                      ("OK2", "SO1", 7, "WH1", dt.date(2023, 1, 5), Decimal("-0.5"),
                       dt.datetime(2023, 1, 5, 10, 0, 0, 123456))]
    entry = log_row(tmp_path, f"{SHIP}/s.csv")
    n_bad = len(BAD_VALUES)
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == \
        (n_bad + 2, 2, n_bad)
    assert_accounting(tmp_path)


def test_enum_violation_and_several_failing_columns_count_one_row(tmp_path: Path) -> None:
    rows = [order("SO1"), order("SO2", order_status="Open"),
            order("SO3", channel="phone", order_date="", customer_id=""), order("SO4")]
    put_csv(tmp_path / "landing", f"{ORD}/o.csv", ORD_HEADER, rows)
    report = run(tmp_path)

    assert report.exit_code == 1
    assert quarantine(tmp_path) == [
        (f"{ORD}/o.csv", 2, "order_status", "'Open' is not one of: open, closed, cancelled"),
        (f"{ORD}/o.csv", 3, "channel", "'phone' is not one of: direct, distributor, online"),
        (f"{ORD}/o.csv", 3, "customer_id", "required value missing"),
        (f"{ORD}/o.csv", 3, "order_date", "required value missing"),
    ]
    entry = log_row(tmp_path, f"{ORD}/o.csv")
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (4, 2, 2)
    assert [r[0] for r in raw_rows(tmp_path, ORD)] == ["SO1", "SO4"]
    assert q(tmp_path, "select count(*) from ingest.quarantine where batch_id = ? "
                       "and extract_name = ?", [entry["batch_id"], ORD]) == [(4,)]
    assert_accounting(tmp_path)


def test_malformed_csv_lines_are_quarantined_and_row_numbers_stay_right(tmp_path: Path) -> None:
    header = ",".join(ORD_HEADER)
    good = [",".join(order(f"SO{i}")) for i in range(1, 6)]
    short = "SO90,C100,CU1"
    long = ",".join(order("SO91")) + ",extra"
    multiline = ",".join(order("SO92", customer_id='"CU\nwith newline"'))
    text = "\n".join([header, good[0], short, multiline, good[1], long, good[2]]) + "\n"
    put(tmp_path / "landing", f"{ORD}/m.csv", text.encode())
    report = run(tmp_path)

    assert report.exit_code == 1
    rows = q(tmp_path, "select source_row_number, column_name, reason, raw_record "
                       "from ingest.quarantine order by source_row_number")
    assert [(r[0], r[1]) for r in rows] == [(2, None), (5, None)]
    assert rows[0][2].startswith("malformed CSV line: missing columns")
    assert rows[1][2].startswith("malformed CSV line: too many columns")
    assert json.loads(rows[0][3]) == short
    assert q(tmp_path, f"select order_id, customer_id, _source_row_number from raw.{ORD} "
                       "order by _source_row_number") == [
        ("SO1", "CU1", 1), ("SO92", "CU\nwith newline", 3), ("SO2", "CU1", 4), ("SO3", "CU1", 6)]
    entry = log_row(tmp_path, f"{ORD}/m.csv")
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (6, 4, 2)
    assert_accounting(tmp_path)


def test_malformed_csv_line_in_a_file_with_blank_lines_is_refused(tmp_path: Path) -> None:
    text = "\n".join([",".join(ORD_HEADER), ",".join(order("SO1")), "", "SO2,C100",
                      ",".join(order("SO3"))]) + "\n"
    put(tmp_path / "landing", f"{ORD}/b.csv", text.encode())
    report = run(tmp_path)
    entry = log_row(tmp_path, f"{ORD}/b.csv")
    assert entry["status"] == "refused"
    assert "malformed CSV line" in entry["message"] and "empty lines" in entry["message"]
    assert report.exit_code == 1
    assert raw_rows(tmp_path, ORD) == [] and quarantine(tmp_path) == []


def test_malformed_jsonl_lines_are_quarantined(tmp_path: Path) -> None:
    objs = [json.dumps(dict(zip(ORD_HEADER, order(f"SO{i}"), strict=True))) for i in (1, 2)]
    text = "\n".join([objs[0], "{not json", "", "[1, 2]", objs[1]]) + "\n"
    put(tmp_path / "landing", f"{ORD}/j.jsonl", text.encode())
    report = run(tmp_path)
    assert report.exit_code == 1
    assert quarantine(tmp_path) == [
        (f"{ORD}/j.jsonl", 2, None, "malformed JSON line: not valid JSON"),
        (f"{ORD}/j.jsonl", 4, None, "malformed JSON line: a JSON array, not an object"),
    ]
    assert q(tmp_path, f"select order_id, _source_row_number from raw.{ORD} order by 2") == \
        [("SO1", 1), ("SO2", 5)]
    entry = log_row(tmp_path, f"{ORD}/j.jsonl")
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (4, 2, 2)


# ------------------------------------------------------------------ file-level refusals

def assert_refused(tmp_path: Path, report: IngestReport, source_file: str, message: str,
                   exact: bool = True) -> None:
    entry = log_row(tmp_path, source_file)
    assert entry["status"] == "refused"
    if exact:
        assert entry["message"] == message
    else:
        assert entry["message"].startswith(message), entry["message"]
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (0, 0, 0)
    assert report.exit_code == 1
    assert f"{source_file}: {entry['message']}" in report.summary_text()
    assert q(tmp_path, "select count(*) from ingest.quarantine where source_file = ?",
             [source_file]) == [(0,)]


def test_refused_file_does_not_stop_the_others(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{SHIP}/1_good.csv", SHIP_HEADER, SHIP_ROWS)
    put(landing, f"{SHIP}/2_empty.csv", b"")
    put_csv(landing, f"{SHIP}/3_good.csv", SHIP_HEADER, SHIP_ROWS[:1])
    report = run(tmp_path)
    assert_refused(tmp_path, report, f"{SHIP}/2_empty.csv", "empty file (0 bytes)")
    assert len(raw_rows(tmp_path, SHIP)) == 4
    assert_accounting(tmp_path)


def test_missing_column_is_refused(tmp_path: Path) -> None:
    header = [c for c in SHIP_HEADER if c not in ("quantity", "ship_date")]
    rows = [[v for c, v in zip(SHIP_HEADER, r, strict=True) if c in header] for r in SHIP_ROWS]
    put_csv(tmp_path / "landing", f"{SHIP}/m.csv", header, rows)
    report = run(tmp_path)
    assert_refused(tmp_path, report, f"{SHIP}/m.csv",
                   "columns do not match the contract: missing 'ship_date', 'quantity'")
    assert raw_rows(tmp_path, SHIP) == []


def test_unexpected_and_duplicated_columns_are_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{SHIP}/u.csv", SHIP_HEADER + ["Comment"], [r + ["x"] for r in SHIP_ROWS])
    put_csv(landing, f"{SHIP}/d.csv", SHIP_HEADER + ["quantity"], [r + ["1"] for r in SHIP_ROWS])
    renamed = ["Shipment_ID" if c == "shipment_id" else c for c in SHIP_HEADER]
    put_csv(landing, f"{SHIP}/c.csv", renamed, SHIP_ROWS)
    report = run(tmp_path)
    assert_refused(tmp_path, report, f"{SHIP}/u.csv",
                   "columns do not match the contract: unexpected 'Comment'")
    assert_refused(tmp_path, report, f"{SHIP}/d.csv",
                   "columns do not match the contract: duplicated 'quantity'")
    assert_refused(tmp_path, report, f"{SHIP}/c.csv",
                   "columns do not match the contract: missing 'shipment_id'; unexpected 'Shipment_ID'")
    assert raw_rows(tmp_path, SHIP) == []


def test_column_order_does_not_matter(tmp_path: Path) -> None:
    order_ = list(reversed(range(len(SHIP_HEADER))))
    put_csv(tmp_path / "landing", f"{SHIP}/r.csv", [SHIP_HEADER[i] for i in order_],
            [[r[i] for i in order_] for r in SHIP_ROWS])
    assert run(tmp_path).exit_code == 0
    assert raw_rows(tmp_path, SHIP) == SHIP_TYPED


def test_file_without_header_is_refused(tmp_path: Path) -> None:
    put(tmp_path / "landing", f"{SHIP}/n.csv", csv_bytes(SHIP_HEADER, SHIP_ROWS).split(b"\r\n", 1)[1])
    put(tmp_path / "landing", f"{SHIP}/blank.csv", b"\r\n\r\n")
    report = run(tmp_path)
    assert_refused(tmp_path, report, f"{SHIP}/n.csv",
                   "no header row (the first row has none of the contract's column names): missing",
                   exact=False)
    assert_refused(tmp_path, report, f"{SHIP}/blank.csv", "no header row (the first line is empty)",
                   exact=False)


def test_content_not_matching_the_extension_is_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    text = csv_bytes(SHIP_HEADER, SHIP_ROWS)
    put(landing, f"{SHIP}/p.parquet", text)
    put(landing, f"{SHIP}/x.xlsx", text)
    put(landing, f"{SHIP}/j.jsonl", text)
    report = run(tmp_path)
    assert_refused(tmp_path, report, f"{SHIP}/p.parquet", "not a valid Parquet file: ", exact=False)
    assert_refused(tmp_path, report, f"{SHIP}/x.xlsx", "not a valid .xlsx workbook: ", exact=False)
    assert_refused(tmp_path, report, f"{SHIP}/j.jsonl", "not JSON Lines: no line holds a JSON object",
                   exact=False)


def test_undecodable_text_is_refused(tmp_path: Path) -> None:
    put(tmp_path / "landing", f"{SHIP}/bin.csv", csv_bytes(SHIP_HEADER, SHIP_ROWS) + b"\xff\xfe\x80")
    report = run(tmp_path)
    assert_refused(tmp_path, report, f"{SHIP}/bin.csv", "not decodable as UTF-8", exact=False)


def test_snapshot_with_zero_rows_is_refused(tmp_path: Path) -> None:
    put_csv(tmp_path / "landing", f"{CUST}/empty.csv", CUST_HEADER, [])
    report = run(tmp_path)
    assert_refused(tmp_path, report, f"{CUST}/empty.csv",
                   "snapshot delivery with zero data rows: loading it would empty crm_customers; "
                   "a snapshot must hold the complete current state")


def test_files_outside_extract_folders_are_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, "foo/a.csv", SHIP_HEADER, SHIP_ROWS)
    put_csv(landing, "root.csv", SHIP_HEADER, SHIP_ROWS)
    put(landing, f"{SHIP}/notes.txt", b"hello")
    put(landing, f"{SHIP}/.hidden.csv", b"ignored")
    put(landing, ".DS_Store", b"ignored")
    report = run(tmp_path)
    assert_refused(tmp_path, report, "foo/a.csv",
                   "unknown extract folder 'foo'; expected one of the contract's extracts")
    assert_refused(tmp_path, report, "root.csv",
                   "file lies directly in the landing folder; put each delivery in the folder of "
                   "its extract (<landing>/<extract_name>/)")
    assert_refused(tmp_path, report, f"{SHIP}/notes.txt",
                   "unsupported format '.txt'; accepted: .csv .parquet .jsonl .xlsx")
    assert len(log(tmp_path)) == 3  # hidden files ignored
    assert log_row(tmp_path, "foo/a.csv")["extract_name"] is None


# ------------------------------------------------------------------ idempotency & immutability

def test_same_file_under_two_names_is_a_duplicate(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{ORD}/{ORD}__20230101__001.csv", ORD_HEADER, [order("SO1"), order("SO2")])
    put_csv(landing, f"{ORD}/{ORD}__20230102__001.csv", ORD_HEADER, [order("SO1"), order("SO2")])
    report = run(tmp_path)

    assert report.exit_code == 0
    second = log_row(tmp_path, f"{ORD}/{ORD}__20230102__001.csv")
    assert second["status"] == "duplicate"
    assert second["message"] == f"same content as {ORD}/{ORD}__20230101__001.csv; skipped"
    assert (second["rows_read"], second["rows_loaded"], second["rows_quarantined"]) == (0, 0, 0)
    assert len(raw_rows(tmp_path, ORD)) == 2
    before = table_counts(tmp_path)
    assert run(tmp_path).exit_code == 0
    assert table_counts(tmp_path) == before


def test_running_twice_changes_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{SHIP}/a.csv", SHIP_HEADER, SHIP_ROWS)
    put_csv(landing, f"{SHIP}/a_again.csv", SHIP_HEADER, SHIP_ROWS)
    put_csv(landing, f"{ORD}/o.csv", ORD_HEADER, [order("SO1"), order("SO2", channel="x")])
    put(landing, f"{CUST}/empty.csv", b"")
    put_csv(landing, "foo/f.csv", SHIP_HEADER, SHIP_ROWS)
    first = run(tmp_path)
    counts = table_counts(tmp_path)
    log_before = log(tmp_path)
    second = run(tmp_path)

    assert table_counts(tmp_path) == counts
    assert log(tmp_path) == log_before
    assert counts[f"raw.{SHIP}"] == 3 and counts[f"raw.{ORD}"] == 1
    assert counts["ingest.load_log"] == 5 and counts["ingest.quarantine"] == 1
    # The old problems are still reported, but only a new problem makes a run exit 1, so a
    # scheduler can tell them apart.
    assert (first.exit_code, second.exit_code) == (1, 0)
    assert all(o.earlier for o in second.outcomes) and len(second.outcomes) == 5
    assert "empty file (0 bytes)" in second.summary_text() and "[earlier run]" in second.summary_text()
    put(landing, f"{CUST}/empty_again.csv", b"")
    assert run(tmp_path).exit_code == 1


def test_changed_content_under_a_loaded_name_is_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{ORD}/o.csv", ORD_HEADER, [order("SO1")])
    assert run(tmp_path).exit_code == 0
    put_csv(landing, f"{ORD}/o.csv", ORD_HEADER, [order("SO1", order_status="closed")])
    report = run(tmp_path)

    entries = [r for r in log(tmp_path) if r["source_file"] == f"{ORD}/o.csv"]
    assert [r["status"] for r in entries] == ["loaded", "refused"]
    assert entries[1]["message"].startswith(f"{ORD}/o.csv was already loaded on ")
    assert "with other content (batch " + entries[0]["batch_id"][:12] + "…)" in entries[1]["message"]
    assert "deliver the complete corrected file under a new name that sorts after it, e.g. o__002.csv" \
        in entries[1]["message"]
    assert report.exit_code == 1
    assert [r[7] for r in raw_rows(tmp_path, ORD)] == ["open"]
    # Next run: the conflicting file is skipped, still reported, and no new problem.
    before = table_counts(tmp_path)
    again = run(tmp_path)
    assert again.exit_code == 0 and "o__002.csv" in again.summary_text()
    assert table_counts(tmp_path) == before


def test_summary_lists_extract_rows_and_where_to_look(tmp_path: Path) -> None:
    put_csv(tmp_path / "landing", f"{ORD}/o.csv", ORD_HEADER, [order("SO1"), order("SO2", channel="x")])
    text = run(tmp_path).summary_text()
    line = next(line_text for line_text in text.splitlines() if line_text.strip().startswith(ORD))
    assert line.split() == [ORD, "1", "1", "1"]
    assert "ingest.load_log" in text and "ingest.quarantine" in text
    assert str(tmp_path / "wh.duckdb") in text


def test_cli_exit_code(tmp_path: Path) -> None:
    from yecai.cli import main

    put_csv(tmp_path / "landing", f"{ORD}/o.csv", ORD_HEADER, [order("SO1")])
    args = ["ingest", "--landing", str(tmp_path / "landing"), "--database",
            str(tmp_path / "wh.duckdb"), "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    put(tmp_path / "landing", f"{ORD}/bad.csv", b"")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert f"{ORD}/bad.csv: empty file (0 bytes)" in result.output


def test_a_failure_while_writing_leaves_nothing_half_loaded_and_the_file_is_retried(
        tmp_path: Path, monkeypatch) -> None:
    import yecai.ingest.load as load

    put_csv(tmp_path / "landing", f"{ORD}/o.csv", ORD_HEADER, [order("SO1"), order("SO2", channel="x")])
    put_csv(tmp_path / "landing", f"{SHIP}/s.csv", SHIP_HEADER, SHIP_ROWS)
    monkeypatch.setenv("YECAI_DATA_DIR", str(tmp_path / "data"))
    # The raw insert succeeds, then the quarantine insert fails inside the same transaction.
    monkeypatch.setattr(load, "quarantine_insert_sql", lambda *a: "insert into no_such_table values (1)")
    report = run(tmp_path)
    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [o.source_file for o in failed] == [f"{ORD}/o.csv"] and report.exit_code == 1
    assert "tried again on the next run" in failed[0].message and "no_such_table" in failed[0].message
    log_file = Path(q(tmp_path, "select log_file from ingest.load_failures")[0][0])
    assert log_file.is_relative_to(tmp_path / "data") and "Traceback" in log_file.read_text()
    counts = table_counts(tmp_path)
    assert counts[f"raw.{ORD}"] == 0 and counts["ingest.quarantine"] == 0  # nothing half-loaded
    assert counts[f"raw.{SHIP}"] == 3  # the other file went on
    monkeypatch.undo()
    assert run(tmp_path).exit_code == 1
    entry = log_row(tmp_path, f"{ORD}/o.csv")
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (2, 1, 1)
    assert_accounting(tmp_path)


def test_a_raw_table_that_no_longer_matches_the_contract_stops_the_run(tmp_path: Path) -> None:
    from yecai.ingest.schema import SchemaMismatch

    (tmp_path / "landing").mkdir()
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        con.execute("create schema raw")
        con.execute(f"create table raw.{CUST} (customer_id varchar)")
    with pytest.raises(SchemaMismatch, match=f"raw.{CUST} has columns"):
        run(tmp_path)


# ------------------------------------------------------------------ the raw layer as Parquet (for Spark)

def mirror_table(folder: Path) -> pa.Table:
    return pq.read_table(folder)


def test_the_parquet_mirror_holds_every_loaded_batch_and_the_ledger(tmp_path: Path, monkeypatch) -> None:
    mirror = tmp_path / "raw_parquet"
    monkeypatch.setenv("YECAI_RAW_PARQUET_DIR", str(mirror))
    landing = tmp_path / "landing"
    put_csv(landing, f"{SHIP}/{SHIP}__20230131__001.csv", SHIP_HEADER, SHIP_ROWS)
    put_csv(landing, f"{SHIP}/{SHIP}__20230131__002.csv", SHIP_HEADER, SHIP_ROWS)  # a duplicate
    put_csv(landing, f"{ORD}/o.csv", ORD_HEADER, [order("SO1"), order("SO2", channel="x"), order("SO3")])
    put(landing, f"{CUST}/empty.csv", b"")  # refused
    report = run(tmp_path)

    loaded = q(tmp_path, "select extract_name, batch_id, rows_loaded from ingest.load_log "
                         "where status = 'loaded' order by extract_name")
    files = sorted(p.relative_to(mirror).as_posix() for p in mirror.rglob("*.parquet"))
    assert files == sorted([f"{extract}/{batch}.parquet" for extract, batch, _ in loaded]
                           + [f"ingest/{t}/{t}.parquet" for t in ("load_failures", "load_log", "quarantine",
                                                                  "snapshot_held_keys")])
    for extract, batch, rows_loaded in loaded:
        batch_file = pq.read_table(mirror / extract / f"{batch}.parquet").to_pylist()
        names = [*CONTRACT[extract].column_names, *LINEAGE_COLUMNS]
        in_raw = q(tmp_path, f"select {', '.join(names)} from raw.{extract} where _batch_id = ?", [batch])
        assert len(batch_file) == rows_loaded
        assert sorted(tuple(row[n] for n in names) for row in batch_file) == sorted(in_raw)
    assert [(e, r) for e, _, r in loaded] == [(ORD, 2), (SHIP, 3)]  # SO2 is quarantined
    assert mirror_table(mirror / "ingest" / "load_log").num_rows == 4
    assert mirror_table(mirror / "ingest" / "quarantine").to_pylist()[0]["column_name"] == "channel"
    assert (report.mirror.batches_written, report.mirror.rows_written) == (2, 5)
    assert f"Parquet mirror of the raw layer: {mirror} (2 new batch file(s), 5 rows)" in report.summary_text()

    again = run(tmp_path)
    assert (again.mirror.batches_written, again.mirror.rows_written) == (0, 0)


def test_a_mirror_cut_short_is_completed_by_the_next_run(tmp_path: Path, monkeypatch) -> None:
    mirror = tmp_path / "raw_parquet"
    monkeypatch.setenv("YECAI_RAW_PARQUET_DIR", str(mirror))
    put_csv(tmp_path / "landing", f"{SHIP}/s.csv", SHIP_HEADER, SHIP_ROWS)
    put_csv(tmp_path / "landing", f"{ORD}/o.csv", ORD_HEADER, [order("SO1")])
    run(tmp_path)
    [batch_file] = (mirror / SHIP).glob("*.parquet")
    expected = pq.read_table(batch_file)
    batch_file.unlink()  # killed before this batch was written, while writing its temp file
    leftover = mirror / SHIP / f".{batch_file.name}.tmp"
    leftover.write_bytes(b"half a file")

    report = run(tmp_path)
    assert (report.mirror.batches_written, report.mirror.rows_written) == (1, 3)
    assert pq.read_table(batch_file).equals(expected) and not leftover.exists()


def test_a_batch_the_raw_table_no_longer_holds_whole_stops_the_mirror(tmp_path: Path, monkeypatch) -> None:
    mirror = tmp_path / "raw_parquet"
    put_csv(tmp_path / "landing", f"{SHIP}/s.csv", SHIP_HEADER, SHIP_ROWS)
    run(tmp_path)  # no mirror kept yet
    assert not mirror.exists()
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        con.execute(f"delete from raw.{SHIP} where _source_row_number = 2")
    monkeypatch.setenv("YECAI_RAW_PARQUET_DIR", str(mirror))
    with pytest.raises(IngestStopped, match=rf"{SHIP}: the raw table holds 2 rows of batch .* but "
                                            r"ingest.load_log says 3 were loaded; nothing mirrored for it"):
        run(tmp_path)
    assert not [p for p in mirror.rglob("*") if p.is_file()]  # not even a temp file


def test_the_spark_target_keeps_the_mirror_in_the_data_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("YECAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("YECAI_RAW_PARQUET_DIR", raising=False)
    put_csv(tmp_path / "landing", f"{SHIP}/s.csv", SHIP_HEADER, SHIP_ROWS)
    monkeypatch.setenv("YECAI_TARGET", "duckdb")
    assert run(tmp_path).mirror is None and not (tmp_path / "data" / "raw_parquet").exists()
    monkeypatch.setenv("YECAI_TARGET", "spark")
    assert run(tmp_path).mirror.folder == tmp_path / "data" / "raw_parquet"
    assert len(list((tmp_path / "data" / "raw_parquet" / SHIP).glob("*.parquet"))) == 1
