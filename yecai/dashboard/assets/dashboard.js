// 经营驾驶舱: renders the published data embedded in this file (script#yecai-data).
// Pages by location hash: #overview, #indicator/<metric_code>, #reconciliation, #quality, #catalog.
"use strict";

const DATA = JSON.parse(document.getElementById("yecai-data").textContent);
const ALL = "ALL";
const state = { lang: "zh", company: ALL, cell: null };

const TEXT = {
  zh: {
    title: "业财经营驾驶舱", overview: "概览", indicator: "指标", reconciliation: "对账", quality: "数据质量",
    catalog: "指标中心", all: "全部公司", target: "目标", gap: "差距", noTarget: "无目标", noValue: "无数据",
    trend: "趋势与目标", byCompany: "按公司", breakdown: "构成", documents: "最大的单据", month: "月份",
    documentType: "单据类型", document: "单据", numerator: "分子", denominator: "分母", source: "来源行",
    company: "公司", clean: "平", breaks: "差异明细", reason: "原因", business: "业务", gl: "总账",
    difference: "差异", journals: "凭证行", records: "子账记录", account: "科目", postingDate: "过账日期",
    documentDate: "单据日期", showing: "显示最大的 {n} 条，共 {total} 条", clickCell: "点击红色单元格查看差异明细与凭证。",
    run: "发布批次", publishedAt: "发布时间", passed: "通过", warned: "警告", failed: "失败",
    expectations: "质量检查", filesLoaded: "已加载文件", filesRefused: "拒收文件", rowsLoaded: "已加载行",
    rowsQuarantined: "隔离行", restated: "重述值", dataDocs: "打开 Great Expectations 数据文档",
    dbtDocs: "打开血缘文档 (dbt docs)", name: "名称", owner: "负责人", unit: "单位", direction: "方向",
    definition: "定义", formula: "公式", models: "模型", extracts: "源文件", higher_is_better: "越高越好",
    lower_is_better: "越低越好", latestNote: "报告月份：指标最齐全的最新月份；颜色按指标方向对比目标。",
    dimensions: { customer_segment: "客户分群", customer_region: "客户区域", product_category: "产品类别",
      product_type: "产品类型", warehouse: "仓库", supplier: "供应商", channel: "渠道" },
    units: { CNY: "元", "CNY/unit": "元/件", ratio: "", days: "天", times: "次" },
    cells: "对账 × 公司 × 月份（最近的月份在左）：绿色为平，红色为差异金额（总账 − 业务）。", noBreaks: "无差异。",
  },
  en: {
    title: "Business–finance dashboard", overview: "Overview", indicator: "Indicator", reconciliation: "Reconciliation",
    quality: "Data quality", catalog: "Catalog", all: "All companies", target: "Target", gap: "Gap",
    noTarget: "no target", noValue: "no data", trend: "Trend against target", byCompany: "by company",
    breakdown: "Breakdown", documents: "Largest documents", month: "Month", documentType: "Document type",
    document: "Document", numerator: "Numerator", denominator: "Denominator", source: "Source row",
    company: "Company", clean: "clean", breaks: "Breaks", reason: "Reason", business: "Business", gl: "GL",
    difference: "Difference", journals: "Journal lines", records: "Sub-ledger records", account: "Account",
    postingDate: "Posting date", documentDate: "Document date", showing: "showing the largest {n} of {total}",
    clickCell: "Click a red cell for its breaks and journals.", run: "Run", publishedAt: "Published at",
    passed: "passed", warned: "warned", failed: "failed", expectations: "Expectations", filesLoaded: "Files loaded",
    filesRefused: "Files refused", rowsLoaded: "Rows loaded", rowsQuarantined: "Rows quarantined",
    restated: "Values restated", dataDocs: "Open the Great Expectations Data Docs", dbtDocs: "Open the lineage docs (dbt docs)",
    name: "Name", owner: "Owner", unit: "Unit", direction: "Direction", definition: "Definition", formula: "Formula",
    models: "Models", extracts: "Extracts", higher_is_better: "higher is better", lower_is_better: "lower is better",
    latestNote: "Reporting month: the latest month in which the most indicators have a value; colours compare each value with its target by the indicator's direction.",
    dimensions: { customer_segment: "Customer segment", customer_region: "Customer region",
      product_category: "Product category", product_type: "Product type", warehouse: "Warehouse",
      supplier: "Supplier", channel: "Channel" },
    units: { CNY: "CNY", "CNY/unit": "CNY/unit", ratio: "", days: "days", times: "times" },
    cells: "Reconciliation × company × month (latest first): green is clean, red shows the difference (GL − business).",
    noBreaks: "No breaks.",
  },
};
const PAGES = ["overview", "indicator", "reconciliation", "quality", "catalog"];
const METRICS = Object.fromEntries(DATA.metrics.map((m) => [m.metric_code, m]));

