/**
 * The one place `audit` touches the metrics API (src/metrics/, owned by `dbfence metrics`): what the
 * snapshot needs from it, in the snapshot's own vocabulary. If the metrics API changes, only this
 * file follows.
 */
import type { LoadedConfig } from "../config/load.js";
import type { BrokenThreshold } from "../history/snapshot.js";
import { type Coverage, checkThresholds, computeMetrics, type Metrics } from "../metrics/index.js";
import type { CheckResult } from "../types.js";

export type { Coverage } from "../metrics/index.js";
export { CoverageError, readCoverage } from "../metrics/index.js";

export interface AuditMeasures {
  connectorUsagePoints: number | null;
  asyncEndpointsPercent: number | null;
  routeHandlers: number | null;
  /** `dbfence metrics --format json` data, kept in the snapshot as `metrics.details`. */
  details: Metrics;
}

export function measure(
  loaded: LoadedConfig,
  result: CheckResult,
  opts: { paths: string[]; today: string; coverage: Coverage | null },
): AuditMeasures {
  const details = computeMetrics(loaded, result, { paths: opts.paths, today: opts.today, coverage: opts.coverage });
  return {
    connectorUsagePoints: details.connectorUsage.points,
    // With no route handlers at all there is no share to speak of.
    asyncEndpointsPercent: details.routeHandlers.none ? null : details.routeHandlers.asyncPercent,
    routeHandlers: details.routeHandlers.total,
    details,
  };
}

/** The `[thresholds]` the audit breaks, with the measurements only an audit has (probe, history). */
export function thresholdsBroken(
  loaded: LoadedConfig,
  measures: AuditMeasures,
  extra: { healthLatencyMs: number | null; violationsPerWeek: number | null },
): BrokenThreshold[] {
  return checkThresholds(measures.details, loaded.config.thresholds, extra).map((b) => ({
    key: b.key,
    metric: b.metric,
    comparison: b.comparison,
    limit: b.limit,
    unit: b.unit,
    actual: b.actual,
    message: b.message,
  }));
}
