/**
 * `computeMetrics`: the seed's policy metrics, computed from the code and a `runCheck` result. Pure in
 * the sense the CLI needs: it reads the project's files but prints nothing and never exits, so
 * `dbfence metrics` and a future `dbfence audit` share it. The result is plain JSON data.
 */
import type { LoadedConfig } from "../config/load.js";
import { parseSuppressions } from "../engine/suppressions.js";
import type { CheckResult } from "../types.js";
import type { Coverage } from "./coverage.js";
import { FunctionIndex } from "./functions.js";
import { type RouteHandlers, routeHandlers } from "./handlers.js";
import { analyseProject } from "./project.js";
import { type ConnectorUsage, connectorUsage } from "./usage.js";

export type { Coverage } from "./coverage.js";
export type { RouteHandler, RouteHandlers } from "./handlers.js";
export type { ConnectorUsage, UsagePoint } from "./usage.js";

export interface FindingCount {
  code: string;
  name: string;
  count: number;
}

export interface Suppressions {
  /** Suppression directives in trailing comments: `# dbfence: ignore[...]` plus `# noqa: DBF...`. */
  total: number;
  dbfence: number;
  noqa: number;
  /** Directives with no reason (every `# noqa`, and `# dbfence: ignore[...]` with nothing after `]`). */
  withoutReason: number;
  /** DBF901 findings of the check: directives that suppress nothing. */
  unused: number;
  /** How many directives name each code, sorted by code. */
  byCode: { code: string; count: number }[];
}

export interface ExceptionStatus {
  path: string;
  rules: string[];
  reason: string;
  approvedBy: string | null;
  expires: string | null;
  status: "active" | "expired";
}

export interface Exceptions {
  total: number;
  active: number;
  expired: number;
  list: ExceptionStatus[];
}

export interface Metrics {
  metricsVersion: 1;
  /** Absolute project root. */
  root: string;
  /** The date exceptions were judged against, `YYYY-MM-DD`. */
  today: string;
  /** Files checked (as in `check`'s summary). */
  files: number;
  connectorUsage: ConnectorUsage;
  routeHandlers: RouteHandlers;
  findings: {
    total: number;
    errors: number;
    warnings: number;
    byCode: FindingCount[];
  };
  suppressions: Suppressions;
  exceptions: Exceptions;
  /** Null when no coverage report was given. */
  coverage: Coverage | null;
  /** From `dbfence probe` (p95, ms); null when not measured. */
  healthLatencyMs: number | null;
  /** From the finding history; null when not measured. */
  violationsPerWeek: number | null;
}

export interface MetricsOptions {
  /** Absolute files or folders the metrics are about (default: the project root); the whole project is still analysed. */
  paths?: string[];
  /** `YYYY-MM-DD` for exceptions (default: today, UTC). Pass the same date `runCheck` used. */
  today?: string;
  coverage?: Coverage | null;
  healthLatencyMs?: number | null;
  violationsPerWeek?: number | null;
}

export function computeMetrics(loaded: LoadedConfig, result: CheckResult, options: MetricsOptions = {}): Metrics {
  const { root, config } = loaded;
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const project = analyseProject(loaded, options.paths && options.paths.length > 0 ? options.paths : [root]);
  const functions = new FunctionIndex(project, project.infer);

  const byCode = new Map<string, FindingCount>();
  for (const f of result.findings) {
    const entry = byCode.get(f.code) ?? { code: f.code, name: f.name, count: 0 };
    entry.count++;
    byCode.set(f.code, entry);
  }
  const errors = result.findings.filter((f) => f.severity === "error").length;

  const directives = project.files.flatMap((f) => (f.reported && f.parsed ? parseSuppressions(f.parsed.comments) : []));
  const codes = new Map<string, number>();
  for (const d of directives) for (const c of new Set(d.codes)) codes.set(c, (codes.get(c) ?? 0) + 1);

  const exceptions: ExceptionStatus[] = config.exceptions.map((e) => ({
    path: e.path,
    rules: [...e.rules],
    reason: e.reason,
    approvedBy: e.approvedBy,
    expires: e.expires,
    status: e.expires !== null && e.expires < today ? "expired" : "active",
  }));
  const expired = exceptions.filter((e) => e.status === "expired").length;

  return {
    metricsVersion: 1,
    root,
    today,
    files: result.summary.files,
    connectorUsage: connectorUsage(project, functions, config),
    routeHandlers: routeHandlers(project, functions),
    findings: {
      total: result.findings.length,
      errors,
      warnings: result.findings.length - errors,
      byCode: [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    },
    suppressions: {
      total: directives.length,
      dbfence: directives.filter((d) => d.kind === "dbfence").length,
      noqa: directives.filter((d) => d.kind === "noqa").length,
      withoutReason: directives.filter((d) => d.reason === "").length,
      unused: result.findings.filter((f) => f.code === "DBF901").length,
      byCode: [...codes]
        .map(([code, count]) => ({ code, count }))
        .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    },
    exceptions: { total: exceptions.length, active: exceptions.length - expired, expired, list: exceptions },
    coverage: options.coverage ?? null,
    healthLatencyMs: options.healthLatencyMs ?? null,
    violationsPerWeek: options.violationsPerWeek ?? null,
  };
}