function t(key) { return TEXT[state.lang][key]; }
function metricName(m) { return state.lang === "zh" ? m.name_zh : m.name_en; }
function companyName(code) {
  if (code === ALL) return t("all");
  const c = DATA.companies.find((x) => x.code === code);
  return c ? `${code} ${state.lang === "zh" ? c.name_zh : c.name_en}` : code;
}
function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}

// ---- numbers: the catalog's d3 format (",.2f", ".1%", ",.1f"), CNY compacted to 万/亿 or K/M/B.
function fixed(value, decimals, grouped) {
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: grouped });
}
function formatValue(value, displayFormat, unit, lang) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const match = /^(,?)\.(\d+)([f%])$/.exec(displayFormat || ",.2f");
  const grouped = match[1] === ",", decimals = Number(match[2]);
  if (match[3] === "%") return fixed(value * 100, decimals, grouped) + "%";
  if (unit === "CNY") return compactAmount(value, decimals, lang);
  return fixed(value, decimals, grouped);
}
function compactAmount(value, decimals, lang) {
  const size = Math.abs(value);
  const steps = lang === "zh" ? [[1e8, "亿"], [1e4, "万"]] : [[1e9, "B"], [1e6, "M"], [1e3, "K"]];
  for (const [scale, suffix] of steps) {
    if (size >= scale) return fixed(value / scale, 2, true) + suffix;
  }
  return fixed(value, decimals, true);
}
function fmt(value, metric) { return formatValue(value, metric.display_format, metric.unit, state.lang); }
function fmtMoney(value) { return formatValue(value, ",.2f", "CNY", state.lang); }
function unitLabel(metric) { return TEXT[state.lang].units[metric.unit] ?? metric.unit; }

// good / bad against the target, by the indicator's direction; null without a target.
function judgement(metric, value, target) {
  if (value === null || target === null || value === undefined || target === undefined) return null;
  const better = metric.direction === "lower_is_better" ? value <= target : value >= target;
  return better ? "good" : "bad";
}

function series(metricCode, company) { return (DATA.values[metricCode] || {})[company] || []; }
function reportingMonth(company) { return DATA.reporting_months[company] || null; }
function latestRow(metricCode, company) {
  const month = reportingMonth(company);
  return series(metricCode, company).find((row) => row[0] === month) || null;
}

// ---- charts (plotly.js, inlined)
const PLOT_CONFIG = { displayModeBar: false, responsive: true };
function niceTicks(values, metric) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return {};
  let low = Math.min(...finite, 0), high = Math.max(...finite);
  if (low === high) high = low + 1;
  const rough = (high - low) / 5, power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= rough);
  const ticks = [];
  for (let v = Math.floor(low / step) * step; v <= high + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { tickvals: ticks, ticktext: ticks.map((v) => fmt(v, metric)) };
}
function sparkline(element, metricCode, company) {
  const rows = series(metricCode, company).filter((r) => r[1] !== null).slice(-12);
  const x = rows.map((r) => r[0]);
  const traces = [{ x, y: rows.map((r) => r[1]), mode: "lines", line: { color: "#0a58ca", width: 2 } }];
  if (rows.some((r) => r[2] !== null)) traces.push({ x, y: rows.map((r) => r[2]), mode: "lines", line: { color: "#6e7781", dash: "dot", width: 1 } });
  Plotly.newPlot(element, traces, {
    margin: { l: 0, r: 0, t: 2, b: 2 }, height: 44, showlegend: false,
    xaxis: { visible: false }, yaxis: { visible: false }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
  }, { staticPlot: true, displayModeBar: false });
}

