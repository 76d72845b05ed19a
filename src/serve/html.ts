/**
 * The dashboard page, rendered on the server. Every piece of text that came from an audit (messages,
 * paths, repository and branch names) goes through `escapeHtml`; the chart data is embedded as JSON
 * that cannot close its `<script>` element. A strict Content-Security-Policy (server.ts) backs this up.
 */
import type { AuditRow, RepositorySummary, StoredAudit, TrendPoint, WeekViolations } from "../history/store.js";

export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON safe inside `<script type="application/json">`: no `<`, `>`, `&` or line separators left raw. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function repositoryHref(name: string): string {
  return `/repositories/${encodeURIComponent(name)}`;
}

export interface DashboardView {
  repositories: RepositorySummary[];
  selected: {
    repository: string;
    latest: StoredAudit | null;
    trend: TrendPoint[];
    weekly: WeekViolations[];
  } | null;
  generatedAt: Date;
  /** How many findings the table shows before pointing at the API. */
  findingsShown?: number;
}

/** The chart data the browser script reads (`dashboard.js`). */
export function chartData(repository: string, trend: TrendPoint[]): object {
  const codes = [...new Set(trend.flatMap((p) => Object.keys(p.findingsPerCode)))].sort();
  return {
    repository,
    codes,
    points: trend.map((p) => ({
      t: Math.round(Date.parse(p.time) / 1000),
      byCode: p.findingsPerCode,
      usage: p.connectorUsagePoints,
      asyncPct: p.asyncEndpointsPercent,
      p95: p.healthP95Ms,
      errors: p.errors,
      warnings: p.warnings,
    })),
  };
}

const fmtTime = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const num = (v: number | null, unit = ""): string => (v === null ? "—" : `${v}${unit}`);

function statusBadge(status: "passed" | "failed"): string {
  return `<span class="badge ${status}">${status === "passed" ? "passed" : "failed"}</span>`;
}

