"""metric_values, the table every BI tool reads, and metric_catalog, on the demo warehouse:
all 20 indicators of the charter for every month and company (plus ALL), values that follow
each indicator's aggregation (ALL = Σ/Σ over both companies' rows, never a mean of company
values), the indicators assembled in the metric layer (inventory_turnover, dio,
cash_conversion_cycle) equal to the charter computed in plain pandas from the landing files,
KPI targets of the right fiscal month, and a catalog that lists the charter's indicators."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pytest
from books import MONTHS, Books
from landing_reader import current_rows
from reference_sales import SalesBooks

from yecai import settings

# Aggregation types of docs/METRICS.md; every other indicator is a ratio.
SUMS = {"revenue", "cogs", "gross_margin", "inventory_value"}
PER_CUSTOMER = {"customer_lifetime_value"}
DERIVED = {"cash_conversion_cycle"}
ALL = "ALL"
# Every value: the companies' (metric_values) and the group's (metric_values_all_companies).
VALUES = "(select * from marts.metric_values union all select * from marts.metric_values_all_companies)"
COMPANY_EXTRACTS = ["bil_invoices", "erp_sales_orders", "ar_receipts", "erp_purchase_orders",
                    "ap_supplier_invoices", "wms_warehouses", "mes_work_orders", "fin_journal_lines",
                    "fin_kpi_targets"]


def charter_indicators() -> pd.DataFrame:
    """The indicator table of docs/metric_charter.md: code, 中文名, name, owner, unit."""
    text = (settings.PROJECT_DIR / "docs" / "metric_charter.md").read_text(encoding="utf-8")
    section = text.split("## The indicators", 1)[1].split("###", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in section.splitlines() if line.startswith("|")]
    table = pd.DataFrame(rows[2:], columns=["metric_code", "name_zh", "name_en", "owner", "unit"])
    assert len(table) == 20
    return table


CHARTER = charter_indicators()
CODES = sorted(CHARTER["metric_code"])


def aggregation_of(code: str) -> str:
    return ("sum" if code in SUMS else "per_customer" if code in PER_CUSTOMER
            else "derived" if code in DERIVED else "ratio")


def _query(database, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="module")
def books(demo_data) -> Books:  # noqa: F811
    return Books(demo_data.landing)


@pytest.fixture(scope="module")
def companies(books) -> list[str]:
    return sorted(set().union(*(set(books.rows(name)["company_code"].dropna()) for name in COMPANY_EXTRACTS)))


@pytest.fixture(scope="module")
def metric_values(demo_warehouse) -> pd.DataFrame:  # noqa: F811
    frame = _query(demo_warehouse, f"select * from {VALUES}")
    frame["month"] = pd.to_datetime(frame["month"]).dt.to_period("M")
    return frame.set_index(["metric_code", "month", "company_code"]).sort_index()


@pytest.fixture(scope="module")
def components(demo_warehouse) -> pd.DataFrame:  # noqa: F811
    frame = _query(demo_warehouse, "select metric_code, month_start, company_code, customer_id, "
                                   "cast(numerator as double) as numerator, "
                                   "cast(denominator as double) as denominator "
                                   "from marts.fct_metric_components")
    frame["month"] = pd.to_datetime(frame["month_start"]).dt.to_period("M")
    return frame


def assert_same_values(expected: pd.Series, actual: pd.Series, what: str) -> None:
    """Equal within 1e-9 relative (1e-6 absolute), NULL exactly where expected is NULL."""
    both = pd.concat([expected.rename("expected"), actual.rename("actual")], axis=1)
    both_null = both["expected"].isna() & both["actual"].isna()
    close = np.isclose(both["actual"].astype(float), both["expected"].astype(float), rtol=1e-9, atol=1e-6)
    wrong = both[~(both_null | close)]
    assert wrong.empty, f"{what}: {len(wrong)} of {len(both)} values differ:\n{wrong.head(10)}"
    assert both["expected"].notna().any(), f"{what}: no value to compare"


def reporting_months(books: Books) -> pd.PeriodIndex:
    """The demo period, extended to the last attribution month of any record: orders placed
    in December 2025 are due, and attributed (order_fulfillment_rate), in 2026."""
    orders = books.rows("erp_sales_orders")
    due = orders.loc[orders["order_status"] != "cancelled", "requested_delivery_date"].max().to_period("M")
    return pd.period_range(MONTHS[0], max(MONTHS[-1], due), freq="M")


def test_one_row_per_indicator_month_and_company_plus_all(books, metric_values, companies):
    assert companies == ["CN10", "CN20"]
    months = reporting_months(books)
    expected = pd.MultiIndex.from_product([CODES, months, [*companies, ALL]],
                                          names=["metric_code", "month", "company_code"])
    assert metric_values.index.is_unique
    assert set(metric_values.index) == set(expected)
    assert len(metric_values) == 20 * len(months) * 3


def test_every_indicator_has_a_value_every_month_of_the_demo_period(books, metric_values):
    """The demo business runs in both companies from its first month, so every indicator has
    a value in every month of 2023–2025, for each company and for ALL, except
    collection_days in January 2023: no invoice was fully collected yet (empty population)."""
    period = metric_values[metric_values.index.get_level_values("month").isin(MONTHS)]
    missing = set(period.index[period["value"].isna()])
    first_month = {("collection_days", MONTHS[0], company) for company in ["CN10", "CN20", ALL]}
    assert missing == first_month, sorted(missing)[:20]
    invoices = books.sales_invoices
    invoices = invoices[invoices["invoice_type"] == "invoice"].set_index("invoice_id")
    applications = books.rows("ar_receipt_applications")
    in_first_month = applications["applied_date"] <= MONTHS[0].end_time
    applied = applications[in_first_month].groupby("invoice_id")["applied_amount"].sum()
    gross = (invoices["net"] + invoices["tax"]).reindex(applied.index)
    assert not (applied >= gross - 0.01).any()


def recompute(components: pd.DataFrame, companies: list[str]) -> pd.Series:
    """Every value recomputed from the component rows by the aggregation rules, per company
    and for ALL over all companies' rows."""
    frames = []
    for company in [*companies, ALL]:
        rows = components if company == ALL else components[components["company_code"] == company]
        grouped = rows.groupby(["metric_code", "month"])
        totals = pd.DataFrame({
            "numerator": grouped["numerator"].sum(min_count=1),
            "denominator": grouped["denominator"].sum(min_count=1),
            "customers": grouped["customer_id"].nunique(),
        }).reindex(pd.MultiIndex.from_product([CODES, MONTHS], names=["metric_code", "month"]))
        codes = totals.index.get_level_values("metric_code")
        aggregation = np.array([aggregation_of(code) for code in codes])
        denominator = totals["denominator"].where(totals["denominator"] != 0)
        customers = totals["customers"].where(totals["customers"] > 0)
        value = pd.Series(np.select(
            [aggregation == "sum", aggregation == "ratio", aggregation == "per_customer"],
            [totals["numerator"], totals["numerator"] / denominator, totals["numerator"] / customers],
            default=np.nan), index=totals.index)
        ccc = (value.xs("dso") + value.xs("dio") - value.xs("dpo"))
        value.loc["cash_conversion_cycle"] = ccc.to_numpy()
        frames.append(value.to_frame("value").assign(company_code=company))
    return pd.concat(frames).set_index("company_code", append=True)["value"]