// ---- pages
function renderOverview(page) {
  const company = state.company;
  page.innerHTML = `<p class="subtitle"><b>${esc(companyName(company))} · ${esc(reportingMonth(company) || t("noValue"))}</b>
    · ${esc(t("latestNote"))}</p><div class="tiles" id="tiles"></div>`;
  const tiles = page.querySelector("#tiles");
  for (const metric of DATA.metrics) {
    const row = latestRow(metric.metric_code, company);
    const [month, value, target] = row || [null, null, null];
    const verdict = judgement(metric, value, target);
    const tile = document.createElement("div");
    tile.className = `tile ${verdict || ""}`;
    Object.assign(tile.dataset, { metric: metric.metric_code, company, month: month || "", value: value ?? "", target: target ?? "" });
    const gap = verdict ? `<span class="tile-gap ${verdict}">${esc(t("gap"))} ${value - target >= 0 ? "+" : ""}${esc(fmt(value - target, metric))}</span>` : "";
    tile.innerHTML = `<span class="tile-month">${esc(month || t("noValue"))}</span>
      <div class="tile-name">${esc(metricName(metric))}</div>
      <div class="tile-value">${esc(fmt(value, metric))} <span class="muted">${esc(unitLabel(metric))}</span></div>
      <div class="tile-target">${target === null ? esc(t("noTarget")) : `${esc(t("target"))} ${esc(fmt(target, metric))}`} ${gap}</div>
      <div class="spark"></div>`;
    tile.addEventListener("click", () => { location.hash = `#indicator/${metric.metric_code}`; });
    tiles.appendChild(tile);
    if (row) sparkline(tile.querySelector(".spark"), metric.metric_code, company);
  }
}

function renderIndicator(page, metricCode) {
  const metric = METRICS[metricCode] || DATA.metrics[0];
  const options = DATA.metrics.map((m) => `<option value="${m.metric_code}" ${m === metric ? "selected" : ""}>${esc(metricName(m))}</option>`).join("");
  const company = state.company;
  const month = reportingMonth(company);
  page.innerHTML = `
    <div class="panel"><select id="metric-select">${options}</select>
      <span class="muted">${esc(metric.definition)}</span></div>
    <div class="panel"><h2>${esc(t("trend"))} · ${esc(t("byCompany"))} (${esc(unitLabel(metric))})</h2><div class="chart" id="trend"></div></div>
    <div class="panel"><h2>${esc(t("breakdown"))} · ${esc(companyName(company))} · ${esc(month || t("noValue"))}</h2>
      <div class="breakdowns" id="breakdowns"></div></div>
    <div class="panel"><h2>${esc(t("documents"))} · ${esc(companyName(company))} · ${esc(month || t("noValue"))}</h2>
      <div id="documents"></div></div>`;
  page.querySelector("#metric-select").addEventListener("change", (e) => { location.hash = `#indicator/${e.target.value}`; });
  trendChart(page.querySelector("#trend"), metric);
  breakdownCharts(page.querySelector("#breakdowns"), metric, company);
  documentTable(page.querySelector("#documents"), metric, company);
}

function trendChart(element, metric) {
  const traces = [], all = [];
  const palette = ["#0a58ca", "#d9480f", "#2b8a3e", "#862e9c", "#e67700"];
  [ALL, ...DATA.companies.map((c) => c.code)].forEach((company, i) => {
    const rows = series(metric.metric_code, company);
    const x = rows.map((r) => r[0]);
    const color = palette[i % palette.length];
    traces.push({ x, y: rows.map((r) => r[1]), name: companyName(company), mode: "lines+markers", line: { color },
      customdata: rows.map((r) => fmt(r[1], metric)), hovertemplate: "%{x}: %{customdata}<extra>%{fullData.name}</extra>" });
    if (rows.some((r) => r[2] !== null)) {
      traces.push({ x, y: rows.map((r) => r[2]), name: `${companyName(company)} · ${t("target")}`, mode: "lines",
        line: { color, dash: "dash", width: 1 }, customdata: rows.map((r) => fmt(r[2], metric)),
        hovertemplate: "%{x}: %{customdata}<extra>%{fullData.name}</extra>" });
    }
    rows.forEach((r) => all.push(r[1], r[2]));
  });
  Plotly.newPlot(element, traces, { margin: { l: 80, r: 10, t: 10, b: 40 }, legend: { orientation: "h" },
    yaxis: niceTicks(all.filter((v) => v !== null), metric), xaxis: { type: "date", tickformat: "%Y-%m" } }, PLOT_CONFIG);
}