function repositoriesTable(repos: RepositorySummary[], selected: string | null): string {
  if (repos.length === 0)
    return `<section class="panel"><h2>Repositories</h2><p class="muted">No audits yet. Run <code>dbfence audit</code> in a project, or send one to <code>POST /api/audits</code>.</p></section>`;
  const rows = repos
    .map((r) => {
      const l = r.latest;
      const current = r.repository === selected ? ' class="current"' : "";
      return `<tr${current}><td><a href="${escapeHtml(repositoryHref(r.repository))}">${escapeHtml(r.repository)}</a></td><td>${statusBadge(l.status)}</td><td class="n">${l.errors}</td><td class="n">${l.warnings}</td><td class="n">${l.thresholdsBroken}</td><td>${escapeHtml(fmtTime(l.time))}</td><td>${escapeHtml(l.gitBranch ?? "—")}</td><td class="n">${r.audits}</td></tr>`;
    })
    .join("");
  return `<section class="panel"><h2>Repositories</h2><table class="repos"><thead><tr><th>repository</th><th>status</th><th class="n">errors</th><th class="n">warnings</th><th class="n">thresholds broken</th><th>last audit</th><th>branch</th><th class="n">audits</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function card(label: string, value: string, bad = false): string {
  return `<div class="card${bad ? " bad" : ""}"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div></div>`;
}

function repositoryDetail(view: NonNullable<DashboardView["selected"]>, shown: number): string {
  const { latest, trend, weekly, repository } = view;
  if (!latest)
    return `<section class="panel"><h2>${escapeHtml(repository)}</h2><p class="muted">No audits.</p></section>`;
  const s = latest.snapshot;
  const broken = new Set(s.thresholdsBroken.map((t) => t.key));
  const head = `<section class="panel head"><h2>${escapeHtml(repository)} ${statusBadge(s.status)}</h2><p class="muted">audit #${latest.id} · ${escapeHtml(fmtTime(s.time))}${s.git.branch ? ` · branch <code>${escapeHtml(s.git.branch)}</code>` : ""}${s.git.commit ? ` · commit <code>${escapeHtml(s.git.commit.slice(0, 12))}</code>` : ""} · ${s.summary.files} files · dbfence ${escapeHtml(s.toolVersion)}</p>
<div class="cards">${[
    card("errors", String(s.summary.errors), s.summary.errors > 0),
    card("warnings", String(s.summary.warnings)),
    card("violations, last 7 days", num(s.metrics.violationsPerWeek), broken.has("violations-per-week-max")),
    card("connector usage points", num(s.metrics.connectorUsagePoints), broken.has("connector-usage-points-min")),
    card("async endpoints", num(s.metrics.asyncEndpointsPercent, " %"), broken.has("async-endpoints-percent-min")),
    card("health p95", num(s.metrics.healthP95Ms, " ms"), broken.has("health-latency-ms-max")),
  ].join("")}</div></section>`;

  const thresholds =
    s.thresholdsBroken.length === 0
      ? `<section class="panel"><h2>Thresholds broken</h2><p class="ok" id="thresholds-none">None: every measured threshold holds.</p></section>`
      : `<section class="panel"><h2>Thresholds broken</h2><ul class="thresholds" id="thresholds">${s.thresholdsBroken
          .map((t) => `<li><code>${escapeHtml(t.key)}</code> ${escapeHtml(t.message)}</li>`)
          .join("")}</ul></section>`;

  const charts = `<section class="panel"><h2>Trends <span class="muted">(last ${trend.length} audit${trend.length === 1 ? "" : "s"})</span></h2><div class="charts">
<figure><figcaption>Findings per code</figcaption><div class="chart" id="chart-findings"></div></figure>
<figure><figcaption>Connector usage points</figcaption><div class="chart" id="chart-usage"></div></figure>
<figure><figcaption>Async endpoints (%)</figcaption><div class="chart" id="chart-async"></div></figure>
<figure><figcaption>Health endpoint p95 (ms)</figcaption><div class="chart" id="chart-p95"></div></figure>
</div></section>`;

  const weeks = `<section class="panel"><h2>Violations per week</h2><table class="weeks"><thead><tr>${weekly
    .map((w) => `<th title="from ${escapeHtml(w.start)}">${escapeHtml(w.week)}</th>`)
    .join("")}</tr></thead><tbody><tr>${weekly
    .map(
      (w) =>
        `<td class="n${w.violations > 0 ? " bad" : ""}" title="${w.audits} audits">${w.audits === 0 ? "·" : w.violations}</td>`,
    )
    .join(
      "",
    )}</tr></tbody></table><p class="muted">Distinct error findings (code, file, message) seen in each ISO week's audits; · = no audit that week.</p></section>`;

  const rows = s.findings
    .slice(0, shown)
    .map(
      (f) =>
        `<tr class="${f.severity}"><td><span class="sev ${f.severity}">${f.severity}</span></td><td><code>${escapeHtml(f.code)}</code></td><td class="loc"><code>${escapeHtml(f.path)}:${f.line}</code></td><td class="msg">${escapeHtml(f.message)}</td></tr>`,
    )
    .join("");
  const more =
    s.findings.length > shown
      ? `<p class="muted">${s.findings.length - shown} more in <a href="/api/audits/${latest.id}">/api/audits/${latest.id}</a>.</p>`
      : "";
  const findings = `<section class="panel"><h2>Latest findings <span class="muted">(${s.findings.length})</span></h2>${
    s.findings.length === 0
      ? `<p class="ok">No findings.</p>`
      : `<table class="findings" id="findings"><thead><tr><th>severity</th><th>code</th><th>file:line</th><th>message</th></tr></thead><tbody>${rows}</tbody></table>${more}`
  }</section>`;

  return head + thresholds + charts + weeks + findings;
}

export function renderDashboard(view: DashboardView): string {
  const selected = view.selected;
  const title = selected ? `${selected.repository} · dbfence` : "dbfence dashboard";
  const data = selected ? jsonForScript(chartData(selected.repository, selected.trend)) : "null";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/uPlot.min.css">
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body>
<header><a class="brand" href="/">dbfence</a><span class="muted">database policy audits · ${view.repositories.length} repositor${view.repositories.length === 1 ? "y" : "ies"} · page made ${escapeHtml(fmtTime(view.generatedAt.toISOString()))} · <a href="/api/repositories">JSON API</a></span></header>
<main>
${repositoriesTable(view.repositories, selected?.repository ?? null)}
${selected ? repositoryDetail(selected, view.findingsShown ?? 500) : ""}
</main>
<script type="application/json" id="dbfence-data">${data}</script>
<script src="/assets/uPlot.iife.min.js"></script>
<script src="/assets/dashboard.js"></script>
</body>
</html>
`;
}

export function renderMessagePage(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/assets/dashboard.css"></head><body><header><a class="brand" href="/">dbfence</a></header><main><section class="panel"><h2>${escapeHtml(title)}</h2><p>${escapeHtml(message)}</p></section></main></body></html>`;
}

export type { AuditRow };
