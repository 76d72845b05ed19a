/** The policy thresholds (`[thresholds]` in the config) judged against computed metrics. */
import type { Thresholds } from "../config/load.js";
import type { Metrics } from "./metrics.js";

export type ThresholdKey =
  | "connector-usage-points-min"
  | "async-endpoints-percent-min"
  | "health-latency-ms-max"
  | "coverage-percent-min"
  | "violations-per-week-max";

export interface ThresholdResult {
  /** The config key under `[thresholds]`. */
  key: ThresholdKey;
  /** What is measured, for people: `connector usage points`. */
  metric: string;
  /** `>=`: the value must be at least the limit; `<=`: at most. */
  comparison: ">=" | "<=";
  limit: number;
  unit: "" | "%" | "ms";
  /** Null when the metric was not measured (no coverage report, no probe or history input). */
  actual: number | null;
  status: "ok" | "broken" | "not-measured";
}

export interface BrokenThreshold {
  key: ThresholdKey;
  metric: string;
  comparison: ">=" | "<=";
  limit: number;
  unit: "" | "%" | "ms";
  actual: number;
  /** `connector usage points: 8, needs >= 50 (thresholds.connector-usage-points-min)` */
  message: string;
}

/** Measurements from outside the code: `dbfence probe` (health latency) and the finding history. */
export interface ExtraMeasurements {
  healthLatencyMs?: number | null;
  violationsPerWeek?: number | null;
}

/** Every threshold with its status, in a fixed order. Inputs in `extra` override those in `metrics`. */
export function evaluateThresholds(
  metrics: Metrics,
  thresholds: Thresholds,
  extra: ExtraMeasurements = {},
): ThresholdResult[] {
  const h = metrics.routeHandlers;
  const latency = extra.healthLatencyMs ?? metrics.healthLatencyMs;
  const violations = extra.violationsPerWeek ?? metrics.violationsPerWeek;
  const rows: Omit<ThresholdResult, "status">[] = [
    {
      key: "connector-usage-points-min",
      metric: "connector usage points",
      comparison: ">=",
      limit: thresholds.connectorUsagePointsMin,
      unit: "",
      actual: metrics.connectorUsage.points,
    },
    {
      key: "async-endpoints-percent-min",
      metric: "async endpoints",
      comparison: ">=",
      limit: thresholds.asyncEndpointsPercentMin,
      unit: "%",
      actual: h.asyncPercent,
    },
    {
      key: "health-latency-ms-max",
      metric: "health latency",
      comparison: "<=",
      limit: thresholds.healthLatencyMsMax,
      unit: "ms",
      actual: latency,
    },
    {
      key: "coverage-percent-min",
      metric: "test coverage",
      comparison: ">=",
      limit: thresholds.coveragePercentMin,
      unit: "%",
      actual: metrics.coverage?.percent ?? null,
    },
    {
      key: "violations-per-week-max",
      metric: "violations per week",
      comparison: "<=",
      limit: thresholds.violationsPerWeekMax,
      unit: "",
      actual: violations,
    },
  ];
  return rows.map((r) => {
    if (r.actual === null) return { ...r, status: "not-measured" };
    // The async share is compared from its counts, so 94.96 % (shown as 95.0 %) does not pass 95.
    const ok =
      r.key === "async-endpoints-percent-min" && !h.none
        ? h.async * 100 >= r.limit * h.total
        : r.comparison === ">="
          ? r.actual >= r.limit
          : r.actual <= r.limit;
    return { ...r, status: ok ? "ok" : "broken" };
  });
}

/** The thresholds the metrics break; a metric that was not measured breaks nothing. */
export function checkThresholds(
  metrics: Metrics,
  thresholds: Thresholds,
  extra: ExtraMeasurements = {},
): BrokenThreshold[] {
  return brokenThresholds(evaluateThresholds(metrics, thresholds, extra));
}

/** The broken entries of `evaluateThresholds`, each with a message that names its config key. */
export function brokenThresholds(results: readonly ThresholdResult[]): BrokenThreshold[] {
  return results
    .filter((r) => r.status === "broken")
    .map((r) => {
      const actual = r.actual as number;
      const needs = `${r.comparison === ">=" ? "≥" : "≤"} ${withUnit(r.limit, r.unit)}`;
      return {
        key: r.key,
        metric: r.metric,
        comparison: r.comparison,
        limit: r.limit,
        unit: r.unit,
        actual,
        message: `${r.metric}: ${withUnit(actual, r.unit)}, needs ${needs} (thresholds.${r.key})`,
      };
    });
}

export function withUnit(n: number, unit: ThresholdResult["unit"]): string {
  return unit === "" ? String(n) : `${n} ${unit}`;
}
