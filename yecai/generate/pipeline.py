"""The generator's run from end to end: build every business process in order, cut what
each source system delivers (quarterly deltas and snapshots), write the landing folder
and the answer key."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from yecai.contract import Extract, load_contract
from yecai.generate.config import SHARD_SCALE, DefectRates, GeneratorConfig
from yecai.generate.deliver import Delivery, quarterly, resend, write_delivery, write_part
from yecai.generate.inventory import build_movements
from yecai.generate.ledger import build_ledger
from yecai.generate.master import ACCOUNTS, WAREHOUSES, MasterData, build_master
from yecai.generate.procurement import build_procurement
from yecai.generate.production import build_production
from yecai.generate.sales import build_sales
from yecai.generate.targets import build_targets, invoiced_sales
from yecai.generate.util import at_time, document_numbers
from yecai.warehouse import connect

MARKER = ".yecai-generated"  # marks a landing folder the generator may wipe and rewrite

# Deliveries whose format or encoding differs from plain UTF-8 CSV, as their systems send them.
SPECIAL_FORMATS = {
    ("crm_customers", "20260101"): dict(encoding="gbk"),  # CRM on a Chinese Windows/Excel export
    ("srm_suppliers", "20260101"): dict(encoding="utf-8-sig"),  # UTF-8 with BOM
    ("fin_kpi_targets", "20250701"): dict(fmt="xlsx"),  # FP&A's budget workbook
    ("fin_journal_lines", "20240701"): dict(fmt="parquet"),
    ("ar_receipts", "20240401"): dict(fmt="jsonl"),
}
RESENT = ("wms_shipments", "20230701")  # delivered twice, byte for byte


@dataclass
class GenerateReport:
    landing: Path
    answer_key: Path
    manifest: pd.DataFrame
    defects: pd.DataFrame
    seconds: float
    stage_seconds: dict[str, float]

    def summary_text(self) -> str:
        per_extract = self.manifest.groupby("extract").agg(files=("file", "count"), rows=("rows", "sum"))
        lines = [f"Generated {len(self.manifest)} delivery files, {int(per_extract['rows'].sum()):,} rows "
                 f"in {self.seconds:.1f} s"]
        lines += [f"  {name:<28} {int(r.files):>3} files {int(r.rows):>11,} rows" for name, r in per_extract.iterrows()]
        counts = self.defects["defect_type"].value_counts()
        lines.append(f"Injected defects ({len(self.defects)}), listed in {self.answer_key / 'defects.csv'}:")
        lines += [f"  {name:<40} {n:>6}" for name, n in counts.items()]
        lines.append(f"Landing folder: {self.landing}")
        return "\n".join(lines)


def _delivery_day(day: str) -> np.datetime64:
    """A delivery's yyyymmdd as a day."""
    return np.datetime64(f"{day[:4]}-{day[4:6]}-{day[6:]}")


def _as_of(df: pd.DataFrame, day: str, column: str) -> pd.DataFrame:
    return df[df[column].to_numpy() < _delivery_day(day)]


def _standard_cost_snapshot(sc: pd.DataFrame, day: str) -> pd.DataFrame:
    """The standard-cost table as ERP showed it on a day: periods from that day on known,
    later ones not yet entered."""
    cutoff = _delivery_day(day)
    snap = sc[sc["valid_from"].to_numpy() <= cutoff].copy()
    snap.loc[snap["valid_to"].to_numpy() >= cutoff, "valid_to"] = pd.NaT
    return snap


