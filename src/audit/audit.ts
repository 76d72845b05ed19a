/**
 * One audit: check + metrics (+ probe) → snapshot → history store → audit log → alert. The order is
 * the guarantee: the snapshot is stored and logged before any network delivery is tried, so a
 * webhook that fails (or hangs, or the process being killed while it retries) never loses it.
 */
import path from "node:path";
import { loadProject } from "../cli/common.js";
import { runCheck } from "../engine/run.js";
import { type AuditSnapshot, type ProbeSummary, SNAPSHOT_VERSION } from "../history/snapshot.js";
import { contentSha256, errorViolationKeys, type HistoryStore, violationKey } from "../history/store.js";
import { probe } from "../probe/probe.js";
import type { CheckResult } from "../types.js";
import { VERSION } from "../version.js";
import { alertMessage, type DeliveryOptions, type DeliveryResult, deliver } from "./deliver.js";
import { gitInfo, repositoryName } from "./git.js";
import { appendAuditLog, complianceLine } from "./log.js";
import { type Coverage, measure, thresholdsBroken } from "./metrics-adapter.js";

/** How far back "violations per week" looks: the 7 days up to the audit. */
export const WEEK_MS = 7 * 86_400_000;

export interface AuditOptions {
  positionals: string[];
  configFile?: string;
  store: HistoryStore;
  /** Where the audit log is appended; null: no log. */
  auditLog: string | null;
  repository?: string;
  probe?: { url: string; count: number; timeoutMs: number };
  coverage?: Coverage | null;
  webhook?: { url: string; dashboardUrl?: string } & DeliveryOptions;
  /** Also send the snapshot to a `dbfence serve` (`POST /api/audits`). */
  post?: { url: string; token: string | null } & DeliveryOptions;
  now?: Date;
  env?: NodeJS.ProcessEnv;
}

export interface AuditOutcome {
  snapshot: AuditSnapshot;
  check: CheckResult;
  auditId: number | null;
  /** Why the snapshot is not in the store (null when it is). */
  storeError: string | null;
  /** Why the audit log line could not be written (null when it was, or no log was asked for). */
  logError: string | null;
  /** Null when no alert was due (no threshold broken) or no webhook was given. */
  alert: DeliveryResult | null;
  post: DeliveryResult | null;
  /** See AUDIT_EXIT. */
  exitCode: number;
}

/** `dbfence audit` exit codes (docs/audits.md). */
export const AUDIT_EXIT = {
  passed: 0,
  failed: 1,
  usage: 2,
  deliveryFailed: 4,
  notRecorded: 5,
} as const;

