/**
 * The history store: audit snapshots over time, one interface for SQLite and PostgreSQL. The SQL is
 * shared (written with `?` placeholders; PostgreSQL gets `$1, $2, ...`), every value is a bound
 * parameter, and rows map to the same objects in both.
 */
import { createHash } from "node:crypto";
import type { AuditSnapshot, BrokenThreshold, SnapshotFinding } from "./snapshot.js";

/** One audit as a point on the trend charts (no findings, no full snapshot). */
export interface AuditRow {
  id: number;
  repository: string;
  time: string;
  receivedAt: string;
  gitCommit: string | null;
  gitBranch: string | null;
  status: "passed" | "failed";
  files: number;
  findings: number;
  errors: number;
  warnings: number;
  thresholdsBroken: number;
  connectorUsagePoints: number | null;
  asyncEndpointsPercent: number | null;
  healthP95Ms: number | null;
  violationsPerWeek: number | null;
}

export interface TrendPoint extends AuditRow {
  findingsPerCode: Record<string, number>;
}

export interface RepositorySummary {
  repository: string;
  audits: number;
  firstTime: string;
  latest: AuditRow;
}

export interface StoredAudit {
  id: number;
  receivedAt: string;
  snapshot: AuditSnapshot;
}

export interface WeekViolations {
  /** ISO week, e.g. `2026-W48`. */
  week: string;
  /** Monday of that week, `YYYY-MM-DD` (UTC). */
  start: string;
  /** Distinct error findings (see `violationKey`) seen in that week's audits. */
  violations: number;
  audits: number;
}

export interface HistoryStore {
  readonly kind: "sqlite" | "postgres";
  /** Where it is, safe to print (no password). */
  readonly location: string;
  /** Creates or upgrades the schema (idempotent; safe when several processes start at once). */
  migrate(): Promise<void>;
  /** Schema versions applied, oldest first. */
  appliedMigrations(): Promise<number[]>;
  insertAudit(snapshot: AuditSnapshot, receivedAt?: Date): Promise<number>;
  /**
   * Stores the audit unless an audit with the same idempotency key is stored already (then that one is
   * returned, `created: false`, with its content hash so the caller can tell a retry from a key reused
   * for other content). Safe under concurrent calls with the same key, across processes.
   */
  ingestAudit(snapshot: AuditSnapshot, idempotencyKey: string, receivedAt?: Date): Promise<IngestResult>;
  getAudit(id: number): Promise<StoredAudit | null>;
  latestAudit(repository: string): Promise<StoredAudit | null>;
  repositories(): Promise<RepositorySummary[]>;
  /** The newest `limit` audits of a repository, oldest first, with findings per code. */
  trend(repository: string, limit: number): Promise<TrendPoint[]>;
  countAudits(repository?: string): Promise<number>;
  /** Distinct error findings (see `violationKey`) in audits with `since <= time < until`. */
  violationsBetween(repository: string, since: Date, until: Date): Promise<ViolationKey[]>;
  /** Violations per ISO week for the `weeks` weeks up to and including the week of `now`. */
  weeklyViolations(repository: string, weeks: number, now?: Date): Promise<WeekViolations[]>;
  /** Answers when the store is reachable and its schema is in place. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface IngestResult {
  id: number;
  created: boolean;
  /** The stored audit's content hash (`contentSha256`). */
  contentSha256: string | null;
}

export interface ViolationKey {
  code: string;
  path: string;
  message: string;
  occurrence: number;
}

/**
 * Any failure of the store itself (unreachable, locked, missing, corrupt, too slow): the server answers
 * 503. `message` is for the log and for authenticated callers (it names the store's location); `reason`
 * is for everyone (it names none: no user, host, database or file).
 */
export class StoreError extends Error {
  readonly reason: string;
  constructor(
    message: string,
    override readonly cause?: unknown,
    reason?: string,
  ) {
    super(message);
    this.name = "StoreError";
    this.reason = reason ?? publicReason(cause);
  }
}