def _snapshot_deliveries(cfg: GeneratorConfig, md: MasterData, targets: pd.DataFrame) -> list[Delivery]:
    rng = cfg.rng("snapshots")
    cust = md.customers
    raised = rng.random(len(cust)) < 0.1  # credit limits raised in 2025
    before = cust.copy()
    before.loc[raised, "credit_limit"] = cust.loc[raised, "credit_limit"] / 2
    latest = cust.copy()
    raise_day = np.maximum(cust["created_at"].to_numpy().astype("datetime64[D]"), np.datetime64("2025-03-01"))
    latest.loc[raised, "updated_at"] = at_time(raise_day[raised] + rng.integers(0, 60, raised.sum()), rng)
    repriced = rng.random(len(md.products)) < 0.2
    products_2026 = md.products.copy()
    products_2026.loc[repriced, "list_price"] = np.round(products_2026.loc[repriced, "list_price"] * 1.05, 0)
    products_2026.loc[repriced, "updated_at"] = np.datetime64("2025-01-02T10:00:00")
    budget_v1 = targets.assign(target_value=np.round(targets["target_value"] * 0.95, 4))
    return [
        Delivery("crm_customers", "20240101", _as_of(before, "20240101", "created_at")),
        Delivery("crm_customers", "20250101", _as_of(before, "20250101", "created_at")),
        Delivery("crm_customers", "20260101", latest),
        Delivery("erp_products", "20230101", md.products),
        Delivery("erp_products", "20260101", products_2026),
        *[Delivery("erp_standard_costs", d, _standard_cost_snapshot(md.standard_costs, d))
          for d in ("20230101", "20240101", "20250101", "20260101")],
        Delivery("wms_warehouses", "20230101", WAREHOUSES),
        Delivery("srm_suppliers", "20230101", md.suppliers),
        Delivery("srm_suppliers", "20260101", md.suppliers),
        Delivery("fin_accounts", "20230101", ACCOUNTS),
        Delivery("fin_kpi_targets", "20230105", budget_v1),
        Delivery("fin_kpi_targets", "20250701", targets),
    ]


def _prepare_landing(landing: Path) -> None:
    if landing.exists() and any(landing.iterdir()) and not (landing / MARKER).exists():
        raise FileExistsError(
            f"{landing} holds files the generator did not write; refusing to overwrite it. "
            "Point --landing at an empty or generated folder.")
    if landing.exists():
        shutil.rmtree(landing)
    landing.mkdir(parents=True)
    (landing / MARKER).write_text("written by `yecai generate`; safe to delete\n")


@dataclass
class _Shard:
    """What one shard hands on once its parts are written."""

    customers: pd.DataFrame  # the customers as this shard's first orders date them
    invoiced_sales: pd.Series
    defects: pd.DataFrame
    stream_flows: pd.Series  # the ledger's rounding streams (Ledger.stream_flows), for the next shard


class _Timer:
    def __init__(self) -> None:
        self.stages: dict[str, float] = {}

    def __call__(self, stage: str, build, *args):
        started = time.perf_counter()
        result = build(*args)
        self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started
        return result


def _generate_shard(cfg: GeneratorConfig, md: MasterData, contract: dict[str, Extract], parts_dir: Path,
                    parts: dict[tuple[str, str], list[Path]], timed: _Timer,
                    stream_flows: pd.Series | None) -> _Shard:
    """Build every business process of one shard and write its share of each delta delivery
    as a Parquet part; the shard's frames are dropped when it returns."""
    md = replace(md, customers=md.customers.copy())  # order to cash dates the customers it serves
    with document_numbers(cfg.shard):
        sales = timed("order to cash", build_sales, cfg, md)
        prod = timed("production", build_production, cfg, md, sales.shipments)
        proc = timed("procure to pay", build_procurement, cfg, md, prod.issues, prod.work_orders)
        moves = timed("inventory", build_movements, cfg.rng("inventory"), md, sales.shipments,
                      proc.goods_receipts, prod)
        ledger = timed("general ledger", build_ledger, cfg, md, sales, proc, prod, moves, stream_flows)
    deltas = {
        "erp_sales_orders": sales.orders, "erp_sales_order_lines": sales.order_lines,
        "wms_shipments": sales.shipments, "bil_invoices": sales.invoices, "bil_invoice_lines": sales.invoice_lines,
        "ar_receipts": sales.receipts, "ar_receipt_applications": sales.applications,
        "ar_write_offs": sales.write_offs, "erp_purchase_orders": proc.purchase_orders,
        "erp_purchase_order_lines": proc.po_lines, "wms_goods_receipts": proc.goods_receipts,
        "ap_supplier_invoices": proc.supplier_invoices, "ap_supplier_invoice_lines": proc.supplier_invoice_lines,
        "ap_payments": proc.payments, "wms_inventory_movements": moves, "mes_work_orders": prod.work_orders,
        "mes_work_order_costs": prod.costs, "fin_journal_lines": ledger.journal_lines,
    }
    started = time.perf_counter()
    for name, df in deltas.items():
        for d in quarterly(name, df, "updated_at", contract[name].primary_key):
            part = parts_dir / name / d.day / f"shard-{cfg.shard:03d}.parquet"
            parts.setdefault((name, d.day), []).append(write_part(contract[name], d.rows, part))
    timed.stages["writing shard parts"] = timed.stages.get("writing shard parts", 0.0) + time.perf_counter() - started
    return _Shard(customers=md.customers, invoiced_sales=invoiced_sales(sales, md.rates_at),
                  defects=pd.concat([*sales.defects, *proc.defects, ledger.defects], ignore_index=True),
                  stream_flows=ledger.stream_flows)


