"""Parameters of a generated dataset: horizon, scale and the defect rates."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date

import numpy as np

HISTORY_START = date(2023, 1, 1)
HISTORY_END = date(2025, 12, 31)  # 36 months, inclusive

COMPANIES = ("CN10", "CN20")  # 上海 Shanghai, 深圳 Shenzhen
FOREIGN_CURRENCIES = ("USD", "EUR")

# Sales order lines at scale factor 1; every other extract follows in proportion.
ORDER_LINES_AT_SF1 = 1_000_000

_SHARD_KEY = 1_000_000  # above any character code, so a shard's streams differ from every stream name


@dataclass(frozen=True)
class DefectRates:
    """Share of documents that get each injected defect (all recorded in the answer key)."""

    invoice_not_posted: float = 0.004
    invoice_posting_amount_diff: float = 0.004
    invoice_posted_wrong_month: float = 0.004
    invoice_posted_twice: float = 0.003
    receipt_not_posted: float = 0.003
    supplier_invoice_not_posted: float = 0.004
    supplier_invoice_posting_amount_diff: float = 0.004
    goods_receipt_not_posted: float = 0.003
    manual_journals_per_company_month: float = 0.5
    invoice_line_wrong_price: float = 0.01
    invoice_line_over_quantity: float = 0.005
    supplier_invoice_line_over_received: float = 0.01
    supplier_invoice_line_off_po_price: float = 0.01
    orphan_shipment: float = 0.002
    orphan_invoice_line: float = 0.002
    orphan_supplier_invoice_line: float = 0.003
    orphan_goods_receipt: float = 0.003

    def scaled(self, factor: float) -> DefectRates:
        return replace(self, **{f.name: getattr(self, f.name) * factor for f in fields(self)})


# The most business one shard of a run generates at once. A larger run is cut into shards of
# equal scale, so the generator's memory does not grow with the scale (0.2 peaked at 2.0-2.4 GB;
# 0.1 peaked higher at SF 10, 2.52 GB, while writing the deliveries from 100 shards' parts).
SHARD_SCALE = 0.15
MAX_SHARDS = 899  # document numbers carry the shard in three digits (util.document_numbers)


@dataclass(frozen=True)
class GeneratorConfig:
    scale: float = 0.01
    seed: int = 42
    defects: DefectRates = field(default_factory=DefectRates)
    shard: int = 0  # which shard of a sharded run this is (0 when the run is not sharded)

    def shards(self, shard_scale: float = SHARD_SCALE) -> list[GeneratorConfig]:
        """The run as shards of at most `shard_scale`: each generates its share of the business
        with random streams of its own; one shard is the run itself."""
        count = int(np.ceil(self.scale / shard_scale - 1e-9))
        if count <= 1:
            return [self]
        if count > MAX_SHARDS:
            raise ValueError(f"scale {self.scale} needs {count} shards; at most {MAX_SHARDS} are supported")
        # Manual journals come per company and month, not per document: the shards share the rate.
        defects = replace(self.defects,
                          manual_journals_per_company_month=self.defects.manual_journals_per_company_month / count)
        return [replace(self, scale=self.scale / count, shard=shard, defects=defects) for shard in range(count)]

    @property
    def n_order_lines(self) -> int:
        return max(200, round(ORDER_LINES_AT_SF1 * self.scale))

    def count(self, at_sf1: int, minimum: int) -> int:
        """A master-data count that grows with the square root of the scale."""
        return max(minimum, round(at_sf1 * np.sqrt(self.scale)))

    def rng(self, stream: str) -> np.random.Generator:
        """An independent random stream per purpose, so adding one draw changes no other."""
        shard = [_SHARD_KEY + self.shard] if self.shard else []
        return np.random.default_rng([self.seed, *shard, *(ord(ch) for ch in stream)])