def test_values_follow_the_aggregation_of_the_components(metric_values, components, companies):
    expected = recompute(components, companies)
    actual = metric_values["value"].reindex(expected.index)
    for code in CODES:
        assert_same_values(expected.xs(code), actual.xs(code), code)


def test_all_companies_is_sum_over_sum_never_a_mean_of_company_values(metric_values, components):
    """Spelled out for one ratio: ALL gross_margin_rate = Σ gross margin / Σ revenue over both
    companies, which differs from the mean of the two company rates."""
    rows = components[components["metric_code"] == "gross_margin_rate"]
    by_month = rows.groupby("month")[["numerator", "denominator"]].sum()
    expected = by_month["numerator"] / by_month["denominator"]
    values = metric_values["value"].xs("gross_margin_rate")
    assert_same_values(expected, values.xs(ALL, level="company_code").reindex(expected.index), "ALL")
    mean = values.drop(ALL, level="company_code").groupby("month").mean().reindex(expected.index)
    assert (np.abs(mean - expected) > 1e-6).any()


class CharterBooks(Books):
    """The charter's cogs, inventory, AR and AP indicators per company and month, in plain
    pandas from the landing files (month × company frames, plus ALL)."""

    @staticmethod
    def with_all(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(**{ALL: frame.sum(axis=1)})

    def cogs(self) -> pd.DataFrame:
        inv = self.sales_invoices[["invoice_id", "company_code", "invoice_type", "invoice_date"]]
        lines = self.rows("bil_invoice_lines").merge(inv, on="invoice_id")
        costs = self.rows("erp_standard_costs")
        costs["valid_to"] = costs["valid_to"].fillna(pd.Timestamp("2262-01-01"))
        lines = lines.merge(costs, on="product_id")
        lines = lines[(lines["invoice_date"] >= lines["valid_from"]) & (lines["invoice_date"] <= lines["valid_to"])]
        sign = np.where(lines["invoice_type"] == "credit_note", -1.0, 1.0)
        return self._monthly(lines.assign(cost=sign * lines["quantity"] * lines["standard_cost"]),
                             "invoice_date", "cost")

    def gross_invoiced(self) -> pd.DataFrame:
        return self._monthly(self.sales_invoices, "invoice_date", "gross_cny")

    def supplier_invoiced(self) -> pd.DataFrame:
        return self._monthly(self.supplier_invoices, "invoice_date", "gross_cny")

    def indicators(self) -> dict[str, pd.DataFrame]:
        days = pd.Series(MONTHS.days_in_month, index=MONTHS)
        inventory = self.with_all(self.inventory())
        # inventory at the previous month-end: 0 before the opening balance of 2023-01-01
        average_inventory = (inventory.shift(1, fill_value=0.0) + inventory) / 2
        cogs = self.with_all(self.cogs())
        ar, invoiced = self.with_all(self.accounts_receivable()), self.with_all(self.gross_invoiced())
        ap, supplier_invoiced = self.with_all(self.accounts_payable()), self.with_all(self.supplier_invoiced())
        dso = ar.mul(days, axis=0) / invoiced.where(invoiced != 0)
        dio = average_inventory.mul(days, axis=0) / cogs.where(cogs != 0)
        dpo = ap.mul(days, axis=0) / supplier_invoiced.where(supplier_invoiced != 0)
        return {
            "revenue": self.with_all(self.revenue()),
            "cogs": cogs,
            "inventory_value": inventory,
            "inventory_turnover": cogs / average_inventory.where(average_inventory != 0),
            "dio": dio,
            "dso": dso,
            "dpo": dpo,
            "cash_conversion_cycle": dso + dio - dpo,
        }


@pytest.mark.parametrize("code", ["revenue", "cogs", "inventory_value", "inventory_turnover", "dio",
                                  "dso", "dpo", "cash_conversion_cycle"])
def test_assembled_indicators_equal_the_charter_computed_from_the_landing_files(demo_data, metric_values, code):  # noqa: F811
    expected = CharterBooks(demo_data.landing).indicators()[code].stack()
    expected.index = expected.index.set_names(["month", "company_code"])
    actual = metric_values["value"].xs(code).reindex(expected.index)
    assert_same_values(expected, actual, code)


def test_targets_are_the_kpi_targets_of_the_fiscal_month(demo_data, metric_values, companies):  # noqa: F811
    targets = current_rows(demo_data.landing, "fin_kpi_targets")
    targets["month"] = pd.PeriodIndex(targets["fiscal_month"], freq="M")
    by_company = targets.set_index(["metric_code", "month", "company_code"])["target_value"]
    sums = targets[targets["metric_code"].isin(SUMS)].groupby(["metric_code", "month"])["target_value"]
    group = sums.sum().where(sums.count() == len(companies))
    group = pd.concat({ALL: group}, names=["company_code"]).reorder_levels(["metric_code", "month", "company_code"])
    expected = pd.concat([by_company, group]).reindex(metric_values.index)
    assert by_company.notna().all() and len(by_company) == 20 * 36 * len(companies)
    assert_same_values(expected, metric_values["target_value"], "target_value")


def test_catalog_lists_the_charter_indicators(demo_warehouse):  # noqa: F811
    catalog = _query(demo_warehouse, "select * from marts.metric_catalog").set_index("metric_code").sort_index()
    charter = CHARTER.set_index("metric_code").sort_index()
    assert list(catalog.index) == CODES
    for column in ["name_zh", "name_en", "owner", "unit"]:
        assert (catalog[column] == charter[column]).all(), column
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in catalog["name_zh"])
    assert list(catalog["aggregation"]) == [aggregation_of(code) for code in CODES]
    for column in ["definition", "formula", "grain"]:
        assert catalog[column].str.len().gt(10).all(), column
    assert catalog["grain"].str.startswith("month × company").all()
    relations = set(_query(demo_warehouse, "select table_name from information_schema.tables")["table_name"])
    named = {name.strip() for models in catalog["source_models"] for name in models.split(";")}
    assert named <= relations, f"source_models names unknown models: {named - relations}"


