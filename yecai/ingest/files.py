"""Opening a delivery safely: one regular file, read by its exact name, never a pattern.

A landing folder is written by other systems, so a name or an entry can be anything:
- DuckDB's readers treat `*`, `?` and `[...]` in a path as a glob, and would read other
  deliveries under this file's name. Every reader therefore reads the already opened file
  through its descriptor (`/proc/self/fd/<n>`), a path that holds no pattern character;
- a named pipe or a device would block or never end: the file is opened non-blocking and
  without following a symbolic link, and anything but a regular file is refused before a
  byte is read;
- a sender may still be writing: the size and modification time are taken when the file is
  opened and compared again after it was read (`changed_since_opened`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from yecai.ingest.errors import Refusal

_FD_DIR = "/proc/self/fd" if sys.platform.startswith("linux") else "/dev/fd"
_KINDS = {stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symbolic link"}


def kind_of(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


@dataclass(frozen=True)
class OpenedFile:
    """A delivery opened for reading; `read_path` names exactly this open file."""

    fd: int
    size: int
    mtime_ns: int
    inode: int

    @property
    def read_path(self) -> Path:
        return Path(f"{_FD_DIR}/{self.fd}")


def _not_regular(mode: int) -> Refusal:
    return Refusal(f"{kind_of(mode)}, not a regular file: only regular files in the landing folder are read "
                   "(deliver the file itself)")


@contextmanager
def open_regular(path: Path) -> Iterator[OpenedFile]:
    """Open `path` read-only if it is a regular file (not through a symbolic link); Refusal
    otherwise. The descriptor is closed on exit."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refusal("a symbolic link: links are not followed; only regular files in the landing folder "
                          "are read (deliver the file itself)") from None
        raise Refusal(f"cannot open the file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(info.st_mode)
        yield OpenedFile(fd, info.st_size, info.st_mtime_ns, info.st_ino)
    finally:
        os.close(fd)


def fingerprint(opened: OpenedFile) -> str:
    """sha256 hex of the opened file's content: the batch id of a delivery.

    The hash identifies a delivery by content, which is what makes re-runs idempotent and
    lets the same delivery sent under two names be recognised."""
    digest = hashlib.sha256()
    offset = 0
    while chunk := os.pread(opened.fd, 4 * 1024 * 1024, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()


def changed_since_opened(path: Path, opened: OpenedFile) -> bool:
    """Whether the file at `path` is no longer what was opened: written to, replaced or gone."""
    try:
        now = os.stat(path, follow_symlinks=False)
    except OSError:
        return True
    then = os.fstat(opened.fd)
    return ((now.st_ino, now.st_size, now.st_mtime_ns) != (opened.inode, opened.size, opened.mtime_ns)
            or (then.st_size, then.st_mtime_ns) != (opened.size, opened.mtime_ns))
