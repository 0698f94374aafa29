"""Character encodings of text deliveries (CSV and JSON Lines).

The contract accepts UTF-8 (with or without BOM) and GB18030/GBK, as exported by Chinese
Excel and ERP installations. DuckDB reads UTF-8 only, and its `encodings` extension cannot
be installed here, so a GB18030 file is transcoded in Python, streaming in chunks (never
the whole file in memory), into a temporary UTF-8 file that DuckDB then reads.

Detection is strict: the file must decode as UTF-8 completely, otherwise as GB18030
completely; anything else is refused. GBK is a subset of GB18030, so one decoder covers both.
"""

from __future__ import annotations

import codecs
import tempfile
from dataclasses import dataclass
from pathlib import Path

from yecai.ingest.errors import Refusal

CHUNK_BYTES = 4 * 1024 * 1024
UTF8_BOM = codecs.BOM_UTF8


@dataclass(frozen=True)
class TextSource:
    """A UTF-8 file DuckDB can read (the delivery itself or its transcoded copy) and the
    encoding the delivery was in, as recorded in ingest.load_log."""

    utf8_path: Path
    encoding: str  # 'utf-8', 'utf-8-bom' or 'gb18030'


def _decode_error(path: Path, codec: str) -> tuple[int, str] | None:
    """None if the whole file decodes strictly with `codec`, else (byte offset, detail)."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK_BYTES)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                return offset + max(exc.start, 0), exc.reason
            if final:
                return None
            offset += len(chunk)


def _transcode(path: Path, codec: str, workdir: Path) -> Path:
    """Write a UTF-8 copy of `path` (decoded with `codec`) into `workdir`, chunk by chunk."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    with (
        tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", suffix=path.suffix,
                                    dir=workdir, delete=False) as out,
        path.open("rb") as src,
    ):
        while chunk := src.read(CHUNK_BYTES):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))
    return Path(out.name)


def text_source(path: Path, workdir: Path) -> TextSource:
    """Detect the encoding of a text delivery and return a UTF-8 file to read it from.

    Raises Refusal when the file is neither valid UTF-8 nor valid GB18030.
    """
    utf8_error = _decode_error(path, "utf-8")
    if utf8_error is None:
        with path.open("rb") as fh:
            has_bom = fh.read(len(UTF8_BOM)) == UTF8_BOM
        return TextSource(path, "utf-8-bom" if has_bom else "utf-8")
    gb_error = _decode_error(path, "gb18030")
    if gb_error is None:
        return TextSource(_transcode(path, "gb18030", workdir), "gb18030")
    raise Refusal(
        f"not decodable as UTF-8 (invalid byte at offset {utf8_error[0]}) nor as GB18030/GBK "
        f"(invalid byte at offset {gb_error[0]}); deliver text files in UTF-8 or GB18030"
    )
