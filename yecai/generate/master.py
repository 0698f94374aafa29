"""Master data: companies, warehouses, products and their standard costs, customers,
suppliers, the chart of accounts and FX rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from yecai.generate import calendar as cal
from yecai.generate.config import COMPANIES, FOREIGN_CURRENCIES, GeneratorConfig

WAREHOUSES = pd.DataFrame(
    [
        ("WH-SH-01", "CN10", "上海浦东成品仓 Shanghai Pudong FG", "east"),
        ("WH-SH-02", "CN10", "上海嘉定原料仓 Shanghai Jiading RM", "east"),
        ("WH-BJ-01", "CN10", "北京顺义仓 Beijing Shunyi", "north"),
        ("WH-SZ-01", "CN20", "深圳宝安仓 Shenzhen Bao'an", "south"),
        ("WH-CD-01", "CN20", "成都双流仓 Chengdu Shuangliu", "west"),
        ("WH-HK-01", "CN20", "香港出口仓 Hong Kong export", "overseas"),
    ],
    columns=["warehouse_id", "company_code", "warehouse_name", "region"],
)

# (code, name, type, role, normal balance). Codes follow the PRC chart of accounts.
ACCOUNTS = pd.DataFrame(
    [
        ("1002", "银行存款 Bank deposits", "asset", "cash", "debit"),
        ("1122", "应收账款 Accounts receivable", "asset", "accounts_receivable", "debit"),
        ("1403", "原材料 Raw materials", "asset", "inventory", "debit"),
        ("1405", "库存商品 Finished goods", "asset", "inventory", "debit"),
        ("5001", "生产成本 Work in progress", "asset", "other", "debit"),
        ("222101", "应交税费-进项税额 Input VAT", "asset", "input_vat", "debit"),
        ("2202", "应付账款 Accounts payable", "liability", "accounts_payable", "credit"),
        ("220201", "应付账款-暂估 Goods received not invoiced", "liability", "grni", "credit"),
        ("2203", "预收账款 Customer advances (unapplied cash)", "liability", "other", "credit"),
        ("2211", "应付职工薪酬 Payroll payable", "liability", "other", "credit"),
        ("2241", "其他应付款 Other payables (accruals)", "liability", "other", "credit"),
        ("222102", "应交税费-销项税额 Output VAT", "liability", "output_vat", "credit"),
        ("4001", "实收资本 Paid-in capital", "equity", "other", "credit"),
        ("6001", "主营业务收入 Revenue", "revenue", "revenue", "credit"),
        ("6401", "主营业务成本 Cost of goods sold", "expense", "cogs", "debit"),
        ("5101", "制造费用 Manufacturing overhead absorbed", "expense", "other", "debit"),
        ("6402", "采购价格差异 Purchase price variance", "expense", "other", "debit"),
        ("6403", "生产成本差异 Production variance", "expense", "production_variance", "debit"),
        ("6602", "管理费用 Administrative expenses", "expense", "other", "debit"),
        ("6603", "财务费用-汇兑损益 FX gains and losses", "expense", "other", "debit"),
        ("6702", "信用减值损失 Bad-debt expense", "expense", "bad_debt_expense", "debit"),
    ],
    columns=["account_code", "account_name", "account_type", "account_role", "normal_balance"],
)

FG_CATEGORIES = ["电机 Motors", "水泵 Pumps", "阀门 Valves", "控制器 Controllers", "传感器 Sensors"]
RM_CATEGORIES = ["钢材 Steel", "铜材 Copper", "电子元件 Electronics", "塑料 Plastics", "包装 Packaging"]

_CITIES = {  # city → region
    "上海": "east", "杭州": "east", "南京": "east", "苏州": "east", "宁波": "east",
    "深圳": "south", "广州": "south", "东莞": "south", "厦门": "south",
    "北京": "north", "天津": "north", "青岛": "north", "沈阳": "north",
    "武汉": "central", "长沙": "central", "郑州": "central",
    "成都": "west", "重庆": "west", "西安": "west",
}
_WORDS = ["恒信", "华达", "永泰", "金诚", "宏远", "中联", "瑞丰", "鑫源", "天成", "博远", "安达", "新纪元",
          "盛世", "东方", "长城", "汇通"]
_TRADES = ["机电", "设备", "贸易", "科技", "工业", "电气", "自动化", "水务"]
_SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司"]
_FOREIGN = [  # country, currency, name stem
    ("US", "USD", "Industrial Supply Inc."), ("GB", "USD", "Engineering Ltd"),
    ("SG", "USD", "Automation Pte Ltd"), ("DE", "EUR", "Antriebstechnik GmbH"),
    ("FR", "EUR", "Equipements SAS"), ("IT", "EUR", "Componenti S.r.l."),
]
_FOREIGN_NAMES = ["Atlas", "Nordic", "Summit", "Harbor", "Vertex", "Orion", "Keystone", "Apex"]


@dataclass
class MasterData:
    products: pd.DataFrame  # contract columns + internal: base_cost
    standard_costs: pd.DataFrame
    customers: pd.DataFrame  # contract columns + internal: home_company, currency
    suppliers: pd.DataFrame
    fx_rates: pd.DataFrame
    rate_matrix: dict[str, np.ndarray]  # currency → rate per rate day (CNY = ones)
    bom: pd.DataFrame  # fg product_id, rm product_id, qty per unit

    def rates_at(self, currency: np.ndarray, days: np.ndarray) -> np.ndarray:
        """CNY per unit of each document's currency at its date (as-of, ≤ 7 days back)."""
        idx = cal.rate_index(days.astype("datetime64[D]"))
        out = np.ones(len(days))
        for cur, series in self.rate_matrix.items():
            mask = currency == cur
            out[mask] = series[idx[mask]]
        return out

    def standard_cost_at(self, product_id: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The standard cost of each product valid on each day."""
        sc = self.standard_costs.sort_values(["product_id", "valid_from"])
        key = sc["product_id"].to_numpy()
        starts = sc["valid_from"].to_numpy().astype("datetime64[D]")
        # Encode (product, day) as one sortable number: product rank * 1e6 + day ordinal.
        ranks = {p: i for i, p in enumerate(pd.unique(key))}
        period_code = np.array([ranks[p] for p in key]) * 1_000_000 + starts.astype(np.int64)
        query_rank = pd.Series(product_id).map(ranks).to_numpy()
        query_code = query_rank * 1_000_000 + days.astype("datetime64[D]").astype(np.int64)
        pos = np.searchsorted(period_code, query_code, side="right") - 1
        if (pos < 0).any() or (key[pos] != product_id).any():
            raise ValueError("a product has no standard cost on a requested day")
        return sc["standard_cost"].to_numpy()[pos]


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)])


def build_fx(cfg: GeneratorConfig) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    rng = cfg.rng("fx")
    days = cal.rate_days()
    frames, matrix = [], {}
    for currency, level in zip(FOREIGN_CURRENCIES, (7.10, 7.80), strict=True):
        walk = np.cumsum(rng.normal(0, 0.0025, len(days)))
        rates = np.round(level * np.exp(walk - walk.mean() * 0.5), 8)
        matrix[currency] = rates
        frames.append(pd.DataFrame({"rate_date": days, "currency": currency, "rate_to_cny": rates}))
    return pd.concat(frames, ignore_index=True), matrix


def build_products(cfg: GeneratorConfig) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = cfg.rng("products")
    n_fg, n_rm = cfg.count(300, 24), cfg.count(120, 12)
    fg_cat = rng.integers(0, len(FG_CATEGORIES), n_fg)
    rm_cat = rng.integers(0, len(RM_CATEGORIES), n_rm)
    list_price = np.round(rng.lognormal(np.log(900), 0.7, n_fg), 0)
    fg = pd.DataFrame({
        "product_id": _ids("FG", n_fg, 5),
        "sku": [f"SKU-{c[:1]}{i:05d}"
                for i, c in zip(range(1, n_fg + 1), np.array(FG_CATEGORIES)[fg_cat], strict=True)],
        "product_name": [f"{FG_CATEGORIES[c].split()[0]} 型号{i:04d}" for i, c in enumerate(fg_cat, 1)],
        "product_type": "finished_good",
        "category": np.array(FG_CATEGORIES)[fg_cat],
        "uom": "pcs",
        "list_price": list_price,
        "base_cost": np.round(list_price * rng.uniform(0.45, 0.62, n_fg), 2),
    })
    rm = pd.DataFrame({
        "product_id": _ids("RM", n_rm, 5),
        "sku": [f"MAT-{i:05d}" for i in range(1, n_rm + 1)],
        "product_name": [f"{RM_CATEGORIES[c].split()[0]} 规格{i:03d}" for i, c in enumerate(rm_cat, 1)],
        "product_type": "raw_material",
        "category": np.array(RM_CATEGORIES)[rm_cat],
        "uom": np.where(rm_cat < 2, "kg", "pcs"),
        "list_price": np.nan,
        "base_cost": np.round(rng.uniform(2, 60, n_rm), 2),
    })
    products = pd.concat([fg, rm], ignore_index=True)
    products["updated_at"] = (np.datetime64("2022-12-01T09:00:00")
                              + rng.integers(0, 30 * 24 * 3600, len(products)).astype("timedelta64[s]"))

    # Bill of materials: 2–3 raw materials per finished good; their cost is ~70% of the
    # finished good's standard cost, the rest is labour and overhead.
    n_comp = rng.integers(2, 4, n_fg)
    fg_idx = np.repeat(np.arange(n_fg), n_comp)
    rm_idx = rng.integers(0, n_rm, len(fg_idx))
    share = rng.dirichlet(np.ones(3), n_fg)
    comp_share = np.concatenate([share[i, :k] / share[i, :k].sum() for i, k in enumerate(n_comp)])
    qty = np.maximum(1, np.round(fg["base_cost"].to_numpy()[fg_idx] * 0.7 * comp_share
                                 / rm["base_cost"].to_numpy()[rm_idx]))
    bom = pd.DataFrame({"fg_product_id": fg["product_id"].to_numpy()[fg_idx],
                        "rm_product_id": rm["product_id"].to_numpy()[rm_idx],
                        "qty_per_unit": qty})
    bom = bom.groupby(["fg_product_id", "rm_product_id"], as_index=False)["qty_per_unit"].sum()
    return products, _standard_costs(products, rng), bom


def _standard_costs(products: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Cost periods per product: a new standard every 1 January, and for about a third of
    the products one more change in the middle of a month during the year."""
    rows = []
    starts = [np.datetime64("2023-01-01"), np.datetime64("2024-01-01"), np.datetime64("2025-01-01")]
    for pid, base in zip(products["product_id"], products["base_cost"], strict=True):
        changes = list(starts)
        if rng.random() < 0.35:
            year = int(rng.integers(2023, 2026))
            changes.append(np.datetime64(f"{year}-{int(rng.integers(3, 11)):02d}-{int(rng.integers(10, 21)):02d}"))
        changes.sort()
        cost = base
        for i, start in enumerate(changes):
            end = changes[i + 1] - 1 if i + 1 < len(changes) else np.datetime64("NaT")
            rows.append((pid, start, end, round(cost, 2)))
            cost = cost * rng.uniform(0.96, 1.08)
    return pd.DataFrame(rows, columns=["product_id", "valid_from", "valid_to", "standard_cost"])


def build_customers(cfg: GeneratorConfig) -> pd.DataFrame:
    rng = cfg.rng("customers")
    n = cfg.count(5000, 60)
    overseas = rng.random(n) < 0.15
    cities = np.array(list(_CITIES))
    city = cities[rng.integers(0, len(cities), n)]
    foreign = rng.integers(0, len(_FOREIGN), n)
    names = np.where(
        overseas,
        [f"{_FOREIGN_NAMES[rng.integers(0, len(_FOREIGN_NAMES))]} {_FOREIGN[f][2]}" for f in foreign],
        [f"{c}{_WORDS[rng.integers(0, len(_WORDS))]}{_TRADES[rng.integers(0, len(_TRADES))]}"
         f"{_SUFFIXES[rng.integers(0, len(_SUFFIXES))]}" for c in city],
    )
    segment = rng.choice(["enterprise", "smb", "distributor"], n, p=[0.25, 0.55, 0.20])
    phone = np.where(rng.random(n) < 0.9,
                     [f"1{rng.integers(30, 90)}{rng.integers(0, 10**8):08d}" for _ in range(n)], None)
    return pd.DataFrame({
        "customer_id": _ids("CU", n, 6),
        "customer_name": names,
        "contact_phone": phone,
        "segment": segment,
        "region": np.where(overseas, "overseas", pd.Series(city).map(_CITIES).to_numpy()),
        "country_code": np.where(overseas, np.array([f[0] for f in _FOREIGN])[foreign], "CN"),
        "credit_limit": np.where(segment == "enterprise", 2_000_000,
                                 np.where(segment == "distributor", 1_000_000, 300_000)).astype(float),
        "payment_terms_days": rng.choice([30, 45, 60, 90], n, p=[0.35, 0.25, 0.3, 0.1]),
        # internal: the company that mostly sells to the customer, and its currency
        "home_company": np.where(overseas | (rng.random(n) < 0.45), "CN20", "CN10"),
        "currency": np.where(overseas, np.array([f[1] for f in _FOREIGN])[foreign], "CNY"),
    })


def build_suppliers(cfg: GeneratorConfig) -> pd.DataFrame:
    rng = cfg.rng("suppliers")
    n = cfg.count(400, 16)
    origin = rng.choice(["CN", "DE", "US"], n, p=[0.8, 0.1, 0.1])
    origin[:2] = ["DE", "US"]  # every dataset imports in both EUR and USD
    city = np.array(list(_CITIES))[rng.integers(0, len(_CITIES), n)]
    names = np.where(origin == "CN",
                     [f"{c}{_WORDS[rng.integers(0, len(_WORDS))]}材料有限公司" for c in city],
                     [f"{_FOREIGN_NAMES[rng.integers(0, len(_FOREIGN_NAMES))]} Materials "
                      f"{'GmbH' if o == 'DE' else 'Corp.'}" for o in origin])
    return pd.DataFrame({
        "supplier_id": _ids("SP", n, 5),
        "supplier_name": names,
        "category": np.array(RM_CATEGORIES)[rng.integers(0, len(RM_CATEGORIES), n)],
        "country_code": origin,
        "payment_terms_days": rng.choice([30, 60, 90], n, p=[0.3, 0.5, 0.2]),
        "currency": np.select([origin == "DE", origin == "US"], ["EUR", "USD"], "CNY"),
        "updated_at": np.datetime64("2022-11-15T10:00:00")
        + rng.integers(0, 40 * 24 * 3600, n).astype("timedelta64[s]"),
    })


def build_master(cfg: GeneratorConfig) -> MasterData:
    products, standard_costs, bom = build_products(cfg)
    fx, matrix = build_fx(cfg)
    return MasterData(products=products, standard_costs=standard_costs,
                      customers=build_customers(cfg), suppliers=build_suppliers(cfg),
                      fx_rates=fx, rate_matrix=matrix, bom=bom)


def company_warehouses(company: str) -> np.ndarray:
    return WAREHOUSES.loc[WAREHOUSES["company_code"] == company, "warehouse_id"].to_numpy()


__all__ = ["ACCOUNTS", "COMPANIES", "WAREHOUSES", "MasterData", "build_master", "company_warehouses"]
