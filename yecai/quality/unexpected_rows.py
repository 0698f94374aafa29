"""The gate's form of GX's unexpected_rows_expectation: the same check, measured by its count.

GX's expectation runs its query twice, once for the number of rows and once for up to 200 of
them, and its BASIC and SUMMARY results carry only the number. The gate samples a failing
check's rows itself (gate._samples), so it runs the query once (the gate on Spark at SF 0.01:
125 s against 131 s, one run each).
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.expectations.core.unexpected_rows_expectation import UnexpectedRowsExpectation

ROW_COUNT = "unexpected_rows_query.row_count"


class UnexpectedRowsCount(UnexpectedRowsExpectation):
    """Registered with GX (as unexpected_rows_count) by being defined."""

    metric_dependencies: ClassVar[tuple[str, ...]] = (ROW_COUNT,)

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None,
                  execution_engine: Any = None) -> dict[str, Any]:
        count = metrics[ROW_COUNT]
        return {"success": count == 0, "result": {"observed_value": count}}
