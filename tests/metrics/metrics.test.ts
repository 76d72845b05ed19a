/**
 * `computeMetrics` on fixture projects: every kind of connector usage point (and what does not count),
 * the grep count, route handlers in and outside apps, findings per code, suppressions and exceptions.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { EXAMPLES, measure, PROJECTS } from "./helpers.js";

const usage = measure(path.join(PROJECTS, "usage"));
const points = (m = usage.metrics, kind = "session-parameter") =>
  m.connectorUsage.list.filter((p) => p.kind === kind).map((p) => `${p.path}:${p.line} ${p.function} ← ${p.via}`);

test("session parameter points: Depends directly, through aliases, through a chain, and by calls", () => {
  assert.deepEqual(points(), [
    "api/items.py:13 list_items ← Depends(get_db_session)",
    "api/items.py:19 annotated ← Depends(get_db_session)",
    "api/items.py:25 alias ← Depends(get_db_session)",
    "api/items.py:30 through_repo ← Depends(get_repo) → Depends(get_db_session)",
    "api/items.py:44 report ← Depends(get_db_session)",
    "services/repo.py:9 ItemRepo.__init__ ← AsyncSession from get_repo()",
    "services/repo.py:12 ItemRepo.names ← AsyncSession from through_repo()",
    "services/repo.py:16 get_repo ← Depends(get_db_session)",
    "services/report.py:7 summarize ← AsyncSession from list_items()",
  ]);
  assert.equal(usage.metrics.connectorUsage.sessionParameters, 9);
});

test("an AsyncSession parameter alone is not a point: the function must be called with a session by a counted one", () => {
  const names = usage.metrics.connectorUsage.list.map((p) => p.function);
  assert.ok(!names.includes("never_called"), "never called");
  assert.ok(!names.includes("called_without_session"), "called with None");
  // The connector's own functions are never usage points.
  assert.ok(!usage.metrics.connectorUsage.list.some((p) => p.path.startsWith("core/")));
});

test("connector call points: each call of a connector-api function outside the connector", () => {
  assert.deepEqual(
    usage.metrics.connectorUsage.list
      .filter((p) => p.kind === "connector-call")
      .map((p) => `${p.path}:${p.line} ${p.function} ${p.via}`),
    [
      "api/items.py:41 health health_check_database()",
      "main.py:12 lifespan initialize_database()",
      "main.py:14 lifespan shutdown_database()",
      "scripts/legacy_export.py:7 <module> initialize_database()",
    ],
  );
  const u = usage.metrics.connectorUsage;
  assert.equal(u.connectorCalls, 4);
  assert.equal(u.points, 13);
  assert.equal(u.points, u.sessionParameters + u.connectorCalls);
});

test("the grep count: lines naming the session dependency outside the connector, git-ignored files left out", () => {
  // api/deps.py 3 + api/items.py 4 (import, two defs, a comment) + services/repo.py 2 + scripts/tools.py 1 (a string).
  assert.equal(usage.metrics.connectorUsage.grepCount, 10);
  assert.deepEqual(usage.metrics.connectorUsage.grepNames, ["get_db_session"]);
});

test("route handlers: app routes and decorated or add_api_route functions, each once", () => {
  const h = usage.metrics.routeHandlers;
  assert.deepEqual(
    h.list.map(
      (x) => `${x.name} ${x.async ? "async" : "sync"} ${x.usesDatabase ? "db" : "-"} [${x.routes.join(", ")}]`,
    ),
    [
      "list_items async db [GET /items/]",
      "annotated async db [GET /items/annotated]",
      "alias async db [GET /items/alias]",
      "through_repo async db [GET /items/repo]",
      "ping sync - [GET /items/ping]",
      "health async db [GET /items/health/db]",
      "report async db [GET /items/report]",
      "orphan sync - []",
    ],
  );
  assert.deepEqual(
    { total: h.total, async: h.async, sync: h.sync, db: h.usingDatabase, outside: h.outsideApps, pct: h.asyncPercent },
    { total: 8, async: 6, sync: 2, db: 6, outside: 1, pct: 75 },
  );
  assert.equal(h.none, false);
});

test("findings per code come from the check result", () => {
  assert.deepEqual(
    usage.metrics.findings.byCode.map((c) => `${c.code} ${c.name} ${c.count}`),
    [
      "DBF104 raw-driver-import 1",
      "DBF302 sync-endpoint 2",
      "DBF601 missing-db-health-endpoint 1",
      "DBF901 unused-suppression 1",
      "DBF902 suppression-without-reason 2",
      "DBF903 expired-exception 1",
    ],
  );
  assert.deepEqual(
    {
      total: usage.metrics.findings.total,
      errors: usage.metrics.findings.errors,
      warnings: usage.metrics.findings.warnings,
    },
    { total: 8, errors: 6, warnings: 2 },
  );
  assert.equal(usage.metrics.findings.total, usage.result.findings.length);
});

test("suppressions: trailing directives by kind, without a reason, unused (DBF901), per code", () => {
  assert.deepEqual(usage.metrics.suppressions, {
    total: 4,
    dbfence: 3,
    noqa: 1,
    withoutReason: 2,
    unused: 1,
    byCode: [
      { code: "DBF104", count: 4 },
      { code: "DBF105", count: 1 },
    ],
  });
});

test("exceptions: active and expired against the given date; no expiry stays active", () => {
  const e = usage.metrics.exceptions;
  assert.deepEqual({ total: e.total, active: e.active, expired: e.expired }, { total: 3, active: 2, expired: 1 });
  assert.deepEqual(
    e.list.map((x) => `${x.path} ${x.rules.join(",")} ${x.expires} ${x.status}`),
    [
      "scripts/legacy_export.py DBF104 2020-01-31 expired",
      "scripts/legacy_export.py DBF105 2999-12-31 active",
      "services/cache.py DBF104 null active",
    ],
  );
  const before = measure(path.join(PROJECTS, "usage"), { today: "2020-01-01" }).metrics.exceptions;
  assert.deepEqual([before.active, before.expired], [3, 0]);
});

test("PATHS narrow what is counted, while the whole project is still analysed", () => {
  const root = path.join(PROJECTS, "usage");
  const m = measure(root, { paths: [path.join(root, "services")] }).metrics;
  // summarize is counted because list_items (in api/, not reported) passes it the session.
  assert.deepEqual(points(m), [
    "services/repo.py:9 ItemRepo.__init__ ← AsyncSession from get_repo()",
    "services/repo.py:12 ItemRepo.names ← AsyncSession from through_repo()",
    "services/repo.py:16 get_repo ← Depends(get_db_session)",
    "services/report.py:7 summarize ← AsyncSession from list_items()",
  ]);
  assert.equal(m.connectorUsage.grepCount, 2);
  assert.equal(m.routeHandlers.total, 0);
  assert.equal(m.suppressions.total, 0);
});

test("no route handlers: the async share is 100 % and says so", () => {
  const m = measure(path.join(PROJECTS, "no-handlers")).metrics;
  assert.equal(m.routeHandlers.total, 0);
  assert.equal(m.routeHandlers.asyncPercent, 100);
  assert.equal(m.routeHandlers.none, true);
  assert.equal(m.connectorUsage.connectorCalls, 2);
});

/** What the seed's `grep -rn get_db_session --include=*.py . | grep -v core/database.py | wc -l` prints. */
function seedGrep(dir: string): number {
  let out = "";
  try {
    out = execFileSync("grep", ["-rn", "--include=*.py", "get_db_session", "."], { cwd: dir, encoding: "utf8" });
  } catch (e) {
    if ((e as { status?: number }).status !== 1) throw e; // 1: no line matched
  }
  return out.split("\n").filter((l) => l !== "" && !l.includes("core/database.py")).length;
}

