/** The metrics API shared by `dbfence metrics` and, later, `dbfence audit`. */
export { type Coverage, CoverageError, parseCoverage, readCoverage } from "./coverage.js";
export { formatMetricsJson, formatMetricsText, type MetricsReport, metricsReport } from "./format.js";
export {
  computeMetrics,
  type ExceptionStatus,
  type Exceptions,
  type FindingCount,
  type Metrics,
  type MetricsOptions,
  type RouteHandler,
  type RouteHandlers,
  type Suppressions,
} from "./metrics.js";
export {
  type BrokenThreshold,
  brokenThresholds,
  checkThresholds,
  type ExtraMeasurements,
  evaluateThresholds,
  type ThresholdKey,
  type ThresholdResult,
} from "./thresholds.js";
export type { ConnectorUsage, UsagePoint } from "./usage.js";
