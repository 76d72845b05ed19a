/** A server on a real port, HTTP calls to it, and a seeded history that looks like a few weeks of audits. */
import type { FastifyInstance } from "fastify";
import type { AuditSnapshot, SnapshotFinding } from "../../src/history/snapshot.js";
import type { HistoryStore } from "../../src/history/store.js";
import { buildServer, type ServerOptions } from "../../src/serve/server.js";
import { finding, snapshot } from "../history/helpers.js";

export interface Running {
  app: FastifyInstance;
  base: string;
  close(): Promise<void>;
}

export async function serve(opts: ServerOptions): Promise<Running> {
  const app = await buildServer(opts);
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, base, close: () => app.close() };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export async function call(
  base: string,
  path: string,
  init: {
    method?: string;
    token?: string;
    auth?: string;
    body?: string;
    type?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.auth !== undefined) headers.authorization = init.auth;
  if (init.body !== undefined) headers["content-type"] = init.type ?? "application/json";
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
    headers,
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // HTML or plain text
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const XSS_MESSAGE = `execute("<script>window.__xss = 1</script>") builds SQL from request data`;

/**
 * Three weeks of daily audits of `plant-backend` getting better, and a week of `payments-api`: what the
 * dashboard test and the screenshot show. Days end at `end` (UTC).
 */
export async function seedHistory(
  store: HistoryStore,
  end = new Date("2026-11-27T02:00:00Z"),
): Promise<AuditSnapshot[]> {
  const days = 21;
  const seeded: AuditSnapshot[] = [];
  for (let d = 0; d < days; d++) {
    const time = new Date(end.getTime() - (days - 1 - d) * 86_400_000).toISOString();
    const left = days - 1 - d; // days to go: fewer findings as the team fixes them
    const findings: SnapshotFinding[] = [];
    for (let i = 0; i < Math.ceil(left / 3); i++)
      findings.push(
        finding(
          "DBF203",
          `app/services/inventory_${i}.py`,
          20 + i,
          "`.query(...)` is the legacy Query API; use `select()` with `await session.execute(...)`",
        ),
      );
    for (let i = 0; i < Math.ceil(left / 5); i++)
      findings.push(
        finding(
          "DBF301",
          `app/api/routes/plants.py`,
          40 + 12 * i,
          "sync route handler `list_plants` uses the database; make it `async def`",
        ),
      );
    for (let i = 0; i < Math.ceil(left / 7); i++)
      findings.push(
        finding(
          "DBF101",
          "app/api/deps.py",
          3 + i,
          "imports `SessionLocal` from the connector's internals; use `get_db_session`",
        ),
      );
    if (d >= days - 3) findings.push(finding("DBF502", "app/api/routes/search.py", 57, XSS_MESSAGE));
    findings.push(finding("DBF302", "app/api/routes/legacy.py", 12, "sync endpoint in an API path", "warning"));
    const errors = findings.filter((f) => f.severity === "error").length;
    const asyncPct = Math.min(100, 70 + d * 1.4);
    const p95 = Math.round(260 - d * 8 + (d % 4) * 15);
    const usage = 18 + d * 2;
    const thresholdsBroken: AuditSnapshot["thresholdsBroken"] = [];
    if (usage < 50)
      thresholdsBroken.push({
        key: "connector-usage-points-min",
        metric: "connector usage points",
        comparison: ">=",
        limit: 50,
        unit: "",
        actual: usage,
        message: `connector usage points: ${usage}, needs ≥ 50 (thresholds.connector-usage-points-min)`,
      });
    if (errors > 0)
      thresholdsBroken.push({
        key: "violations-per-week-max",
        metric: "violations per week",
        comparison: "<=",
        limit: 0,
        unit: "",
        actual: errors,
        message: `violations per week: ${errors}, needs ≤ 0 (thresholds.violations-per-week-max)`,
      });
    const s = snapshot({
      time,
      findings,
      git: { commit: `${(0xabc000 + d).toString(16)}f00dfeed1234567890abcdef12345678`, branch: "main" },
      status: errors > 0 || thresholdsBroken.length > 0 ? "failed" : "passed",
      thresholdsBroken,
      metrics: {
        connectorUsagePoints: usage,
        asyncEndpointsPercent: Math.round(asyncPct * 10) / 10,
        healthP95Ms: p95,
        violationsPerWeek: errors,
        routeHandlers: 24,
      },
      probe: {
        url: "http://127.0.0.1:8000/health/db",
        count: 20,
        ok: 20,
        p50Ms: p95 / 2,
        p95Ms: p95,
        maxMs: p95 + 20,
        thresholdMs: 1000,
        healthy: true,
      },
    });
    await store.insertAudit(s);
    seeded.push(s);
  }
  for (let d = 0; d < 6; d++) {
    const time = new Date(end.getTime() - (5 - d) * 86_400_000 + 3_600_000).toISOString();
    await store.insertAudit(
      snapshot({
        repository: "payments-api",
        time,
        findings:
          d < 3
            ? [finding("DBF104", "payments/ledger.py", 9, "raw driver `psycopg2` imported outside the connector")]
            : [],
        metrics: { connectorUsagePoints: 61, asyncEndpointsPercent: 100, healthP95Ms: 45 + d, routeHandlers: 12 },
      }),
    );
  }
  return seeded;
}