def _earliest_created(customers: pd.DataFrame | None, shard_customers: pd.DataFrame) -> pd.DataFrame:
    """Each customer created before its first order in any shard so far: the earliest date a
    shard gave. Folded shard by shard, so no shard's copy of the customers outlives it."""
    if customers is None:
        return shard_customers
    merged = customers.copy()
    created = np.minimum(customers["created_at"].to_numpy(), shard_customers["created_at"].to_numpy())
    merged["created_at"] = created
    merged["updated_at"] = created
    return merged


def generate(landing: Path, answer_key: Path, scale: float = 0.01, seed: int = 42,
             defect_factor: float = 1.0, shard_scale: float = SHARD_SCALE) -> GenerateReport:
    """The landing folder and answer key of a run. A run above `shard_scale` is generated shard
    by shard (GeneratorConfig.shards): each shard's deltas go to Parquet parts beside the landing
    folder, and DuckDB streams the parts of each delivery into its file."""
    started = time.perf_counter()
    timed = _Timer()
    cfg = GeneratorConfig(scale=scale, seed=seed, defects=DefectRates().scaled(defect_factor))
    contract = load_contract()
    landing, answer_key = Path(landing), Path(answer_key)
    _prepare_landing(landing)
    md = timed("master data", build_master, cfg)
    parts: dict[tuple[str, str], list[Path]] = {}
    with tempfile.TemporaryDirectory(prefix=".yecai-generate-parts-", dir=landing.parent) as parts_dir:
        customers, stream_flows = None, None
        invoiced, defect_frames = [], []
        for shard_cfg in cfg.shards(shard_scale):
            shard = _generate_shard(shard_cfg, md, contract, Path(parts_dir), parts, timed, stream_flows)
            customers, stream_flows = _earliest_created(customers, shard.customers), shard.stream_flows
            invoiced.append(shard.invoiced_sales)
            defect_frames.append(shard.defects)
        md = replace(md, customers=customers)
        plan = pd.concat(invoiced).groupby(level=[0, 1]).sum()
        targets = timed("kpi targets", build_targets, cfg, plan)

        write_started = time.perf_counter()
        deliveries = _snapshot_deliveries(cfg, md, targets)
        deliveries += quarterly("fin_fx_rates", md.fx_rates, "rate_date", contract["fin_fx_rates"].primary_key)
        deliveries += [Delivery(name, day, tuple(paths)) for (name, day), paths in parts.items()]
        rows = []
        with connect() as con:
            for d in deliveries:
                special = SPECIAL_FORMATS.get((d.extract, d.day), {})
                d = Delivery(d.extract, d.day, d.rows, **special) if special else d
                rows.append(write_delivery(con, contract[d.extract], d, landing))
                if (d.extract, d.day) == RESENT:
                    rows.append(resend(landing, rows[-1], seq=2))
        timed.stages["writing files"] = time.perf_counter() - write_started
    manifest = pd.DataFrame(rows)
    defects = pd.concat(defect_frames, ignore_index=True)

    answer_key.mkdir(parents=True, exist_ok=True)
    defects.to_csv(answer_key / "defects.csv", index=False)
    manifest.to_csv(answer_key / "deliveries.csv", index=False)
    return GenerateReport(landing=landing, answer_key=answer_key, manifest=manifest, defects=defects,
                          seconds=time.perf_counter() - started, stage_seconds=timed.stages)
