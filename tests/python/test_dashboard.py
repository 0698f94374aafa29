"""The management dashboard (经营驾驶舱) of a published release, opened from disk in headless
Chromium (Debian's package, driven by Playwright): no console error and no network request,
every tile equal to metric_values, a red reconciliation cell that opens its breaks and their
journals, the indicator page's breakdowns and documents, and a screenshot of the overview
kept in artifacts/ for the build. Expected values are read from the published tables with
plain SQL and formatted by the rules of the README, never by the page's own code."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from playwright.sync_api import Page, sync_playwright

from yecai import settings

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium tries Google's hosts at every start.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The companies' values and the group's (ALL) are in two tables.
VALUES = ("metric_values", "metric_values_all_companies")
ARTIFACTS = Path(os.environ.get("YECAI_ARTIFACTS_DIR", settings.PROJECT_DIR / "artifacts"))


@pytest.fixture(scope="module")
def published(first_run) -> Path:
    return first_run[0] / "published"


@pytest.fixture(scope="module")
def browser_page(published) -> Iterator[tuple[Page, list[str], list[str]]]:
    """The dashboard open in Chromium: (page, console errors, requests that left the file)."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: `make browser` installs it (Debian package chromium)"
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url)
                if not request.url.startswith(("file:", "data:", "blob:")) else None)
        page.goto((published / "dashboard" / "index.html").resolve().as_uri())
        page.wait_for_selector(".tile")
        yield page, errors, requests
        browser.close()


def published_query(published: Path, sql: str, parameters: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(published / "yecai.duckdb"), read_only=True) as con:
        return con.execute(sql, parameters or []).df()


def show(page: Page, hash_: str, company: str = "ALL", lang: str = "zh") -> None:
    page.evaluate("([h, c, l]) => { const s = window.yecaiDashboard.state; s.company = c; s.lang = l; "
                  "location.hash = h; window.yecaiDashboard.render(); }", [hash_, company, lang])


def expected_text(value: float, unit: str, display_format: str, lang: str) -> str:
    """The README's rules: ratios as per cent, CNY as 万/亿 (zh) or K/M/B (en) with two
    decimals, the rest in the catalog's format."""
    decimals = int(display_format.split(".")[1][:-1])
    if display_format.endswith("%"):
        return f"{value * 100:,.{decimals}f}%"
    if unit == "CNY":
        steps = [(1e8, "亿"), (1e4, "万")] if lang == "zh" else [(1e9, "B"), (1e6, "M"), (1e3, "K")]
        for scale, suffix in steps:
            if abs(value) >= scale:
                return f"{value / scale:,.2f}{suffix}"
    return f"{value:,.{decimals}f}"


def test_opens_from_disk_with_no_console_error_and_no_network(browser_page, published):
    page, errors, requests = browser_page
    for hash_ in ("#overview", "#indicator/revenue", "#reconciliation", "#quality", "#catalog"):
        show(page, hash_)
        show(page, hash_, lang="en")
    assert not errors, "the dashboard logged errors:\n" + "\n".join(errors[:5])
    assert not requests, f"the dashboard fetched from the network: {requests[:5]}"
    html = (published / "dashboard" / "index.html").read_text(encoding="utf-8")
    assert "<script src=" not in html and "<link " not in html


@pytest.mark.parametrize("company", ["ALL", "CN10", "CN20"])
def test_every_tile_is_the_latest_value_of_metric_values(browser_page, published, company):
    page, _, _ = browser_page
    show(page, "#overview", company)
    tiles = page.eval_on_selector_all(".tile", "tiles => tiles.map(t => ({...t.dataset, "
                                      "text: t.querySelector('.tile-value').firstChild.textContent.trim(), "
                                      "verdict: t.classList.contains('good') ? 'good' : "
                                      "t.classList.contains('bad') ? 'bad' : null}))")
    values = published_query(published, f"""
        select metric_code, strftime(month, '%Y-%m') as month, value, target_value, unit, display_format, direction
        from marts.{VALUES[company == "ALL"]} where company_code = ?""", [company])
    # The reporting month: the latest month in which the most indicators have a value.
    counts = values.groupby("month")["value"].count()
    reporting_month = max(counts[counts == counts.max()].index)
    values = values[values["month"] == reporting_month].set_index("metric_code")
    assert {tile["metric"] for tile in tiles} == set(values.index) and len(tiles) == 20
    assert values["value"].notna().all()
    for tile in tiles:
        row = values.loc[tile["metric"]]
        assert tile["company"] == company and tile["month"] == row["month"], tile
        assert math.isclose(float(tile["value"]), row["value"], rel_tol=1e-12, abs_tol=1e-9), tile
        assert tile["text"] == expected_text(row["value"], row["unit"], row["display_format"], "zh"), tile
        if pd.isna(row["target_value"]):
            assert tile["target"] == "" and tile["verdict"] is None, tile
        else:
            assert math.isclose(float(tile["target"]), row["target_value"], rel_tol=1e-12), tile
            better = (row["value"] <= row["target_value"] if row["direction"] == "lower_is_better"
                      else row["value"] >= row["target_value"])
            assert tile["verdict"] == ("good" if better else "bad"), tile