# Which way is good, by what each indicator measures: costs, days tied up, overdue and bad
# debt, capital in stock and the cash cycle are better low; the rest better high.
LOWER_IS_BETTER = {"cogs", "collection_days", "dso", "ar_overdue_rate", "bad_debt_rate", "unit_output_cost",
                   "inventory_value", "dio", "cash_conversion_cycle", "ship_to_invoice_days"}
D3_FORMAT_BY_UNIT = {"CNY": ",.2f", "CNY/unit": ",.2f", "ratio": ".1%", "days": ",.1f", "times": ",.2f"}


def test_catalog_and_values_tell_bi_the_format_and_the_direction(demo_warehouse):  # noqa: F811
    catalog = _query(demo_warehouse, "select * from marts.metric_catalog").set_index("metric_code")
    assert (catalog["display_format"] == catalog["unit"].map(D3_FORMAT_BY_UNIT)).all()
    expected = {code: "lower_is_better" if code in LOWER_IS_BETTER else "higher_is_better" for code in CODES}
    assert catalog["direction"].to_dict() == expected
    values = _query(demo_warehouse, "select distinct metric_code, display_format, direction from marts.metric_values")
    assert values.set_index("metric_code").sort_index().equals(catalog[["display_format", "direction"]].sort_index())


@pytest.mark.parametrize(("dimension", "extract", "key", "attribute"), [
    ("customer_segment", "crm_customers", "customer_id", "segment"),
    ("product_category", "erp_products", "product_id", "category"),
])
def test_breakdowns_are_the_invoice_lines_of_each_member(demo_data, demo_warehouse, dimension, extract, key,
                                                         attribute):  # noqa: F811
    """metric_value_breakdowns: revenue (a sum) and gross_margin_rate (a ratio, Σ margin / Σ
    revenue of the member's lines, not a share of the total) per month, company (and ALL) and
    customer segment or product category equal the landing files' invoice lines in plain
    pandas."""
    books = SalesBooks(demo_data.landing)
    lines = books.invoice_lines.merge(books.rows(extract)[[key, attribute]], on=key, how="left")
    lines[attribute] = lines[attribute].fillna("unknown")
    lines["month"] = lines["month"].dt.to_timestamp()
    keys = ["month", "company_code", attribute]
    by_company = lines.groupby(keys)[["revenue_cny", "margin_cny"]].sum()
    all_companies = lines.groupby(["month", attribute])[["revenue_cny", "margin_cny"]].sum()
    all_companies = all_companies.assign(company_code=ALL).set_index("company_code", append=True)
    sums = pd.concat([by_company, all_companies.reorder_levels(keys)])
    expected = {"revenue": sums["revenue_cny"], "gross_margin_rate": sums["margin_cny"] / sums["revenue_cny"]}
    actual = _query(demo_warehouse, f"""
        select metric_code, month, company_code, member as {attribute}, value from (
            select * from marts.metric_value_breakdowns
            union all select * from marts.metric_value_breakdowns_all_companies)
        where dimension = '{dimension}' and metric_code in ('revenue', 'gross_margin_rate')""")
    assert sums.index.get_level_values(attribute).nunique() >= 2
    for code, series in expected.items():
        measured = actual[actual["metric_code"] == code].set_index(keys)["value"]
        assert_same_values(*series.align(measured, join="outer"), what=f"{code} by {dimension}")


