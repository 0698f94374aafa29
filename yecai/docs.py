"""The documentation site: dbt's docs as one static page that opens from disk (no server),
with the Great Expectations Data Docs beside it.

    <site>/index.html          dbt docs (manifest and catalog inside the page)
    <site>/data_docs/          the gate's Data Docs (linked from the overview page)
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from yecai.dbt_runner import run_dbt_captured

INDEX = "index.html"
DATA_DOCS = "data_docs"
# What dbt docs generate --no-compile takes from a build: its manifest and its parse.
BUILD_ARTIFACTS = ("manifest.json", "partial_parse.msgpack")


# dbt docs' menu icons set `xlink:href="{{ getIcon(...) }}"` before Angular fills it in; from
# a file: URL the browser then tries to load that literal text as a file and logs a security
# error per icon. Angular's ng-attr- prefix writes the attribute only once it is filled in.
_ICON_TEMPLATE, _ICON_TEMPLATE_DEFERRED = '<use xlink:href="{{ getIcon(', '<use ng-attr-xlink:href="{{ getIcon('


def _opens_from_disk(page: str) -> str:
    return page.replace(_ICON_TEMPLATE, _ICON_TEMPLATE_DEFERRED)


class DocsError(Exception):
    """The docs could not be built; the message is one line."""


def build_site(warehouse: Path, site: Path, data_docs: Path | None, build_target: Path | None = None) -> Path:
    """Write the site into `site` (replaced as a whole); returns its index.html.

    `build_target`: the target folder of the build that made `warehouse`. Its manifest, with
    the SQL that build compiled, goes into the page as it is, and its parse is reused, instead
    of parsing and compiling every node again in a folder of its own (half the stage at SF 0.1).
    Without it, the checkout is parsed and compiled as it is."""
    with tempfile.TemporaryDirectory(prefix="yecai-docs-") as scratch:
        target = Path(scratch) / "target"
        args = ["docs", "generate", "--static", "--target-path", str(target), "--log-path", str(Path(scratch) / "logs")]
        if build_target is not None:
            target.mkdir()
            for name in BUILD_ARTIFACTS:
                shutil.copyfile(build_target / name, target / name)
            args.append("--no-compile")
        result = run_dbt_captured(args, database=warehouse)
        static = target / "static_index.html"
        if result.returncode != 0 or not static.exists():
            last = (result.stdout.strip().splitlines() or ["no output"])[-1]
            raise DocsError(f"dbt docs generate failed (exit {result.returncode}): {last}")
        built = Path(scratch) / "site"
        built.mkdir()
        (built / INDEX).write_text(_opens_from_disk(static.read_text(encoding="utf-8")), encoding="utf-8")
        if data_docs is not None and data_docs.is_dir():
            shutil.copytree(data_docs, built / DATA_DOCS)
        site.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(site, ignore_errors=True)
        shutil.move(str(built), site)
    return site / INDEX