export function storeError(what: string, e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown }).code;
  return new StoreError(
    `${what}: ${detail}${typeof code === "string" && !detail.includes(code) ? ` (${code})` : ""}`,
    e,
  );
}

/** PostgreSQL SQLSTATEs and driver codes → a reason that is safe to show anyone. */
const PUBLIC_REASONS: [RegExp, string][] = [
  [/^(SQLITE_BUSY|SQLITE_LOCKED)/, "the store is locked by another writer"],
  [/^SQLITE_(CANTOPEN|NOTADB|CORRUPT|READONLY|IOERR|FULL|PERM)/, "the store's file cannot be used"],
  [/^57014$/, "the store did not answer within the statement timeout"],
  [/^3D000$/, "the database does not exist"],
  [/^(28000|28P01)$/, "the store refused the login"],
  [/^(57P0[1-3]|08\d\d\d)$/, "the connection to the store was lost"],
  [
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/,
    "the store refuses connections or cannot be reached",
  ],
  [/^(ECONNRESET|EPIPE)$/, "the connection to the store was lost"],
];

function publicReason(cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") for (const [re, reason] of PUBLIC_REASONS) if (re.test(code)) return reason;
  const message = cause instanceof Error ? cause.message : "";
  if (/timeout|timed out/i.test(message)) return "the store did not answer in time";
  if (/Connection terminated/i.test(message)) return "the connection to the store was lost";
  if (/schema version \d+/.test(message)) return "the store was made by a newer dbfence; upgrade dbfence";
  return "the store failed (the server log has the details)";
}

// ---- shared SQL -------------------------------------------------------------------------------------

export const AUDIT_COLUMNS =
  "id, repository, created_at, received_at, git_commit, git_branch, status, files, findings, errors, warnings, " +
  "thresholds_broken, connector_usage_points, async_endpoints_percent, health_p95_ms, violations_per_week";