def test_the_english_switch_formats_amounts_in_k_and_m(browser_page, published):
    page, _, _ = browser_page
    show(page, "#overview")
    page.click("#lang-toggle")
    assert page.text_content("#title") == "Business–finance dashboard"
    revenue = page.eval_on_selector(".tile[data-metric=revenue] .tile-value", "e => e.firstChild.textContent.trim()")
    month = page.get_attribute(".tile[data-metric=revenue]", "data-month")
    value = published_query(published, """
        select value from marts.metric_values_all_companies where metric_code = 'revenue'
        and strftime(month, '%Y-%m') = ?""", [month])["value"].iloc[0]
    assert revenue == expected_text(value, "CNY", ",.2f", "en") and revenue[-1] in "KMB"
    page.click("#lang-toggle")
    assert page.text_content("#title") == "业财经营驾驶舱"


def test_a_red_reconciliation_cell_opens_its_breaks_and_their_journals(browser_page, published):
    page, _, _ = browser_page
    cell = published_query(published, """
        select reconciliation_code, company_code, strftime(month_start, '%Y-%m') as month
        from marts.fct_reconciliation_monthly as m
        where not is_clean and break_count between 2 and 50 and exists (
            select 1 from marts.fct_reconciliation_break_journal_lines as j
            where j.reconciliation_code = m.reconciliation_code and j.company_code = m.company_code
            and j.month_start = m.month_start)
        order by break_count desc, reconciliation_code, company_code, month_start limit 1""").iloc[0]
    show(page, "#reconciliation")
    selector = (f"td.recon-cell[data-reconciliation={cell['reconciliation_code']}]"
                f"[data-company={cell['company_code']}][data-month='{cell['month']}']")
    assert page.get_attribute(selector, "data-clean") == "false"
    page.click(selector)
    page.wait_for_selector("#break-list .break-row")
    shown = set(page.eval_on_selector_all("#break-list .break-row", "rows => rows.map(r => r.dataset.documentKey)"))
    journals = set(page.eval_on_selector_all("#break-list .journal-line", "rows => rows.map(r => r.dataset.journalId)"))
    parameters = [cell["reconciliation_code"], cell["company_code"], cell["month"]]
    where = "reconciliation_code = ? and company_code = ? and strftime(month_start, '%Y-%m') = ?"
    breaks = published_query(published, f"select document_key from marts.fct_reconciliation_breaks where {where}",
                             parameters)
    lines = published_query(published, "select distinct journal_id from "
                            f"marts.fct_reconciliation_break_journal_lines where {where}", parameters)
    assert shown == set(breaks["document_key"]) and len(shown) >= 2
    assert journals == set(lines["journal_id"]) and journals


def test_the_indicator_page_shows_the_breakdowns_and_the_largest_documents(browser_page, published):
    page, _, _ = browser_page
    show(page, "#indicator/revenue")
    page.wait_for_selector("#documents .document-row")
    latest = published_query(published, """
        select month, count(value) as indicators from marts.metric_values_all_companies
        group by month order by indicators desc, month desc limit 1""")["month"].iloc[0]
    dimensions = published_query(published, """
        select distinct dimension from marts.metric_value_breakdowns_all_companies
        where metric_code = 'revenue' and month = ?""", [latest])
    assert page.locator("#breakdowns .bar-chart .main-svg").count() >= len(dimensions) >= 4
    contributions = published_query(published, """
        select document_id, abs(numerator) as size from marts.fct_metric_contributions
        where metric_code = 'revenue' and month_start = ?""", [latest])
    largest = contributions.sort_values(["size", "document_id"], ascending=[False, True]).head(10)
    shown = page.eval_on_selector_all("#documents .document-row", "rows => rows.map(r => r.dataset.documentId)")
    assert shown == list(largest["document_id"])


def test_the_data_quality_page_shows_the_release_and_links_the_data_docs(browser_page, published):
    page, _, _ = browser_page
    show(page, "#quality")
    publication = published_query(published, "select * from marts.publication").iloc[0]
    cards = dict(page.eval_on_selector_all(".card", "cards => cards.map(c => [c.dataset.field, "
                                           "c.querySelector('.card-value').textContent])"))
    assert cards["passed"] == f"{publication['expectations_passed']:,}"
    assert cards["failed"] == f"{publication['expectations_failed']:,}"
    assert cards["rowsLoaded"] == f"{publication['rows_loaded']:,}" and publication["rows_loaded"] > 0
    assert cards["rowsQuarantined"] == f"{publication['rows_quarantined']:,}"
    href = page.get_attribute("#data-docs-link", "href")
    assert (published / "dashboard" / href).resolve().is_file()


def test_a_screenshot_of_the_overview_is_kept_for_the_build(browser_page):
    page, _, _ = browser_page
    show(page, "#overview")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "dashboard-overview.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 20_000
