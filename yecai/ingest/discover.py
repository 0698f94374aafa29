"""Finding the delivery files in the landing folder.

Discovery decides, from the folder entry alone, which extract a file belongs to and whether
it can be read at all. Everything it cannot place is still returned, with the problem
stated, so that the loader logs a refusal instead of silently ignoring a file someone
delivered. What the contract says is not a delivery is left alone: hidden names
('.something') and the temporary names senders write under until a file is complete
(ending in .part or .tmp). Nothing is followed out of the landing folder: a symbolic link,
a named pipe or a device is refused, never opened.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from yecai.contract import Extract
from yecai.ingest.files import kind_of

# Accepted delivery formats: extension (lower case) -> format name stored in load_log.
FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".xlsx": "xlsx"}
# The contract's upload convention: a file under such a name is still being written.
TEMPORARY_SUFFIXES = (".part", ".tmp")


@dataclass(frozen=True)
class Delivery:
    """One file found in the landing folder.

    `extract` is None when the file is not in an extract's folder; `problem` is set when the
    file is refused from its entry alone (unknown folder, landing root, unsupported format,
    not a regular file, a name that is not UTF-8)."""

    path: Path
    source_file: str  # relative to the landing folder, forward slashes, valid UTF-8
    extract: Extract | None
    file_format: str | None
    problem: str | None = None
    size: int | None = None  # as found, for regular files: what "unchanged" compares
    mtime_ns: int | None = None

    @property
    def extract_name(self) -> str | None:
        return self.extract.name if self.extract else None


@dataclass
class Discovery:
    """Everything discovery found: the deliveries in processing order, and a note for each
    entry it left alone on purpose (a sub-folder, a linked folder, a temporary name)."""

    deliveries: list[Delivery]
    notes: list[str] = field(default_factory=list)


def is_not_a_delivery(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(TEMPORARY_SUFFIXES)


def shown_name(relative: str) -> str:
    """A path as stored and printed: undecodable bytes of a file name become \\x escapes."""
    return os.fsencode(relative).decode("utf-8", errors="backslashreplace")


def _format_of(name: str) -> tuple[str | None, str | None]:
    """(format, problem) from the file extension, case-insensitively."""
    ext = Path(name).suffix.lower()
    if ext in FORMATS:
        return FORMATS[ext], None
    shown = f"'{Path(name).suffix}'" if Path(name).suffix else "(no extension)"
    return None, f"unsupported format {shown}; accepted: {' '.join(FORMATS)}"


def _entry_problem(entry: os.DirEntry) -> str | None:
    """Why a folder entry cannot be a delivery, from the entry alone."""
    info = entry.stat(follow_symlinks=False)
    if stat.S_ISLNK(info.st_mode):
        return ("a symbolic link: links are not followed; only regular files in the landing folder are read "
                "(deliver the file itself)")
    if not stat.S_ISREG(info.st_mode):
        return f"{kind_of(info.st_mode)}, not a regular file: only regular files in the landing folder are read"
    try:
        entry.name.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8 (shown with \\x escapes): rename the file and deliver it again"
    return None


def _delivery(landing: Path, entry: os.DirEntry, extract: Extract | None, folder_problem: str | None) -> Delivery:
    info = entry.stat(follow_symlinks=False)
    fmt, problem = _format_of(entry.name)
    problem = _entry_problem(entry) or folder_problem or problem
    regular = stat.S_ISREG(info.st_mode)
    return Delivery(Path(entry.path), shown_name(Path(entry.path).relative_to(landing).as_posix()), extract, fmt,
                    problem, info.st_size if regular else None, info.st_mtime_ns if regular else None)


def _uploading(relative: str) -> str:
    return f"{relative} has a temporary name (.part/.tmp): not a delivery until the sender renames it"


def _entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: os.fsencode(e.name))


def discover(landing: Path, extracts: dict[str, Extract]) -> Discovery:
    """All delivery files under `landing` (an existing folder), in processing order.

    Order: the contract's extracts in contract order, each folder's files in file-name order
    (the contract says names sort by delivery time); then files of unknown folders; then
    files lying directly in the landing root."""
    landing = landing.resolve()
    found = Discovery(deliveries=[])
    known: list[Delivery] = []
    unknown: list[Delivery] = []
    root_files: list[Delivery] = []
    folders: dict[str, os.DirEntry] = {}
    for entry in _entries(landing):
        if is_not_a_delivery(entry.name):
            if not entry.name.startswith("."):
                found.notes.append(_uploading(shown_name(entry.name)))
        elif entry.is_dir(follow_symlinks=False):
            folders[entry.name] = entry
        elif entry.is_symlink() and entry.is_dir():
            found.notes.append(f"{shown_name(entry.name)}/ is a symbolic link to a folder: not followed, its files "
                               "are not read (only folders inside the landing folder are)")
        else:
            root_files.append(_delivery(landing, entry, None, (
                "file lies directly in the landing folder; put each delivery in the folder "
                "of its extract (<landing>/<extract_name>/)")))

    for name in [*[n for n in extracts if n in folders], *sorted(n for n in folders if n not in extracts)]:
        extract = extracts.get(name)
        folder_problem = None if extract else (
            f"unknown extract folder '{shown_name(name)}'; expected one of the contract's extracts")
        for entry in _entries(Path(folders[name].path)):
            relative = shown_name(f"{name}/{entry.name}")
            if is_not_a_delivery(entry.name):
                if not entry.name.startswith("."):
                    found.notes.append(_uploading(relative))
            elif entry.is_dir(follow_symlinks=False):
                found.notes.append(f"sub-folder {relative}/ ignored (deliveries must sit directly in their "
                                   "extract's folder)")
            else:
                (known if extract else unknown).append(_delivery(landing, entry, extract, folder_problem))
    found.deliveries = known + unknown + root_files
    return found


def _still_changing(delivery: Delivery) -> bool:
    try:
        info = os.stat(delivery.path, follow_symlinks=False)
    except OSError:
        return True
    return (info.st_size, info.st_mtime_ns) != (delivery.size, delivery.mtime_ns)


def wait_until_settled(deliveries: list[Delivery], settle_seconds: float,
                       notify: Callable[[str], None] = lambda _: None,
                       clock: Callable[[], float] = time.time,
                       sleep: Callable[[float], None] = time.sleep) -> tuple[list[Delivery], list[Delivery]]:
    """(settled, still changing): a regular file is read only once it has been unchanged for
    `settle_seconds`; a younger one is waited for, at most 3 × settle_seconds in all, and one
    still changing after that is left for a later run."""
    def young(d: Delivery, now: float) -> bool:
        return d.mtime_ns is not None and now - d.mtime_ns / 1e9 < settle_seconds

    if settle_seconds <= 0:
        return deliveries, []
    deadline = clock() + 3 * settle_seconds
    pending = {d.source_file: d for d in deliveries if young(d, clock())}
    if pending:
        notify(f"waiting for {len(pending)} file(s) changed in the last {settle_seconds:g} s to stay unchanged "
               "(YECAI_INGEST_SETTLE_SECONDS)")
    while pending and clock() < deadline:
        youngest = max(d.mtime_ns for d in pending.values()) / 1e9
        sleep(max(0.05, min(youngest + settle_seconds - clock(), deadline - clock())))
        for key, delivery in list(pending.items()):
            if _still_changing(delivery):
                info = os.stat(delivery.path, follow_symlinks=False) if delivery.path.exists() else None
                pending[key] = replace(delivery, size=info.st_size if info else None,
                                       mtime_ns=info.st_mtime_ns if info else None)
            elif not young(delivery, clock()):
                del pending[key]
    settled = [d for d in deliveries if d.source_file not in pending]
    return settled, list(pending.values())