// The examples are edited by others; these tests state relations that must hold, not today's numbers.
test("examples/plant-backend: every handler async and on the connector; the grep count equals the seed's grep", () => {
  const dir = path.join(EXAMPLES, "plant-backend");
  const m = measure(dir).metrics;
  const u = m.connectorUsage;
  assert.equal(u.points, u.sessionParameters + u.connectorCalls);
  assert.equal(u.grepCount, seedGrep(dir));
  const calls = u.list.filter((p) => p.kind === "connector-call").map((p) => p.via);
  for (const call of ["initialize_database()", "shutdown_database()", "health_check_database()"]) {
    assert.ok(calls.includes(call), call);
  }
  // Sessions of tests come from pytest fixtures and dependency overrides, not from the connector.
  assert.ok(!u.list.some((p) => p.path.startsWith("tests/")));
  const h = m.routeHandlers;
  assert.ok(h.total >= 6);
  assert.deepEqual([h.async, h.usingDatabase, h.outsideApps, h.asyncPercent], [h.total, h.total, 0, 100]);
  // Each handler but the health route receives the session through Depends(get_db_session).
  const viaDepends = u.list.filter((p) => p.via === "Depends(get_db_session)").map((p) => `${p.path}:${p.line}`);
  const handlers = h.list.filter((x) => x.name !== "database_health").map((x) => `${x.path}:${x.line}`);
  assert.deepEqual(viaDepends, handlers);
  assert.equal(m.findings.total, 0);
});

test("examples/plant-backend-legacy: no connector usage, sync handlers, every finding counted", () => {
  const dir = path.join(EXAMPLES, "plant-backend-legacy");
  const { metrics: m, result } = measure(dir);
  assert.equal(m.connectorUsage.sessionParameters, 0);
  assert.equal(m.connectorUsage.grepCount, seedGrep(dir));
  const h = m.routeHandlers;
  assert.ok(h.sync >= 2, "list_skills and get_skill are plain def");
  assert.ok(h.asyncPercent < 95);
  assert.equal(h.asyncPercent, Math.round((h.async / h.total) * 1000) / 10);
  assert.equal(
    m.findings.byCode.reduce((n, c) => n + c.count, 0),
    result.findings.length,
  );
  // DBF301 reports sync handlers with a session dependency; "using the database" also counts body calls.
  const dbf301 = m.findings.byCode.find((c) => c.code === "DBF301")?.count ?? 0;
  assert.ok(dbf301 >= 2 && dbf301 <= h.list.filter((x) => !x.async && x.usesDatabase).length);
});

test("the metrics are plain JSON data", () => {
  const copy = JSON.parse(JSON.stringify(usage.metrics));
  assert.deepEqual(copy, usage.metrics);
  assert.equal(usage.metrics.metricsVersion, 1);
});
