"""Finding the delivery files in the landing folder and fingerprinting them.

Discovery decides, from the path alone, which extract a file belongs to and whether it can
be read at all (folder and extension). Everything it cannot place is still returned, with
the problem stated, so that the loader logs a refusal instead of silently ignoring a file
someone delivered. Only hidden files ('.something': editor droppings, .DS_Store, partial
uploads) are ignored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from yecai.contract import Extract

# Accepted delivery formats: extension (lower case) -> format name stored in load_log.
FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".xlsx": "xlsx"}


@dataclass(frozen=True)
class Delivery:
    """One file found in the landing folder.

    `extract` is None when the file is not in an extract's folder; `problem` is set when the
    file is refused from its path alone (unknown folder, landing root, unsupported format).
    """

    path: Path
    source_file: str  # relative to the landing folder, forward slashes
    extract: Extract | None
    file_format: str | None
    problem: str | None = None

    @property
    def extract_name(self) -> str | None:
        return self.extract.name if self.extract else None


@dataclass
class Discovery:
    """Everything discovery found: the deliveries in processing order, plus the
    sub-folders it did not descend into (reported, since their files are not read)."""

    deliveries: list[Delivery]
    ignored_folders: list[str]
    landing_exists: bool


def _hidden(path: Path) -> bool:
    return path.name.startswith(".")


def _format_of(path: Path) -> tuple[str | None, str | None]:
    """(format, problem) from the file extension, case-insensitively."""
    ext = path.suffix.lower()
    if ext in FORMATS:
        return FORMATS[ext], None
    shown = f"'{path.suffix}'" if path.suffix else "(no extension)"
    accepted = " ".join(FORMATS)
    return None, f"unsupported format {shown}; accepted: {accepted}"


def discover(landing: Path, extracts: dict[str, Extract]) -> Discovery:
    """All delivery files under `landing`, in processing order.

    Order: the contract's extracts in contract order, each folder's files in file-name order
    (the contract says names sort by delivery time); then files of unknown folders; then
    files lying directly in the landing root.
    """
    if not landing.is_dir():
        return Discovery(deliveries=[], ignored_folders=[], landing_exists=False)

    def rel(path: Path) -> str:
        return path.relative_to(landing).as_posix()

    known: list[Delivery] = []
    unknown: list[Delivery] = []
    root_files: list[Delivery] = []
    ignored: list[str] = []
    folders = {p.name: p for p in landing.iterdir() if p.is_dir() and not _hidden(p)}

    for name in [*[n for n in extracts if n in folders], *sorted(n for n in folders if n not in extracts)]:
        extract = extracts.get(name)
        for path in sorted(folders[name].iterdir(), key=lambda p: p.name):
            if _hidden(path):
                continue
            if path.is_dir():
                ignored.append(rel(path))
                continue
            fmt, problem = _format_of(path)
            if extract is None:
                problem = f"unknown extract folder '{name}'; expected one of the contract's extracts"
                unknown.append(Delivery(path, rel(path), None, fmt, problem))
            else:
                known.append(Delivery(path, rel(path), extract, fmt, problem))

    for path in sorted(landing.iterdir(), key=lambda p: p.name):
        if path.is_file() and not _hidden(path):
            fmt, _ = _format_of(path)
            problem = ("file lies directly in the landing folder; put each delivery in the folder "
                       "of its extract (<landing>/<extract_name>/)")
            root_files.append(Delivery(path, rel(path), None, fmt, problem))

    return Discovery(deliveries=known + unknown + root_files, ignored_folders=ignored,
                     landing_exists=True)


def fingerprint(path: Path) -> tuple[str, int]:
    """(sha256 hex of the content, size in bytes): the batch id of a delivery.

    The hash identifies a delivery by content, which is what makes re-runs idempotent and
    lets the same delivery sent under two names be recognised.
    """
    with path.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256")
    return digest.hexdigest(), path.stat().st_size
