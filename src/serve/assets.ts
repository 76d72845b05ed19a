/**
 * Static files of the dashboard: uPlot's own build, read from node_modules (no CDN: the page works
 * offline), and the page's script and style sheet, kept here as text so the build ships them.
 */
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export interface Asset {
  type: string;
  body: string;
}

function uplotFile(name: string): string {
  return fs.readFileSync(require.resolve(`uplot/dist/${name}`), "utf8");
}

let cache: Map<string, Asset> | null = null;

/** The assets by file name, loaded once. */
export function assets(): Map<string, Asset> {
  if (cache) return cache;
  cache = new Map([
    ["uPlot.iife.min.js", { type: "text/javascript; charset=utf-8", body: uplotFile("uPlot.iife.min.js") }],
    ["uPlot.min.css", { type: "text/css; charset=utf-8", body: uplotFile("uPlot.min.css") }],
    ["dashboard.js", { type: "text/javascript; charset=utf-8", body: DASHBOARD_JS }],
    ["dashboard.css", { type: "text/css; charset=utf-8", body: DASHBOARD_CSS }],
    ["favicon.svg", { type: "image/svg+xml", body: FAVICON_SVG }],
  ]);
  return cache;
}

const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 2 4 7v8c0 7.5 5.1 13.3 12 15 6.9-1.7 12-7.5 12-15V7z" fill="#111827"/><path d="m10 16 4 4 8-9" fill="none" stroke="#93c5fd" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

/** Draws the four trend charts from `#dbfence-data`; records each chart in `window.dbfenceCharts`. */
const DASHBOARD_JS = `"use strict";
(function () {
  var charts = [];
  window.dbfenceCharts = charts;
  var holder = document.getElementById("dbfence-data");
  var data = holder ? JSON.parse(holder.textContent || "null") : null;
  if (!data || typeof uPlot === "undefined") { document.body.setAttribute("data-charts", "none"); return; }
  var palette = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
  var xs = data.points.map(function (p) { return p.t; });

  function draw(id, series, values) {
    var host = document.getElementById(id);
    if (!host) return;
    var measured = values.some(function (v) { return v.some(function (x) { return x !== null && x !== undefined; }); });
    if (xs.length === 0 || !measured) {
      host.classList.add("empty");
      host.textContent = "not measured yet";
      return;
    }
    var opts = {
      width: Math.max(280, host.clientWidth || 480),
      height: 200,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{ stroke: "#555", grid: { stroke: "#eee" } }, { stroke: "#555", grid: { stroke: "#eee" }, size: 48 }],
      series: [{ label: "time", value: "{YYYY}-{MM}-{DD} {HH}:{mm}" }].concat(series.map(function (s, i) {
        var color = s.color || palette[i % palette.length];
        return { label: s.label, stroke: color, width: 2, fill: s.fill ? color + "22" : undefined, points: { show: true, size: 5 }, spanGaps: false };
      })),
    };
    var plot = new uPlot(opts, [xs].concat(values), host);
    charts.push({ id: id, points: xs.length, series: series.length, plot: plot });
  }

  draw("chart-findings", data.codes.map(function (c) { return { label: c }; }), data.codes.map(function (c) {
    return data.points.map(function (p) { return p.byCode[c] || 0; });
  }));
  draw("chart-usage", [{ label: "usage points", color: "#1f77b4", fill: true }], [data.points.map(function (p) { return p.usage; })]);
  draw("chart-async", [{ label: "async endpoints %", color: "#2ca02c", fill: true }], [data.points.map(function (p) { return p.asyncPct; })]);
  draw("chart-p95", [{ label: "p95 ms", color: "#ff7f0e", fill: true }], [data.points.map(function (p) { return p.p95; })]);

  window.addEventListener("resize", function () {
    charts.forEach(function (c) {
      var host = document.getElementById(c.id);
      if (host) c.plot.setSize({ width: Math.max(280, host.clientWidth), height: 200 });
    });
  });
  document.body.setAttribute("data-charts", String(charts.length));
})();
`;

const DASHBOARD_CSS = `
:root { --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #6b7280; --line: #e5e7eb; --bad: #b42318; --bad-bg: #fef3f2; --ok: #067647; --ok-bg: #ecfdf3; --warn: #b54708; --warn-bg: #fffaeb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; gap: 16px; align-items: baseline; padding: 12px 24px; background: #111827; color: #e5e7eb; }
header a { color: #93c5fd; }
header .muted { color: #9ca3af; }
.brand { font-weight: 700; font-size: 18px; color: #fff !important; text-decoration: none; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 14px 0; }
h2 { margin: 0 0 10px; font-size: 16px; display: flex; gap: 10px; align-items: center; }
.muted { color: var(--muted); font-weight: normal; }
code { font: 12.5px/1.3 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.current td { background: #eff6ff; }
.badge { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 999px; }
.badge.passed { color: var(--ok); background: var(--ok-bg); }
.badge.failed { color: var(--bad); background: var(--bad-bg); }
.cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card .label { font-size: 12px; color: var(--muted); }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card.bad { border-color: #fda29b; background: var(--bad-bg); }
.card.bad .value { color: var(--bad); }
.thresholds { margin: 0; padding-left: 18px; color: var(--bad); }
.thresholds li { margin: 3px 0; }
.ok { color: var(--ok); margin: 0; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
figure { margin: 0; min-width: 0; }
figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
.chart { min-height: 200px; }
.chart.empty { display: flex; align-items: center; justify-content: center; color: var(--muted); border: 1px dashed var(--line); border-radius: 6px; }
.weeks td.bad { color: var(--bad); font-weight: 600; }
.findings td.loc { white-space: nowrap; }
.findings td.msg { max-width: 640px; }
.sev { font-size: 11px; font-weight: 600; text-transform: uppercase; padding: 1px 6px; border-radius: 4px; }
.sev.error { color: var(--bad); background: var(--bad-bg); }
.sev.warning { color: var(--warn); background: var(--warn-bg); }
@media (max-width: 900px) { .cards { grid-template-columns: repeat(3, 1fr); } .charts { grid-template-columns: 1fr; } }
`;
