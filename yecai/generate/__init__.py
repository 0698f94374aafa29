"""`yecai generate`: a deterministic, consistent manufacturer — two companies, CNY sales
plus USD/EUR exports and imports, 36 months — delivered as the source systems deliver it,
with injected defects recorded in an answer key outside the landing folder.

The run lives in `pipeline`; each business process has a module of its own."""

from yecai.generate.pipeline import GenerateReport, generate

__all__ = ["GenerateReport", "generate"]