export async function runAudit(opts: AuditOptions): Promise<AuditOutcome> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? new Date();
  const today = now.toISOString().slice(0, 10);
  const { loaded, paths } = loadProject(opts.positionals, opts.configFile);
  const check = runCheck({ loaded, paths, today });
  const measures = measure(loaded, check, { paths, today, coverage: opts.coverage ?? null });

  let probeSummary: ProbeSummary | null = null;
  if (opts.probe) {
    const r = await probe({ ...opts.probe, thresholdMs: loaded.config.thresholds.healthLatencyMsMax });
    probeSummary = {
      url: r.url,
      count: r.count,
      ok: r.ok,
      p50Ms: r.p50Ms,
      p95Ms: r.p95Ms,
      maxMs: r.maxMs,
      thresholdMs: r.thresholdMs,
      healthy: r.healthy,
    };
  }
  // A request that did not answer 2xx did not do its job: the endpoint is then judged at the timeout,
  // so the health-latency threshold breaks (as `dbfence probe` calls it "not healthy").
  const healthP95Ms =
    probeSummary === null || !opts.probe
      ? null
      : probeSummary.ok < probeSummary.count
        ? opts.probe.timeoutMs
        : probeSummary.p95Ms;

  const git = gitInfo(loaded.root, env);
  const repository = repositoryName(loaded.root, git, opts.repository, env);

  // Violations per week: distinct error findings over the last 7 days of history plus this audit.
  let storeError: string | null = null;
  const keys = new Set<string>(errorViolationKeys(check.findings));
  try {
    const since = new Date(now.getTime() - WEEK_MS);
    for (const k of await opts.store.violationsBetween(repository, since, new Date(now.getTime() + 1)))
      keys.add(violationKey(k));
  } catch (e) {
    storeError = e instanceof Error ? e.message : String(e);
  }
  const violationsPerWeek = keys.size;

  const broken = thresholdsBroken(loaded, measures, { healthLatencyMs: healthP95Ms, violationsPerWeek });
  const findingsPerCode: Record<string, number> = {};
  for (const f of [...check.findings].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)))
    findingsPerCode[f.code] = (findingsPerCode[f.code] ?? 0) + 1;

  const snapshot: AuditSnapshot = {
    snapshotVersion: SNAPSHOT_VERSION,
    time: now.toISOString(),
    repository,
    git: { commit: git.commit, branch: git.branch },
    toolVersion: VERSION,
    status: check.summary.errors > 0 || broken.length > 0 ? "failed" : "passed",
    summary: {
      files: check.summary.files,
      findings: check.summary.findings,
      errors: check.summary.errors,
      warnings: check.summary.warnings,
    },
    metrics: {
      connectorUsagePoints: measures.connectorUsagePoints,
      asyncEndpointsPercent: measures.asyncEndpointsPercent,
      routeHandlers: measures.routeHandlers,
      findingsPerCode,
      healthP95Ms,
      violationsPerWeek,
      details: { ...measures.details, healthLatencyMs: healthP95Ms, violationsPerWeek },
    },
    probe: probeSummary,
    findings: check.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      path: f.path,
      line: f.line,
      column: f.column,
      message: f.message,
    })),
    thresholdsBroken: broken,
  };

  // 1. The store.
  let auditId: number | null = null;
  if (storeError === null) {
    try {
      auditId = await opts.store.insertAudit(snapshot);
    } catch (e) {
      storeError = e instanceof Error ? e.message : String(e);
    }
  }

  // 2. The audit log (also when the store failed: the compliance result is still on record).
  let logError: string | null = null;
  if (opts.auditLog) {
    try {
      appendAuditLog(opts.auditLog, complianceLine(snapshot, auditId, opts.store.location));
    } catch (e) {
      logError = `cannot append to the audit log ${opts.auditLog}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  // 3. Deliveries, each retried with backoff; failures are recorded, nothing is lost.
  let alert: DeliveryResult | null = null;
  if (opts.webhook && broken.length > 0) {
    const { url, dashboardUrl, ...delivery } = opts.webhook;
    alert = await deliver(url, alertMessage(snapshot, auditId, dashboardUrl), delivery);
    if (!alert.delivered && opts.auditLog && logError === null) {
      try {
        appendAuditLog(opts.auditLog, {
          time: new Date().toISOString(),
          event: "ALERT_DELIVERY_FAILED",
          repository,
          auditId,
          webhook: redactWebhook(url),
          result: alert.summary,
        });
      } catch {
        // The compliance line is written; this one only adds detail.
      }
    }
  }
  let post: DeliveryResult | null = null;
  if (opts.post) {
    const { url, token, ...delivery } = opts.post;
    // The same key on every attempt: a retry after a timeout whose request did reach the store gets the
    // audit already stored (200), not a second one.
    post = await deliver(auditsEndpoint(url), snapshot, {
      ...delivery,
      headers: {
        "idempotency-key": `dbfence-audit-${contentSha256(snapshot)}`,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  }

  const exitCode =
    storeError !== null || logError !== null
      ? AUDIT_EXIT.notRecorded
      : (alert && !alert.delivered) || (post && !post.delivered)
        ? AUDIT_EXIT.deliveryFailed
        : snapshot.status === "failed"
          ? AUDIT_EXIT.failed
          : AUDIT_EXIT.passed;
  return { snapshot, check, auditId, storeError, logError, alert, post, exitCode };
}

/** `https://dbfence.example` → `https://dbfence.example/api/audits`; a URL already ending so is kept. */
export function auditsEndpoint(url: string): string {
  const u = new URL(url);
  if (!u.pathname.endsWith("/api/audits")) u.pathname = `${u.pathname.replace(/\/+$/, "")}/api/audits`;
  return u.toString();
}

/** Webhook URLs carry their secret in the path; logs keep only the host. */
export function redactWebhook(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "(webhook)";
  }
}

/** A path as shown to people: relative to the working folder when inside it. */
export function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : p;
}
