"""`yecai ingest` against what a landing folder written by other systems can hold: pattern
characters in names, records too long to read, files still being written, links, pipes,
junk, bad settings, a second run. Each case loads exactly its own rows, or is refused or
skipped with a reason, and never stops the other files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from test_ingest import (
    CUST,
    CUST_HEADER,
    CUST_ROWS,
    ORD,
    ORD_HEADER,
    SHIP,
    SHIP_HEADER,
    SHIP_ROWS,
    assert_accounting,
    csv_bytes,
    log,
    log_row,
    order,
    put,
    put_csv,
    q,
    raw_rows,
    run,
)

from yecai.cli import main
from yecai.ingest import ingest
from yecai.ingest.records import MAX_RECORD_BYTES

YECAI = str(Path(sys.executable).with_name("yecai"))


def cli(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`yecai ingest` as a scheduler runs it: its own process, exit status, stderr."""
    args = [YECAI, "ingest", "--landing", str(tmp_path / "landing"), "--database", str(tmp_path / "wh.duckdb"),
            "--no-progress", *extra]
    full_env = {**os.environ, "YECAI_DATA_DIR": str(tmp_path / "data"), **(env or {})}
    return subprocess.run(args, capture_output=True, text=True, env=full_env, timeout=120)


# ------------------------------------------------------------------ names are names, never patterns

def test_glob_characters_in_file_names_read_only_that_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{ORD}/{ORD}__20230101__001.csv", ORD_HEADER, [order(f"SO{i}") for i in range(1, 6)])
    put_csv(landing, f"{ORD}/{ORD}__*__001.csv", ORD_HEADER, [order("SO90"), order("SO91")])
    put_csv(landing, f"{ORD}/{ORD}__?0230101__001.csv", ORD_HEADER, [order("SO92")])
    put_csv(landing, f"{CUST}/{CUST}__20240101__001.csv", CUST_HEADER, CUST_ROWS)
    put_csv(landing, f"{CUST}/{CUST}__[2]0240101__001.csv", CUST_HEADER, CUST_ROWS[:1])

    report = run(tmp_path)

    assert report.exit_code == 0, report.summary_text()
    by_file = dict(q(tmp_path, f"select _source_file, count(*) from raw.{ORD} group by 1"))
    assert by_file == {f"{ORD}/{ORD}__20230101__001.csv": 5, f"{ORD}/{ORD}__*__001.csv": 2,
                       f"{ORD}/{ORD}__?0230101__001.csv": 1}
    by_file = dict(q(tmp_path, f"select _source_file, count(*) from raw.{CUST} group by 1"))
    assert by_file == {f"{CUST}/{CUST}__20240101__001.csv": 3, f"{CUST}/{CUST}__[2]0240101__001.csv": 1}
    assert_accounting(tmp_path)


# ------------------------------------------------------------------ records too long to read

def _long_csv(tmp_path: Path, long_value_bytes: int) -> tuple[bytes, int]:
    """A shipment delivery whose second of four rows holds a value of `long_value_bytes`
    bytes; returns the content and the byte offset of the long record."""
    rows = [SHIP_ROWS[0], [*SHIP_ROWS[1][:3], "W" * long_value_bytes, *SHIP_ROWS[1][4:]], SHIP_ROWS[2],
            ["SH4", "SO3", "1", "WH1", "2023-03-01", "1", "2023-03-01 08:00:00"]]
    content = csv_bytes(SHIP_HEADER, rows)
    return content, content.index(b"SH2")


