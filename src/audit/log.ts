/**
 * The audit log: one JSON object per line, appended (never rewritten). Each line is written with one
 * `appendFileSync` (O_APPEND), so lines from audits running at the same time do not interleave.
 */
import fs from "node:fs";
import path from "node:path";
import type { AuditSnapshot } from "../history/snapshot.js";

export const DEFAULT_AUDIT_LOG = path.join(".dbfence", "audit.log");

export type AuditEvent = "COMPLIANCE_CHECK_PASSED" | "COMPLIANCE_CHECK_FAILED" | "ALERT_DELIVERY_FAILED";

export interface ComplianceLine {
  time: string;
  event: "COMPLIANCE_CHECK_PASSED" | "COMPLIANCE_CHECK_FAILED";
  repository: string;
  commit: string | null;
  branch: string | null;
  /** The snapshot's id in the history store; null when it could not be stored. */
  auditId: number | null;
  store: string;
  counts: {
    files: number;
    findings: number;
    errors: number;
    warnings: number;
    thresholdsBroken: number;
    violationsPerWeek: number | null;
  };
  byCode: Record<string, number>;
  thresholdsBroken: string[];
}

export function complianceLine(s: AuditSnapshot, auditId: number | null, store: string): ComplianceLine {
  return {
    time: s.time,
    event: s.status === "passed" ? "COMPLIANCE_CHECK_PASSED" : "COMPLIANCE_CHECK_FAILED",
    repository: s.repository,
    commit: s.git.commit,
    branch: s.git.branch,
    auditId,
    store,
    counts: {
      files: s.summary.files,
      findings: s.summary.findings,
      errors: s.summary.errors,
      warnings: s.summary.warnings,
      thresholdsBroken: s.thresholdsBroken.length,
      violationsPerWeek: s.metrics.violationsPerWeek,
    },
    byCode: s.metrics.findingsPerCode,
    thresholdsBroken: s.thresholdsBroken.map((t) => t.key),
  };
}

export function appendAuditLog(file: string, entry: object): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${JSON.stringify(entry)}\n`, { encoding: "utf8", flag: "a" });
}