export const SQL = {
  insertAudit:
    "INSERT INTO audits (repository, created_at, received_at, git_commit, git_branch, status, files, findings, errors, " +
    "warnings, thresholds_broken, connector_usage_points, async_endpoints_percent, health_p95_ms, violations_per_week, " +
    "snapshot, idempotency_key, content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  /** Appended to `insertAudit` with a key: no row and no error when the key is taken. */
  onKeyTaken: " ON CONFLICT (idempotency_key) DO NOTHING",
  auditByKey: "SELECT id, content_sha256 FROM audits WHERE idempotency_key = ?",
  findingColumns: "(audit_id, ordinal, code, severity, path, line, col, message, occurrence)",
  getAudit: `SELECT ${AUDIT_COLUMNS}, snapshot FROM audits WHERE id = ?`,
  latestAudit: `SELECT ${AUDIT_COLUMNS}, snapshot FROM audits WHERE repository = ? ORDER BY created_at DESC, id DESC LIMIT 1`,
  findingsOf: "SELECT code, severity, path, line, col, message FROM audit_findings WHERE audit_id = ? ORDER BY ordinal",
  repositories: `SELECT ${AUDIT_COLUMNS}, audit_count, first_time FROM (
      SELECT a.*, ROW_NUMBER() OVER (PARTITION BY repository ORDER BY created_at DESC, id DESC) AS rn,
             COUNT(*) OVER (PARTITION BY repository) AS audit_count,
             MIN(created_at) OVER (PARTITION BY repository) AS first_time
      FROM audits a) latest
    WHERE rn = 1 ORDER BY repository`,
  trendAudits: `SELECT ${AUDIT_COLUMNS} FROM audits WHERE repository = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
  trendCodes: `SELECT f.audit_id, f.code, COUNT(*) AS n FROM audit_findings f
      WHERE f.audit_id IN (SELECT id FROM audits WHERE repository = ? ORDER BY created_at DESC, id DESC LIMIT ?)
      GROUP BY f.audit_id, f.code`,
  countAll: "SELECT COUNT(*) AS n FROM audits",
  countRepository: "SELECT COUNT(*) AS n FROM audits WHERE repository = ?",
  violationsBetween: `SELECT DISTINCT f.code, f.path, f.message, f.occurrence FROM audit_findings f JOIN audits a ON a.id = f.audit_id
      WHERE a.repository = ? AND a.created_at >= ? AND a.created_at < ? AND f.severity = 'error'`,
  violationsByDay: `SELECT DISTINCT substr(a.created_at, 1, 10) AS day, f.code, f.path, f.message, f.occurrence
      FROM audit_findings f JOIN audits a ON a.id = f.audit_id
      WHERE a.repository = ? AND a.created_at >= ? AND a.created_at < ? AND f.severity = 'error'`,
  auditDays: `SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS n FROM audits
      WHERE repository = ? AND created_at >= ? AND created_at < ? GROUP BY substr(created_at, 1, 10)`,
  appliedMigrations: "SELECT version FROM schema_migrations ORDER BY version",
  recordMigration: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
} as const;

/** `?` → `$1, $2, ...` for PostgreSQL (our SQL has no `?` inside literals). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The values of `SQL.insertAudit`, in order. The stored snapshot leaves out findings (they have a table). */
export function auditValues(s: AuditSnapshot, receivedAt: Date, idempotencyKey: string | null = null): unknown[] {
  const { findings: _findings, ...rest } = s;
  return [
    s.repository,
    normaliseTime(s.time),
    receivedAt.toISOString(),
    s.git.commit,
    s.git.branch,
    s.status,
    s.summary.files,
    s.summary.findings,
    s.summary.errors,
    s.summary.warnings,
    s.thresholdsBroken.length,
    s.metrics.connectorUsagePoints,
    s.metrics.asyncEndpointsPercent,
    s.metrics.healthP95Ms,
    s.metrics.violationsPerWeek,
    JSON.stringify(rest),
    idempotencyKey,
    contentSha256(s),
  ];
}

/** SHA-256 of the snapshot as JSON with every object's keys sorted: the same audit, however it was spelled. */
export function contentSha256(s: AuditSnapshot): string {
  const sorted = JSON.stringify(s, (_key, value: unknown) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
  return createHash("sha256").update(sorted, "utf8").digest("hex");
}

/** The rows of `audit_findings` for one audit, each with its occurrence (see `violationKey`). */
export function findingRows(auditId: number, findings: readonly SnapshotFinding[]): unknown[][] {
  const seen = new Map<string, number>();
  return findings.map((f, ordinal) => {
    const key = JSON.stringify([f.code, f.path, f.message]);
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return [auditId, ordinal, f.code, f.severity, f.path, f.line, f.column, f.message, occurrence];
  });
}

/**
 * A violation's identity across audits: code, file, message and which occurrence of that triple it is
 * in its audit. Lines are left out so an edit above a finding does not make it a new violation; the
 * occurrence keeps two identical findings in one file two violations.
 */
export function violationKey(v: ViolationKey): string {
  return JSON.stringify([v.code, v.path, v.message, v.occurrence]);
}

/** The violation keys of one audit's error findings. */
export function errorViolationKeys(findings: readonly SnapshotFinding[]): string[] {
  return findingRows(0, findings)
    .filter((r) => r[3] === "error")
    .map((r) => JSON.stringify([r[2], r[4], r[7], r[8]]));
}

export function normaliseTime(iso: string): string {
  return new Date(iso).toISOString();
}

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toAuditRow(r: Row): AuditRow {
  return {
    id: num(r.id),
    repository: String(r.repository),
    time: String(r.created_at),
    receivedAt: String(r.received_at),
    gitCommit: strOrNull(r.git_commit),
    gitBranch: strOrNull(r.git_branch),
    status: r.status === "passed" ? "passed" : "failed",
    files: num(r.files),
    findings: num(r.findings),
    errors: num(r.errors),
    warnings: num(r.warnings),
    thresholdsBroken: num(r.thresholds_broken),
    connectorUsagePoints: numOrNull(r.connector_usage_points),
    asyncEndpointsPercent: numOrNull(r.async_endpoints_percent),
    healthP95Ms: numOrNull(r.health_p95_ms),
    violationsPerWeek: numOrNull(r.violations_per_week),
  };
}

export function toStoredAudit(r: Row, findings: Row[]): StoredAudit {
  const rest = JSON.parse(String(r.snapshot)) as Omit<AuditSnapshot, "findings">;
  return {
    id: num(r.id),
    receivedAt: String(r.received_at),
    snapshot: {
      ...rest,
      findings: findings.map((f) => ({
        code: String(f.code),
        severity: f.severity === "warning" ? "warning" : "error",
        path: String(f.path),
        line: num(f.line),
        column: num(f.col),
        message: String(f.message),
      })),
    },
  };
}

export function toSummary(r: Row): RepositorySummary {
  return {
    repository: String(r.repository),
    audits: num(r.audit_count),
    firstTime: String(r.first_time),
    latest: toAuditRow(r),
  };
}

export function toTrend(audits: Row[], codes: Row[]): TrendPoint[] {
  const perAudit = new Map<number, Record<string, number>>();
  for (const c of codes) {
    const id = num(c.audit_id);
    const m = perAudit.get(id) ?? {};
    perAudit.set(id, m);
    m[String(c.code)] = num(c.n);
  }
  return audits
    .map((r) => {
      const row = toAuditRow(r);
      return { ...row, findingsPerCode: perAudit.get(row.id) ?? {} };
    })
    .reverse();
}

export function toViolationKeys(rows: Row[]): ViolationKey[] {
  return rows.map((r) => ({
    code: String(r.code),
    path: String(r.path),
    message: String(r.message),
    occurrence: num(r.occurrence),
  }));
}

// ---- weeks ------------------------------------------------------------------------------------------

const DAY = 86_400_000;

/** The Monday 00:00 UTC that starts the ISO week of `d`. */
export function weekStart(d: Date): Date {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = (day.getUTCDay() + 6) % 7; // Monday = 0
  return new Date(day.getTime() - weekday * DAY);
}

/** `2026-W48` for the ISO week containing `d`. */
export function isoWeekLabel(d: Date): string {
  const thursday = new Date(weekStart(d).getTime() + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const firstThursdayWeek = weekStart(new Date(Date.UTC(year, 0, 4)));
  const week = 1 + Math.round((weekStart(d).getTime() - firstThursdayWeek.getTime()) / (7 * DAY));
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** Buckets `violationsByDay` and `auditDays` rows into ISO weeks, oldest first, empty weeks included. */
export function bucketWeeks(first: Date, weeks: number, days: Row[], auditDays: Row[]): WeekViolations[] {
  const out: WeekViolations[] = [];
  const keys: Set<string>[] = [];
  for (let i = 0; i < weeks; i++) {
    const start = new Date(first.getTime() + i * 7 * DAY);
    out.push({ week: isoWeekLabel(start), start: start.toISOString().slice(0, 10), violations: 0, audits: 0 });
    keys.push(new Set());
  }
  const index = (day: unknown): number =>
    Math.floor((Date.parse(`${String(day)}T00:00:00Z`) - first.getTime()) / (7 * DAY));
  for (const r of days) {
    const i = index(r.day);
    keys[i]?.add(JSON.stringify([r.code, r.path, r.message, num(r.occurrence)]));
  }
  for (const r of auditDays) {
    const w = out[index(r.day)];
    if (w) w.audits += num(r.n);
  }
  out.forEach((w, i) => {
    w.violations = keys[i]?.size ?? 0;
  });
  return out;
}

export function weekWindow(weeks: number, now: Date): { first: Date; until: Date } {
  const current = weekStart(now);
  return {
    first: new Date(current.getTime() - (weeks - 1) * 7 * DAY),
    until: new Date(current.getTime() + 7 * DAY),
  };
}

export type { BrokenThreshold };
