/** `dbfence audit`: check + metrics (+ probe), recorded in the history store and the audit log, alerting on broken thresholds. */

import path from "node:path";
import { parseArgs } from "node:util";
import { AUDIT_EXIT, type AuditOutcome, runAudit, shown } from "../audit/audit.js";
import { DELIVERY_DEFAULTS, type DeliveryResult } from "../audit/deliver.js";
import { DEFAULT_AUDIT_LOG } from "../audit/log.js";
import { type Coverage, CoverageError, readCoverage } from "../audit/metrics-adapter.js";
import { openStore, STORE_ENV, storeSpec } from "../history/open.js";
import { sanitizePath } from "../reporters/text.js";
import { type Command, fail } from "./common.js";

function wholeNumber(value: string | undefined, option: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min)
    fail(`${option} must be a whole number ≥ ${min}, got '${value}'`);
  return n;
}

function httpUrl(value: string | undefined, option: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    fail(`${option}: '${value}' is not a URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    fail(`${option}: '${value}' must be an http:// or https:// URL`);
  return value;
}

export const auditCommand: Command = {
  name: "audit",
  summary: "check + metrics (+ probe) recorded in the history store and audit log; alerts on broken thresholds",
  help: `Usage: dbfence audit [PATHS...] [options]

Runs check and metrics (and the health probe with --probe), then records a snapshot (time, repository,
git commit and branch, metrics, findings, thresholds broken) in the history store, appends one JSON
line to the audit log (COMPLIANCE_CHECK_PASSED / COMPLIANCE_CHECK_FAILED with counts), and, when a
threshold is broken, alerts the webhook. The snapshot is stored before any alert is sent.

Options:
  --config FILE                use this config file instead of discovering one
  --store PATH|URL             history store: an SQLite file, or a postgres:// URL
                               (default: $${STORE_ENV}, else .dbfence/history.db in the current folder)
  --audit-log FILE             JSON-lines audit log (default: .dbfence/audit.log in the current folder)
  --repository NAME            the name the audit is filed under (default: $DBFENCE_REPOSITORY,
                               $GITHUB_REPOSITORY for a checkout's top folder, else the project folder's name)
  --probe URL                  also probe the app's health endpoint (e.g. http://127.0.0.1:8000/health/db)
  --probe-count N              requests the probe sends (default 20)
  --probe-timeout-ms N         per-request timeout (default 5000)
  --coverage FILE              test coverage from a Cobertura coverage.xml or coverage.py coverage.json
  --webhook URL                Slack-compatible incoming webhook alerted when a threshold breaks
                               (default: $DBFENCE_WEBHOOK)
  --webhook-retries N          retries after a failed attempt (default 3)
  --webhook-backoff-ms N       wait before the first retry, doubled each time (default 1000)
  --dashboard-url URL          a link to the dashboard, put into the alert
  --post URL                   also send the snapshot to a dbfence serve (POST URL/api/audits),
                               with the token in $DBFENCE_TOKEN; retried like the webhook
  --format text|json           output format (default: text)

Exit codes: 0 passed; 1 failed (error findings or a threshold broken), snapshot stored and alert
delivered; 2 usage or configuration error; 4 snapshot stored, but the webhook alert or --post could not
be delivered after the retries; 5 the snapshot could not be stored (history store unavailable) or the
audit log could not be written.
`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string" },
        store: { type: "string" },
        "audit-log": { type: "string" },
        repository: { type: "string" },
        probe: { type: "string" },
        "probe-count": { type: "string" },
        "probe-timeout-ms": { type: "string" },
        coverage: { type: "string" },
        webhook: { type: "string" },
        "webhook-retries": { type: "string" },
        "webhook-backoff-ms": { type: "string" },
        "dashboard-url": { type: "string" },
        post: { type: "string" },
        format: { type: "string", default: "text" },
      },
    });
    const format = values.format as string;
    if (format !== "text" && format !== "json") fail(`--format must be text or json, got '${format}'`);
    if (values.repository !== undefined && (values.repository.trim() === "" || values.repository.length > 200))
      fail("--repository must be 1 to 200 characters");
    const probeUrl = httpUrl(values.probe, "--probe");
    const webhookUrl = httpUrl(values.webhook ?? process.env.DBFENCE_WEBHOOK, "--webhook");
    const postUrl = httpUrl(values.post, "--post");
    const dashboardUrl = httpUrl(values["dashboard-url"], "--dashboard-url");
    const retries = wholeNumber(values["webhook-retries"], "--webhook-retries", DELIVERY_DEFAULTS.retries);
    const backoffMs = wholeNumber(values["webhook-backoff-ms"], "--webhook-backoff-ms", DELIVERY_DEFAULTS.backoffMs);
    let coverage: Coverage | null = null;
    if (values.coverage !== undefined) {
      try {
        coverage = readCoverage(values.coverage);
      } catch (e) {
        if (e instanceof CoverageError) fail(`--coverage: ${e.message}`);
        throw e;
      }
    }
    const spec = storeSpec(values.store);
    const store = await openStore(spec, { base: process.cwd() });
    const auditLog = path.resolve(values["audit-log"] ?? DEFAULT_AUDIT_LOG);
    let outcome: AuditOutcome;
    try {
      outcome = await runAudit({
        positionals,
        ...(values.config ? { configFile: values.config } : {}),
        store,
        auditLog,
        ...(values.repository ? { repository: values.repository } : {}),
        ...(probeUrl
          ? {
              probe: {
                url: probeUrl,
                count: wholeNumber(values["probe-count"], "--probe-count", 20, 1),
                timeoutMs: wholeNumber(values["probe-timeout-ms"], "--probe-timeout-ms", 5000, 1),
              },
            }
          : {}),
        coverage,
        ...(webhookUrl
          ? {
              webhook: {
                ...DELIVERY_DEFAULTS,
                url: webhookUrl,
                retries,
                backoffMs,
                ...(dashboardUrl ? { dashboardUrl } : {}),
              },
            }
          : {}),
        ...(postUrl
          ? {
              post: {
                ...DELIVERY_DEFAULTS,
                url: postUrl,
                token: process.env.DBFENCE_TOKEN || null,
                retries,
                backoffMs,
              },
            }
          : {}),
      });
    } finally {
      await store.close();
    }
    for (const n of outcome.check.notices) process.stderr.write(`dbfence: warning: ${sanitizePath(n)}\n`);
    if (outcome.storeError) process.stderr.write(`dbfence: the snapshot was not stored: ${outcome.storeError}\n`);
    if (outcome.logError) process.stderr.write(`dbfence: ${outcome.logError}\n`);
    if (outcome.alert && !outcome.alert.delivered)
      process.stderr.write(`dbfence: the webhook alert was not delivered: ${outcome.alert.summary}\n`);
    if (outcome.post && !outcome.post.delivered)
      process.stderr.write(`dbfence: the snapshot was not sent to ${postUrl}: ${postProblem(outcome.post)}\n`);
    if (format === "json") {
      process.stdout.write(
        `${JSON.stringify(
          {
            auditId: outcome.auditId,
            stored: outcome.auditId !== null,
            store: store.location,
            storeError: outcome.storeError,
            auditLog,
            alert: outcome.alert,
            post: outcome.post,
            exitCode: outcome.exitCode,
            snapshot: outcome.snapshot,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      process.stdout.write(formatAuditText(outcome, store.location, auditLog));
    }
    return outcome.exitCode;
  },
};

function postProblem(r: DeliveryResult): string {
  const body = r.body as { error?: unknown } | undefined;
  return typeof body?.error === "string" ? `${r.summary} (${body.error})` : r.summary;
}

function fmt(v: number | null, unit = ""): string {
  return v === null ? "not measured" : `${v}${unit}`;
}

export function formatAuditText(o: AuditOutcome, storeLocation: string, auditLog: string): string {
  const s = o.snapshot;
  const where = [s.git.branch, s.git.commit?.slice(0, 10)].filter(Boolean).join(" @ ");
  const lines = [
    `dbfence audit: ${s.repository}${where ? ` (${where})` : ""}: ${s.status === "passed" ? "PASSED" : "FAILED"}`,
    `  findings: ${s.summary.findings} (${s.summary.errors} errors, ${s.summary.warnings} warnings) in ${s.summary.files} files`,
    ...Object.entries(s.metrics.findingsPerCode)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([code, n]) => `    ${code}  ${n}`),
    `  connector usage points: ${fmt(s.metrics.connectorUsagePoints)}, async endpoints: ${fmt(s.metrics.asyncEndpointsPercent, " %")}, health p95: ${fmt(s.metrics.healthP95Ms, " ms")}`,
    `  violations in the last 7 days: ${fmt(s.metrics.violationsPerWeek)}`,
  ];
  if (s.thresholdsBroken.length > 0) {
    lines.push("  thresholds broken:");
    for (const t of s.thresholdsBroken) lines.push(`    ${t.message}`);
  } else {
    lines.push("  thresholds broken: none");
  }
  lines.push(
    o.auditId !== null
      ? `  stored: audit #${o.auditId} in ${shown(storeLocation)}`
      : `  NOT stored in ${shown(storeLocation)}`,
  );
  if (!o.logError)
    lines.push(
      `  audit log: ${shown(auditLog)} (${s.status === "passed" ? "COMPLIANCE_CHECK_PASSED" : "COMPLIANCE_CHECK_FAILED"})`,
    );
  if (o.alert) lines.push(`  alert: ${o.alert.delivered ? o.alert.summary : `NOT delivered (${o.alert.summary})`}`);
  if (o.post)
    lines.push(`  sent to the server: ${o.post.delivered ? o.post.summary : `NOT delivered (${o.post.summary})`}`);
  if (o.exitCode === AUDIT_EXIT.deliveryFailed) lines.push("  (exit 4: the snapshot is stored; a delivery failed)");
  return `${lines.join("\n")}\n`;
}