function breakdownCharts(element, metric, company) {
  const dimensions = ((DATA.breakdowns[metric.metric_code] || {})[company]) || {};
  if (!Object.keys(dimensions).length) { element.innerHTML = `<p class="muted">${esc(t("noValue"))}</p>`; return; }
  for (const [dimension, members] of Object.entries(dimensions)) {
    const box = document.createElement("div");
    box.innerHTML = `<h3>${esc(TEXT[state.lang].dimensions[dimension] || dimension)}</h3><div class="bar-chart"></div>`;
    element.appendChild(box);
    const shown = members.slice(0, 12).reverse();
    Plotly.newPlot(box.querySelector(".bar-chart"), [{
      type: "bar", orientation: "h", y: shown.map((m) => m[1] === m[0] ? m[0] : `${m[1]} (${m[0]})`),
      x: shown.map((m) => m[2]), text: shown.map((m) => fmt(m[2], metric)), textposition: "auto", textangle: 0,
      hovertemplate: "%{y}: %{text}<extra></extra>", marker: { color: "#0a58ca" },
    }], { margin: { l: 140, r: 10, t: 4, b: 30 }, xaxis: niceTicks(shown.map((m) => m[2]), metric) }, PLOT_CONFIG);
  }
}

function documentTable(element, metric, company) {
  const rows = ((DATA.documents[metric.metric_code] || {})[company]) || [];
  element.innerHTML = `<table><thead><tr><th>${esc(t("company"))}</th><th>${esc(t("documentType"))}</th>
    <th>${esc(t("document"))}</th><th class="number">${esc(t("numerator"))}</th><th class="number">${esc(t("denominator"))}</th>
    <th>${esc(t("source"))}</th></tr></thead><tbody>${rows.map((r) => `<tr class="document-row" data-document-id="${esc(r.document_id)}">
    <td>${esc(r.document_company)}</td><td>${esc(r.document_type)}</td><td>${esc(r.document_id)}</td>
    <td class="number">${esc(fixed(r.numerator ?? 0, 2, true))}</td><td class="number">${r.denominator === null ? "—" : esc(fixed(r.denominator, 2, true))}</td>
    <td class="muted">${esc(r.source_file)}:${esc(r.source_row)}</td></tr>`).join("")}</tbody></table>`;
}

function reconciliationName(code) {
  const r = DATA.reconciliations.find((x) => x.code === code);
  return r ? (state.lang === "zh" ? r.name_zh : r.name_en) : code;
}
function reasonName(code) {
  const r = DATA.break_reasons.find((x) => x.break_reason === code);
  return r ? (state.lang === "zh" ? r.name_zh : r.name_en) : code;
}

