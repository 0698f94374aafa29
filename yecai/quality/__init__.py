"""The quality gate: Great Expectations suites over the warehouse decide what is published."""
