/** Helpers for the history, audit and serve tests: snapshots to seed, and the real PostgreSQL server. */
import os from "node:os";
import pg from "pg";
import type { AuditSnapshot, SnapshotFinding } from "../../src/history/snapshot.js";

export function finding(
  code: string,
  path: string,
  line: number,
  message: string,
  severity: "error" | "warning" = "error",
): SnapshotFinding {
  return { code, severity, path, line, column: 1, message };
}

/** A valid snapshot; `over` replaces top-level keys, `metrics` merges. */
export function snapshot(
  over: Partial<Omit<AuditSnapshot, "metrics">> & { metrics?: Partial<AuditSnapshot["metrics"]> } = {},
): AuditSnapshot {
  const findings = over.findings ?? [
    finding("DBF104", "app/db.py", 3, "raw driver psycopg2 imported outside the connector"),
  ];
  const errors = findings.filter((f) => f.severity === "error").length;
  const perCode: Record<string, number> = {};
  for (const f of findings) perCode[f.code] = (perCode[f.code] ?? 0) + 1;
  const { metrics, ...rest } = over;
  return {
    snapshotVersion: 1,
    time: "2026-11-20T02:00:00.000Z",
    repository: "plant-backend",
    git: { commit: "0123456789abcdef0123456789abcdef01234567", branch: "main" },
    toolVersion: "0.1.0",
    status: errors > 0 ? "failed" : "passed",
    summary: { files: 12, findings: findings.length, errors, warnings: findings.length - errors },
    probe: null,
    thresholdsBroken: [],
    ...rest,
    findings,
    metrics: {
      connectorUsagePoints: 42,
      asyncEndpointsPercent: 90,
      routeHandlers: 10,
      findingsPerCode: perCode,
      healthP95Ms: 120,
      violationsPerWeek: errors,
      ...metrics,
    },
  };
}

// ---- PostgreSQL -------------------------------------------------------------------------------------

/**
 * Where the superuser connection comes from: $DBFENCE_TEST_PG alone when set (`npm test` sets it to the
 * throwaway cluster scripts/test-setup.mjs starts); otherwise, in order, a password login on 127.0.0.1, the current OS user over the Unix socket (a role
 * of that name), and `postgres` over the socket (when the tests run as the postgres OS user).
 */
export function adminCandidates(env = process.env): string[] {
  if (env.DBFENCE_TEST_PG) return [env.DBFENCE_TEST_PG];
  return [
    "postgres://postgres:postgres@127.0.0.1:5432/postgres",
    `postgres://${encodeURIComponent(os.userInfo().username)}@/postgres?host=/var/run/postgresql`,
    "postgres://postgres@/postgres?host=/var/run/postgresql",
  ];
}

/** The same server, another database: `postgres://u@h:5432/postgres?x` → `.../<db>?x`. */
export function withDatabase(url: string, db: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^/]*\/)[^?]*/, `$1${db}`);
}

let admin: Promise<string> | null = null;

/** The first candidate that connects. Fails (never skips) when none does, saying what `npm test` does. */
export function adminUrl(): Promise<string> {
  admin ??= (async () => {
    const tried: string[] = [];
    for (const url of adminCandidates()) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        await client.query("SELECT 1");
        await client.end();
        return url;
      } catch (e) {
        tried.push(`${url.replace(/:[^:@/]*@/, ":***@")}: ${e instanceof Error ? e.message : String(e)}`);
        await client.end().catch(() => {});
      }
    }
    throw new Error(
      `PostgreSQL is not reachable for the history-store tests. Tried:\n  ${tried.join("\n  ")}\n` +
        "`npm test` starts a throwaway cluster for the suite and sets DBFENCE_TEST_PG to it (scripts/test-setup.mjs); " +
        "run the tests through it, or set DBFENCE_TEST_PG to a superuser URL.",
    );
  })();
  return admin;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: await adminUrl(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  create(): Promise<void>;
  /** Drops it even while clients are connected (their connections end). */
  drop(): Promise<void>;
}

/** A fresh database of the test's own (created now), named so that parallel runs never collide. */
export async function testDatabase(label: string): Promise<TestDatabase> {
  const name = `dbfence_test_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = withDatabase(await adminUrl(), name);
  const db: TestDatabase = {
    name,
    url,
    create: () => adminQuery(`CREATE DATABASE ${name}`),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
  await db.create();
  return db;
}

/** `url` with every connection's search_path set to `schema` (a schema the caller created). */
export function withSchema(url: string, schema: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Runs one statement in database `url` as the superuser. */
export async function runIn(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