def test_the_members_of_a_sum_indicator_add_up_to_its_value(demo_warehouse):  # noqa: F811
    """Every dimension of a sum indicator partitions its component rows (no member lost,
    none counted twice): Σ member values = metric_values.value, for every month and company."""
    frame = _query(demo_warehouse, f"""
        select b.metric_code, b.dimension, b.month, b.company_code, sum(b.value) as members, any_value(v.value) as value
        from (select * from marts.metric_value_breakdowns
              union all select * from marts.metric_value_breakdowns_all_companies) as b
        inner join {VALUES} as v using (metric_code, month, company_code)
        where b.metric_code in ({", ".join(f"'{code}'" for code in sorted(SUMS))})
        group by all""")
    assert set(frame["metric_code"]) == SUMS and frame["dimension"].nunique() >= 5
    np.testing.assert_allclose(frame["members"], frame["value"], rtol=1e-9, atol=1e-6)


def test_no_table_bi_sums_mixes_the_group_with_its_companies(demo_warehouse, companies):  # noqa: F811
    """The ALL trap: metric_values holds only the companies' rows, so a BI tool's default SUM
    over it is the group's value for a sum indicator (revenue Σ over companies = the ALL row
    of metric_values_all_companies), never twice the group; the group's rows are alone in
    their own table; and the breakdowns are split the same way."""
    for companies_table, group_table in [("metric_values", "metric_values_all_companies"),
                                         ("metric_value_breakdowns", "metric_value_breakdowns_all_companies")]:
        in_companies = set(_query(demo_warehouse, f"select distinct company_code from marts.{companies_table}")
                           ["company_code"])
        in_group = set(_query(demo_warehouse, f"select distinct company_code from marts.{group_table}")["company_code"])
        assert in_companies == set(companies) and in_group == {ALL}, companies_table
    sums = _query(demo_warehouse, """
        select c.month, c.total, g.value as group_value
        from (select month, sum(value) as total from marts.metric_values where metric_code = 'revenue'
              group by month) as c
        inner join marts.metric_values_all_companies as g on g.metric_code = 'revenue' and g.month = c.month
        where g.value is not null""")
    assert len(sums) >= 30
    np.testing.assert_allclose(sums["total"], sums["group_value"], rtol=1e-12)