@pytest.mark.parametrize("megabytes", [3, 40])
def test_a_record_too_long_to_read_is_quarantined_by_hash_and_location_and_rows_keep_numbers(
        tmp_path: Path, megabytes: int) -> None:
    content, offset = _long_csv(tmp_path, megabytes * 1024 * 1024)
    put(tmp_path / "landing", f"{SHIP}/s.csv", content)

    report = run(tmp_path)

    assert report.exit_code == 1
    entry = log_row(tmp_path, f"{SHIP}/s.csv")
    assert (entry["status"], entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == ("loaded", 4, 3, 1)
    assert q(tmp_path, f"select shipment_id, _source_row_number from raw.{SHIP} order by 2") == [
        ("SH1", 1), ("SH3", 3), ("SH4", 4)]
    ((row, reason, record),) = q(tmp_path, "select source_row_number, reason, raw_record from ingest.quarantine")
    length = content.index(b"\r\n", offset) - offset  # the record without its line terminator
    digest = hashlib.sha256(content[offset:offset + length]).hexdigest()
    assert row == 2 and reason.startswith(f"record too long: {length:,} bytes, over the limit of {MAX_RECORD_BYTES:,}")
    assert f"sha256 {digest}" in reason and f"bytes {offset:,}-{offset + length - 1:,} of the file" in reason
    assert json.loads(record) == {"not_copied": "record too long", "sha256": digest, "byte_offset": offset,
                                  "byte_length": length, "record_number": 2}
    assert_accounting(tmp_path)


def test_a_jsonl_line_too_long_to_read_is_quarantined_and_rows_keep_numbers(tmp_path: Path) -> None:
    lines = [json.dumps(dict(zip(SHIP_HEADER, r, strict=True))) for r in SHIP_ROWS]
    lines.insert(1, json.dumps({"shipment_id": "X" * (40 * 1024 * 1024)}))
    put(tmp_path / "landing", f"{SHIP}/s.jsonl", ("\n".join(lines) + "\n").encode())

    run(tmp_path)

    assert q(tmp_path, f"select shipment_id, _source_row_number from raw.{SHIP} order by 2") == [
        ("SH1", 1), ("SH2", 3), ("SH3", 4)]
    ((row, reason),) = q(tmp_path, "select source_row_number, reason from ingest.quarantine")
    assert row == 2 and reason.startswith("record too long: ")


def test_a_long_malformed_record_keeps_its_whole_text(tmp_path: Path) -> None:
    """DuckDB keeps 10,000 characters of a rejected record; the quarantine keeps all of it."""
    long_line = "SH9," + "y" * 50_000  # two fields instead of seven: malformed
    next_row = csv_bytes(SHIP_HEADER, SHIP_ROWS[1:2]).split(b"\r\n", 1)[1]  # without its header
    content = csv_bytes(SHIP_HEADER, SHIP_ROWS[:1]) + long_line.encode() + b"\r\n" + next_row
    put(tmp_path / "landing", f"{SHIP}/s.csv", content)

    run(tmp_path)

    ((row, reason, record),) = q(tmp_path, "select source_row_number, reason, raw_record from ingest.quarantine")
    assert row == 2 and reason.startswith("malformed CSV line")
    assert json.loads(record) == long_line
    assert [r[0] for r in raw_rows(tmp_path, SHIP)] == ["SH1", "SH2"]


def test_a_header_field_over_128_kb_refuses_only_that_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put(landing, f"{SHIP}/a_wide_header.csv", ("x" * 200_000 + "," + ",".join(SHIP_HEADER) + "\n1\n").encode())
    put_csv(landing, f"{SHIP}/b_good.csv", SHIP_HEADER, SHIP_ROWS)
    put(landing, f"{SHIP}/c_huge_header.csv", b"h" * (2 * 1024 * 1024) + b"\n1\n")

    report = run(tmp_path)

    assert log_row(tmp_path, f"{SHIP}/a_wide_header.csv")["status"] == "refused"
    assert "header row" in log_row(tmp_path, f"{SHIP}/c_huge_header.csv")["message"]
    assert len(raw_rows(tmp_path, SHIP)) == 3 and report.exit_code == 1


# ------------------------------------------------------------------ complete deliveries only

def test_temporary_and_hidden_names_are_not_deliveries(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{ORD}/o.csv.part", ORD_HEADER, [order("SO1")])
    put_csv(landing, f"{ORD}/o.csv.tmp", ORD_HEADER, [order("SO2")])
    put_csv(landing, f"{ORD}/.o.csv", ORD_HEADER, [order("SO3")])

    report = run(tmp_path)

    assert report.exit_code == 0 and log(tmp_path) == [] and raw_rows(tmp_path, ORD) == []
    assert f"{ORD}/o.csv.part has a temporary name" in report.summary_text()


def test_a_partial_upload_is_not_read_and_the_completed_file_loads_later(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    complete = csv_bytes(CUST_HEADER, CUST_ROWS)
    path = put(landing, f"{CUST}/c.csv", complete[: complete.index(b"CU3")])  # half copied: CU1, CU2

    def sender_still_copying() -> None:  # the file keeps growing while ingest waits
        for _ in range(40):
            time.sleep(0.1)
            with path.open("ab") as fh:
                fh.write(b" ")

    sender = threading.Thread(target=sender_still_copying)
    sender.start()
    report = ingest(landing, tmp_path / "wh.duckdb", progress=False, settle_seconds=1.0)
    sender.join()
    assert [(o.status, o.source_file) for o in report.outcomes] == [("waiting", f"{CUST}/c.csv")]
    assert "still being written" in report.summary_text()
    assert report.exit_code == 0 and log(tmp_path) == [] and raw_rows(tmp_path, CUST) == []

    path.write_bytes(complete)  # the copy finishes; an hour later nothing has changed
    old = time.time() - 3600
    os.utime(path, (old, old))
    report = ingest(landing, tmp_path / "wh.duckdb", progress=False, settle_seconds=60)
    assert report.exit_code == 0, report.summary_text()
    assert [r[0] for r in raw_rows(tmp_path, CUST)] == ["CU1", "CU2", "CU3"]


def test_a_young_file_is_waited_for_then_read(tmp_path: Path) -> None:
    put_csv(tmp_path / "landing", f"{ORD}/o.csv", ORD_HEADER, [order("SO1")])
    started = time.perf_counter()
    report = ingest(tmp_path / "landing", tmp_path / "wh.duckdb", progress=False, settle_seconds=1.5)
    assert time.perf_counter() - started >= 1.0
    assert report.exit_code == 0 and len(raw_rows(tmp_path, ORD)) == 1


def test_a_file_changed_while_it_is_read_is_not_loaded(tmp_path: Path, monkeypatch) -> None:
    import yecai.ingest.load as load

    path = put_csv(tmp_path / "landing", f"{ORD}/o.csv", ORD_HEADER, [order("SO1")])
    real = load.changed_since_opened
    monkeypatch.setattr(load, "changed_since_opened", lambda p, opened: path.write_bytes(b"more") or real(p, opened))
    report = run(tmp_path)
    assert [o.status for o in report.outcomes] == ["waiting"] and log(tmp_path) == []
    assert raw_rows(tmp_path, ORD) == []


# ------------------------------------------------------------------ snapshots with quarantined rows

def test_a_quarantined_snapshot_row_holds_its_key(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{CUST}/{CUST}__20230101__001.csv", CUST_HEADER, CUST_ROWS)
    bad_cu2 = [*CUST_ROWS[1][:3], "not_a_segment", *CUST_ROWS[1][4:]]
    bad_key = ["", *CUST_ROWS[2][1:]]  # a row whose key is missing holds nothing
    put_csv(landing, f"{CUST}/{CUST}__20230201__001.csv", CUST_HEADER, [CUST_ROWS[0], bad_cu2, bad_key])

    run(tmp_path)

    assert q(tmp_path, "select extract_name, source_file, source_row_number, key_1, key_2, key_3 "
                       "from ingest.snapshot_held_keys") == [
        (CUST, f"{CUST}/{CUST}__20230201__001.csv", 2, "CU2", None, None)]
    assert_accounting(tmp_path)


# ------------------------------------------------------------------ only regular files inside landing

def test_a_named_pipe_and_a_link_to_a_device_are_refused_without_hanging(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{ORD}/a.csv", ORD_HEADER, [order("SO1")])
    os.mkfifo(landing / ORD / "b_pipe.csv")
    os.symlink("/dev/zero", landing / ORD / "c_zero.csv")

    result = cli(tmp_path)  # a hang would end in subprocess.TimeoutExpired

    assert result.returncode == 1, result.stdout + result.stderr
    assert log_row(tmp_path, f"{ORD}/b_pipe.csv")["message"].startswith("a named pipe, not a regular file")
    assert log_row(tmp_path, f"{ORD}/c_zero.csv")["message"].startswith("a symbolic link: links are not followed")
    assert len(raw_rows(tmp_path, ORD)) == 1


def test_a_link_out_of_the_landing_folder_is_refused_and_nothing_of_its_target_is_logged(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "credentials.csv"
    put(tmp_path / "outside", "credentials.csv", b"password=hunter2\nroot:x:0:0:root:/root:/bin/bash\n")
    (tmp_path / "landing" / ORD).mkdir(parents=True)
    os.symlink(secret, tmp_path / "landing" / ORD / "o.csv")
    os.symlink(tmp_path / "outside", tmp_path / "landing" / CUST)  # a whole folder linked in

    report = run(tmp_path)

    entry = log_row(tmp_path, f"{ORD}/o.csv")
    assert entry["status"] == "refused" and entry["batch_id"] is None
    everything = json.dumps(q(tmp_path, "select * from ingest.load_log"), default=str)
    assert "hunter2" not in everything and "root:x" not in everything
    assert f"{CUST}/ is a symbolic link to a folder: not followed" in report.summary_text()


def test_a_refused_header_is_not_copied_into_the_log(tmp_path: Path) -> None:
    put(tmp_path / "landing", f"{ORD}/o.csv", b"root:x:0:0:root:/root:/bin/bash\nSO1\n")
    put(tmp_path / "landing", f"{SHIP}/s.csv", (",".join([*SHIP_HEADER, "extra_col"]) + "\n").encode())
    run(tmp_path)
    assert "root:x" not in log_row(tmp_path, f"{ORD}/o.csv")["message"]
    assert "unexpected 'extra_col'" in log_row(tmp_path, f"{SHIP}/s.csv")["message"]  # a column name is shown


def test_a_file_name_that_is_not_utf8_is_refused_and_the_others_load(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    put_csv(landing, f"{ORD}/a.csv", ORD_HEADER, [order("SO1")])
    bad = os.path.join(os.fsencode(landing / ORD), b"b_\xff.csv")
    with open(bad, "wb") as fh:
        fh.write(csv_bytes(ORD_HEADER, [order("SO2")]))

    first, second = run(tmp_path), run(tmp_path)

    entry = log_row(tmp_path, f"{ORD}/b_\\xff.csv")
    assert entry["status"] == "refused" and "not valid UTF-8" in entry["message"]
    assert [r[0] for r in raw_rows(tmp_path, ORD)] == ["SO1"]
    assert (first.exit_code, second.exit_code) == (1, 0)


# ------------------------------------------------------------------ bounded junk, bounded memory

def test_a_junk_file_is_refused_as_a_whole_with_its_count(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("YECAI_INGEST_MAX_BAD_ROWS", "5")
    landing = tmp_path / "landing"
    put_csv(landing, f"{ORD}/junk.csv", ORD_HEADER, [order(f"SO{i}", channel="?") for i in range(20)])
    put_csv(landing, f"{ORD}/few_bad.csv", ORD_HEADER,
            [order("SO99"), *[order(f"SX{i}", channel="?") for i in range(5)]])

    run(tmp_path)

    junk = log_row(tmp_path, f"{ORD}/junk.csv")
    assert junk["status"] == "refused"
    assert junk["message"].startswith("20 of 20 rows break the contract, more than the 5 allowed "
                                      "(YECAI_INGEST_MAX_BAD_ROWS)") and "row 1 (column channel)" in junk["message"]
    assert log_row(tmp_path, f"{ORD}/few_bad.csv")["rows_quarantined"] == 5
    assert_accounting(tmp_path)


def test_ingest_runs_duckdb_with_the_thread_and_memory_settings(tmp_path: Path, monkeypatch) -> None:
    from yecai.ingest import open_warehouse

    monkeypatch.setenv("YECAI_THREADS", "1")
    monkeypatch.setenv("YECAI_MEMORY_LIMIT", "300MB")
    con = open_warehouse(tmp_path / "wh.duckdb")
    try:
        threads, memory = con.execute("select current_setting('threads'), current_setting('memory_limit')").fetchone()
    finally:
        con.close()
    assert (threads, memory) == (1, "286.1 MiB")


def test_a_memory_limit_too_small_is_honoured_and_stops_the_run_in_one_line(tmp_path: Path) -> None:
    put_csv(tmp_path / "landing", f"{ORD}/o.csv", ORD_HEADER, [order("SO1")])
    result = cli(tmp_path, env={"YECAI_MEMORY_LIMIT": "1KB"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("yecai ingest: cannot run: DuckDB ran out of memory (YECAI_MEMORY_LIMIT=1KB)")


@pytest.mark.parametrize(("variable", "value"), [("YECAI_THREADS", "abc"), ("YECAI_MEMORY_LIMIT", "-1"),
                                                   ("YECAI_INGEST_SETTLE_SECONDS", "soon"),
                                                   ("YECAI_INGEST_MAX_BAD_ROWS", "-3")])
def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    (tmp_path / "landing").mkdir()
    result = cli(tmp_path, env={variable: value})
    assert result.returncode == 2
    assert result.stderr.startswith(f"yecai ingest: cannot run: {variable}={value!r}")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "wh.duckdb").exists()


def test_a_warehouse_path_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", "--no-progress"], env={"YECAI_DUCKDB_PATH": ":memory:",
                                                                          "YECAI_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2 and "YECAI_DUCKDB_PATH=':memory:' is not a file path" in result.stderr
    assert not Path(":memory:").exists()


# ------------------------------------------------------------------ exit codes a scheduler can use

def test_a_missing_landing_folder_exits_2(tmp_path: Path) -> None:
    result = cli(tmp_path)
    assert result.returncode == 2 and "landing folder" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_second_run_while_one_holds_the_warehouse_exits_2_with_one_line(tmp_path: Path) -> None:
    put_csv(tmp_path / "landing", f"{ORD}/o.csv", ORD_HEADER, [order("SO1")])
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(60)", str(tmp_path / "wh.duckdb")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        result = cli(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "in use by another process" in result.stderr
    assert cli(tmp_path).returncode == 0  # once it is free, the next run loads


def test_temporary_folders_of_a_killed_run_are_removed_on_the_next_start(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    stale = tmp_path / ".yecai-ingest-wh.duckdb-killed"
    other = tmp_path / ".yecai-ingest-other.duckdb-keep"  # another warehouse's: not ours to remove
    for folder in (stale, other):
        folder.mkdir()
        (folder / "copy.csv").write_bytes(b"x" * 1000)
    run(tmp_path)
    assert not stale.exists() and other.exists()


def test_a_failed_rollback_never_hides_the_error_that_caused_it() -> None:
    from yecai.ingest.sql import rollback

    class AbortedTransaction:
        def execute(self, sql: str) -> None:
            raise duckdb.TransactionException("cannot rollback - no transaction is active")

    with pytest.raises(OSError, match="No space left on device"):
        try:
            raise OSError(28, "No space left on device")
        except OSError:
            rollback(AbortedTransaction())
            raise
