"""Write the dashboard file: the page, its style and script, plotly.js (from the plotly
package, DECISIONLOG 'Dashboard') and the data, all inside one HTML file."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from yecai.dashboard.data import read_payload

ASSETS = resources.files("yecai.dashboard") / "assets"
PLOTLY_JS = resources.files("plotly") / "package_data" / "plotly.min.js"
FILE_NAME = "index.html"


@dataclass(frozen=True)
class DashboardResult:
    path: Path
    size_bytes: int
    seconds: float


def build_dashboard(database: Path, output: Path) -> DashboardResult:
    """Read `database` (a published yecai.duckdb) and write the dashboard to `output`,
    replaced atomically."""
    started = time.perf_counter()
    payload = read_payload(database)
    page = (ASSETS / "dashboard.html").read_text(encoding="utf-8")
    for marker, content in (("/*YECAI_CSS*/", (ASSETS / "dashboard.css").read_text(encoding="utf-8")),
                            ("/*YECAI_PLOTLY*/", _script_safe(PLOTLY_JS.read_text(encoding="utf-8"))),
                            ("/*YECAI_DATA*/", _script_safe(json.dumps(payload, ensure_ascii=False,
                                                                       separators=(",", ":"), allow_nan=False))),
                            ("/*YECAI_JS*/", (ASSETS / "dashboard.js").read_text(encoding="utf-8"))):
        before, found, after = page.partition(marker)
        if not found:
            raise ValueError(f"the dashboard template has no {marker}")
        page = before + content + after
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = output.with_name(f".{output.name}.tmp")
    temp.write_text(page, encoding="utf-8")
    temp.replace(output)
    return DashboardResult(path=output, size_bytes=output.stat().st_size, seconds=time.perf_counter() - started)


def _script_safe(text: str) -> str:
    """Text that cannot end its <script> element early."""
    return text.replace("</", "<\\/")
