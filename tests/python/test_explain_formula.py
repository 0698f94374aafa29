"""`yecai explain` takes a derived indicator's inputs from its catalog formula, the one the
business agreed (seeds/metric_catalog.csv), and refuses a formula it cannot read."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from yecai.explain import ExplainError, derived_inputs

CATALOG = Path(__file__).parents[2] / "seeds" / "metric_catalog.csv"


def test_the_cash_conversion_cycle_is_dso_plus_dio_minus_dpo():
    assert derived_inputs("cash_conversion_cycle", "dso + dio − dpo") == [("dso", 1), ("dio", 1), ("dpo", -1)]
    assert derived_inputs("x", "-a+b") == [("a", -1), ("b", 1)]


@pytest.mark.parametrize("formula", ["dso * dio", "dso dio", "", "dso + ", "(dso + dio)"])
def test_a_formula_that_is_not_a_sum_of_indicators_is_refused_in_one_line(formula):
    with pytest.raises(ExplainError, match="formula"):
        derived_inputs("cash_conversion_cycle", formula)


def test_every_derived_indicator_of_the_catalog_names_catalog_indicators():
    with CATALOG.open(encoding="utf-8") as handle:
        catalog = list(csv.DictReader(handle))
    codes = {row["metric_code"] for row in catalog}
    derived = [row for row in catalog if row["aggregation"] == "derived"]
    assert derived
    for row in derived:
        assert {code for code, _ in derived_inputs(row["metric_code"], row["formula"])} <= codes - {row["metric_code"]}
