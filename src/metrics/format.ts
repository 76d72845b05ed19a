/** `dbfence metrics` output: a text table (metric, value, threshold, ✅/❌) or JSON. Pure functions. */
import type { Metrics } from "./metrics.js";
import { type BrokenThreshold, brokenThresholds, type ThresholdResult, withUnit } from "./thresholds.js";

/** The JSON document of `dbfence metrics --format json`: the metrics, every threshold, and the broken ones. */
export interface MetricsReport extends Metrics {
  thresholds: ThresholdResult[];
  broken: BrokenThreshold[];
}

export function metricsReport(metrics: Metrics, thresholds: ThresholdResult[]): MetricsReport {
  return { ...metrics, thresholds, broken: brokenThresholds(thresholds) };
}

export function formatMetricsJson(metrics: Metrics, thresholds: ThresholdResult[]): string {
  return `${JSON.stringify(metricsReport(metrics, thresholds), null, 2)}\n`;
}

const MARK: Record<ThresholdResult["status"], string> = { ok: "✅", broken: "❌", "not-measured": "➖" };
const HINT: Record<string, string> = {
  "health-latency-ms-max": "--health-latency-ms N (e.g. the p95 of dbfence probe)",
  "coverage-percent-min": "--coverage FILE (Cobertura coverage.xml or coverage.py coverage.json)",
  "violations-per-week-max": "--violations-per-week N",
};

/** `shownRoot` is the project root as the user should read it (relative to the working folder). */
export function formatMetricsText(metrics: Metrics, thresholds: ThresholdResult[], shownRoot: string): string {
  const rows: [string, string, string, string][] = [];
  const byKey = new Map(thresholds.map((t) => [t.key, t]));
  const judged = (label: string, value: string, key: ThresholdResult["key"]): void => {
    const t = byKey.get(key);
    if (!t) {
      rows.push([label, value, "", ""]);
      return;
    }
    const limit = `${t.comparison === ">=" ? "≥" : "≤"} ${withUnit(t.limit, t.unit)}`;
    rows.push([label, t.actual === null ? "not measured" : value, limit, MARK[t.status]]);
  };
  const info = (label: string, value: string | number): void => {
    rows.push([label, String(value), "", ""]);
  };

  const u = metrics.connectorUsage;
  judged("connector usage points", String(u.points), "connector-usage-points-min");
  info("  session parameters", u.sessionParameters);
  info("  connector API calls", u.connectorCalls);
  info(`  grep count (${u.grepNames.join("|") || "—"})`, `${u.grepCount} (the seed's grep, for comparison)`);
  const h = metrics.routeHandlers;
  info("route handlers", `${h.total} (${h.async} async, ${h.sync} sync)`);
  info("  using the database", h.usingDatabase);
  info("  outside any app", h.outsideApps);
  judged(
    "async endpoints",
    h.none ? "100 % (no route handlers)" : `${h.asyncPercent} % (${h.async} of ${h.total})`,
    "async-endpoints-percent-min",
  );
  const latency = byKey.get("health-latency-ms-max")?.actual;
  judged("health latency", `${latency} ms`, "health-latency-ms-max");
  const cov = metrics.coverage;
  judged("test coverage", cov ? `${cov.percent} % (${cov.format})` : "", "coverage-percent-min");
  const violations = byKey.get("violations-per-week-max")?.actual;
  judged("violations per week", String(violations), "violations-per-week-max");
  const f = metrics.findings;
  info("findings", f.total === 0 ? "0" : `${f.total} (${f.errors} errors, ${f.warnings} warnings)`);
  for (const c of f.byCode) info(`  ${c.code} ${c.name}`, c.count);
  const s = metrics.suppressions;
  info("suppressions", `${s.total} (${s.unused} unused, ${s.withoutReason} without a reason)`);
  const e = metrics.exceptions;
  info("exceptions", `${e.total} (${e.active} active, ${e.expired} expired)`);

  const header: [string, string, string, string] = ["metric", "value", "threshold", ""];
  const all = [header, ...rows];
  // Rows without a threshold end at their value, so a long value does not widen the table.
  const judgedRows = all.filter((r) => r[2] !== "");
  const w0 = Math.max(...all.map((r) => r[0].length));
  const w1 = Math.max(...judgedRows.map((r) => r[1].length));
  const w2 = Math.max(...judgedRows.map((r) => r[2].length));
  const line = (r: [string, string, string, string]): string =>
    r[2] === ""
      ? `${r[0].padEnd(w0)}  ${r[1]}`.trimEnd()
      : `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2].padEnd(w2)}  ${r[3]}`.trimEnd();

  const out = [
    `dbfence metrics for ${shownRoot} (${metrics.files} files checked)`,
    "",
    ...all.map(line),
    "",
    ...verdict(thresholds),
  ];
  return `${out.join("\n")}\n`;
}

function verdict(thresholds: ThresholdResult[]): string[] {
  const broken = brokenThresholds(thresholds);
  const unmeasured = thresholds.filter((t) => t.status === "not-measured");
  const out =
    broken.length === 0
      ? [`✅ every measured threshold is met`]
      : [
          `❌ ${broken.length} threshold${broken.length === 1 ? "" : "s"} broken:`,
          ...broken.map((b) => `  ${b.message}`),
        ];
  if (unmeasured.length > 0) {
    out.push(`➖ ${unmeasured.length} not measured, so not judged:`);
    for (const t of unmeasured) out.push(`  ${t.metric}: pass ${HINT[t.key] ?? t.key}`);
  }
  return out;
}
