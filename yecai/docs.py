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


# dbt docs' menu icons set `xlink:href="{{ getIcon(...) }}"` before Angular fills it in; from
# a file: URL the browser then tries to load that literal text as a file and logs a security
# error per icon. Angular's ng-attr- prefix writes the attribute only once it is filled in.
_ICON_TEMPLATE, _ICON_TEMPLATE_DEFERRED = '<use xlink:href="{{ getIcon(', '<use ng-attr-xlink:href="{{ getIcon('


def _opens_from_disk(page: str) -> str:
    return page.replace(_ICON_TEMPLATE, _ICON_TEMPLATE_DEFERRED)


class DocsError(Exception):
    """The docs could not be built; the message is one line."""


def build_site(warehouse: Path, site: Path, data_docs: Path | None) -> Path:
    """Write the site into `site` (replaced as a whole); returns its index.html."""
    with tempfile.TemporaryDirectory(prefix="yecai-docs-") as scratch:
        target = Path(scratch) / "target"
        result = run_dbt_captured(["docs", "generate", "--static", "--target-path", str(target),
                                   "--log-path", str(Path(scratch) / "logs")], database=warehouse)
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