function renderReconciliation(page) {
  const months = [...new Set(DATA.reconciliation_cells.map((c) => c[2]))].sort().reverse();
  const rows = new Map();
  for (const cell of DATA.reconciliation_cells) {
    const key = `${cell[0]}|${cell[1]}`;
    if (!rows.has(key)) rows.set(key, new Map());
    rows.get(key).set(cell[2], cell);
  }
  const body = [...rows.entries()].map(([key, cells]) => {
    const [code, company] = key.split("|");
    const tds = months.map((month) => {
      const c = cells.get(month);
      if (!c) return "<td></td>";
      const [, , , isClean, difference] = c;
      return `<td class="recon-cell ${isClean ? "clean" : "broken"}" data-reconciliation="${code}" data-company="${company}"
        data-month="${month}" data-clean="${isClean}" data-difference="${difference}">${isClean ? "✓" : esc(fmtMoney(difference))}</td>`;
    }).join("");
    return `<tr><th>${esc(reconciliationName(code))}</th><th>${esc(company)}</th>${tds}</tr>`;
  }).join("");
  page.innerHTML = `<div class="panel"><h2>${esc(t("reconciliation"))}</h2><p class="muted">${esc(t("cells"))} ${esc(t("clickCell"))}</p>
    <div class="grid-wrap"><table class="recon-grid"><thead><tr><th></th><th>${esc(t("company"))}</th>
    ${months.map((m) => `<th>${m}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table></div></div>
    <div class="panel" id="break-list"></div>`;
  page.querySelectorAll("td.recon-cell").forEach((td) => td.addEventListener("click", () => {
    state.cell = `${td.dataset.reconciliation}|${td.dataset.company}|${td.dataset.month}`;
    page.querySelectorAll("td.recon-cell.selected").forEach((x) => x.classList.remove("selected"));
    td.classList.add("selected");
    renderBreaks(page.querySelector("#break-list"));
  }));
  if (state.cell) {
    const [code, company, month] = state.cell.split("|");
    const td = page.querySelector(`td.recon-cell[data-reconciliation="${code}"][data-company="${company}"][data-month="${month}"]`);
    if (td) td.classList.add("selected");
  }
  renderBreaks(page.querySelector("#break-list"));
}

function renderBreaks(element) {
  if (!state.cell) { element.innerHTML = `<p class="muted">${esc(t("clickCell"))}</p>`; return; }
  const [code, company, month] = state.cell.split("|");
  const cell = DATA.reconciliation_cells.find((c) => c[0] === code && c[1] === company && c[2] === month);
  const breaks = (DATA.breaks[state.cell] || { breaks: [] }).breaks;
  const total = cell ? cell[7] : breaks.length;
  const shown = breaks.length < total ? ` <span class="muted">(${esc(t("showing").replace("{n}", breaks.length).replace("{total}", total))})</span>` : "";
  const summary = cell ? `${t("business")} ${fmtMoney(cell[5])} · ${t("gl")} ${fmtMoney(cell[6])} · ${t("difference")} ${fmtMoney(cell[4])}` : "";
  const lines = breaks.map((b) => {
    const journals = b.journal_lines.map((j) => `<tr class="break-detail journal-line" data-journal-id="${esc(j.journal_id)}">
      <td colspan="2">${esc(t("journals"))}: ${esc(j.journal_id)} / ${esc(j.line_no)}</td><td>${esc(t("account"))} ${esc(j.account_code)}</td>
      <td>${esc(t("postingDate"))} ${esc(j.posting_date)}</td><td class="number">${esc(fmtMoney(j.gl_amount))}</td>
      <td colspan="2" class="muted">${esc(j.source_file)}:${esc(j.source_row)}</td></tr>`).join("");
    const records = b.subledger_records.map((s) => `<tr class="break-detail subledger-record" data-document-id="${esc(s.document_id)}">
      <td colspan="2">${esc(t("records"))}: ${esc(s.source_extract)} ${esc(s.document_id)}</td><td></td>
      <td>${esc(t("documentDate"))} ${esc(s.document_date)}</td><td class="number">${esc(fmtMoney(s.business_amount))}</td>
      <td colspan="2" class="muted">${esc(s.source_file)}:${esc(s.source_row)}</td></tr>`).join("");
    return `<tr class="break-row" data-document-key="${esc(b.document_key)}"><td>${esc(reasonName(b.break_reason))}</td>
      <td>${esc(b.document_type)} ${esc(b.document_key)}</td><td>${esc(b.gl_journal_ids || "")}</td>
      <td>${esc(b.document_date || "")}</td><td class="number">${esc(fmtMoney(b.business_amount))}</td>
      <td class="number">${esc(fmtMoney(b.gl_amount))}</td><td class="number">${esc(fmtMoney(b.difference))}</td></tr>${journals}${records}`;
  }).join("");
  element.innerHTML = `<h2>${esc(t("breaks"))}: ${esc(reconciliationName(code))} · ${esc(company)} · ${esc(month)}${shown}</h2>
    <p class="muted">${esc(summary)}</p>
    ${breaks.length ? `<table><thead><tr><th>${esc(t("reason"))}</th><th>${esc(t("document"))}</th><th>${esc(t("journals"))}</th>
    <th>${esc(t("documentDate"))}</th><th class="number">${esc(t("business"))}</th><th class="number">${esc(t("gl"))}</th>
    <th class="number">${esc(t("difference"))}</th></tr></thead><tbody>${lines}</tbody></table>` : `<p>${esc(t("noBreaks"))}</p>`}`;
}

function renderQuality(page) {
  const p = DATA.publication;
  const card = (label, value, kind) => `<div class="card ${kind || ""}" data-field="${esc(label)}"><div class="muted">${esc(t(label))}</div>
    <div class="card-value">${esc(value ?? "—")}</div></div>`;
  const count = (v) => (v === null || v === undefined ? null : Number(v).toLocaleString("en-US"));
  page.innerHTML = `<div class="panel"><h2>${esc(t("quality"))}</h2>
    <p>${esc(t("run"))} <b>${esc(p.run_id)}</b> · ${esc(t("publishedAt"))} ${esc(p.published_at)} UTC</p>
    <div class="cards">
      ${card("passed", count(p.expectations_passed))}
      ${card("warned", count(p.expectations_warned), p.expectations_warned ? "warn" : "")}
      ${card("failed", count(p.expectations_failed), p.expectations_failed ? "bad" : "")}
      ${card("filesLoaded", count(p.files_loaded))}
      ${card("filesRefused", count(p.files_refused), p.files_refused ? "bad" : "")}
      ${card("rowsLoaded", count(p.rows_loaded))}
      ${card("rowsQuarantined", count(p.rows_quarantined), p.rows_quarantined ? "warn" : "")}
      ${card("restated", count(p.values_restated))}
    </div>
    <p><a id="data-docs-link" href="../docs/data_docs/index.html">${esc(t("dataDocs"))}</a> ·
       <a href="../docs/index.html">${esc(t("dbtDocs"))}</a></p></div>`;
}

function renderCatalog(page) {
  const rows = DATA.metrics.map((m) => `<tr class="catalog-row" data-metric="${m.metric_code}">
    <td><b>${esc(metricName(m))}</b><br><span class="muted">${esc(m.metric_code)}</span></td><td>${esc(m.owner)}</td>
    <td>${esc(unitLabel(m) || m.unit)}</td><td class="nowrap">${esc(t(m.direction))}</td><td>${esc(m.definition)}</td>
    <td><code>${esc(m.formula)}</code></td><td class="muted">${esc(m.source_models)}</td>
    <td class="muted">${m.extracts.map((e) => `<span class="pill">${esc(e)}</span>`).join(" ")}</td></tr>`).join("");
  page.innerHTML = `<div class="panel"><h2>${esc(t("catalog"))}</h2><table><thead><tr><th>${esc(t("name"))}</th>
    <th>${esc(t("owner"))}</th><th>${esc(t("unit"))}</th><th>${esc(t("direction"))}</th><th>${esc(t("definition"))}</th>
    <th>${esc(t("formula"))}</th><th>${esc(t("models"))}</th><th>${esc(t("extracts"))}</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

// ---- frame
function render() {
  const [page, argument] = (location.hash.replace(/^#/, "") || "overview").split("/");
  const current = PAGES.includes(page) ? page : "overview";
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  document.getElementById("title").textContent = t("title");
  document.getElementById("lang-toggle").textContent = state.lang === "zh" ? "English" : "中文";
  document.getElementById("nav").innerHTML = PAGES.map((p) => `<a href="#${p}" class="${p === current ? "active" : ""}" data-page="${p}">${esc(t(p))}</a>`).join("");
  const select = document.getElementById("company-select");
  select.innerHTML = [ALL, ...DATA.companies.map((c) => c.code)].map((code) => `<option value="${code}" ${code === state.company ? "selected" : ""}>${esc(companyName(code))}</option>`).join("");
  const main = document.getElementById("page");
  main.dataset.page = current;
  ({ overview: renderOverview, indicator: (el) => renderIndicator(el, argument), reconciliation: renderReconciliation,
    quality: renderQuality, catalog: renderCatalog })[current](main);
}

document.getElementById("lang-toggle").addEventListener("click", () => { state.lang = state.lang === "zh" ? "en" : "zh"; render(); });
document.getElementById("company-select").addEventListener("change", (e) => { state.company = e.target.value; render(); });
window.addEventListener("hashchange", render);
window.yecaiDashboard = { formatValue, state, render };
render();
