/**
 * `dbfence serve` over real HTTP on 127.0.0.1: authentication, validation, limits, 200 concurrent
 * posts, the JSON API, HTML escaping, and a store that goes away (SQLite locked; PostgreSQL database
 * dropped) and comes back while the server keeps running.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { PostgresStore } from "../../src/history/postgres.js";
import { SqliteStore } from "../../src/history/sqlite.js";
import { finding, snapshot, type TestDatabase, testDatabase } from "../history/helpers.js";
import { call, type Running, serve, XSS_MESSAGE } from "./helpers.js";

const TOKEN = "ci-token-0123456789";
const LIMIT = 64 * 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-serve-"));
let store: SqliteStore;
let server: Running;
const log: string[] = [];

before(async () => {
  store = new SqliteStore(path.join(dir, "history.db"), { busyTimeoutMs: 100 });
  server = await serve({ store, token: TOKEN, bodyLimit: LIMIT, log: (l) => log.push(l) });
});
after(async () => {
  await server.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** POST /api/audits with the right token, another one, or (null) none. */
const post = (body: unknown, token: string | null = TOKEN) =>
  call(server.base, "/api/audits", {
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...(token !== null ? { token } : {}),
  });

describe("POST /api/audits: refusals are 4xx with a clear message", () => {
  test("no token, a wrong token, or another scheme: 401 with a Bearer challenge", async () => {
    const none = await post(snapshot(), null);
    assert.equal(none.status, 401);
    assert.equal(none.json.error, "missing Authorization: Bearer <token> header");
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    const wrong = await post(snapshot(), "not-the-token");
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error, "wrong token");
    const basic = await call(server.base, "/api/audits", {
      body: "{}",
      auth: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`,
    });
    assert.equal(basic.status, 401);
    assert.equal(basic.json.error, "the Authorization header must be 'Bearer <token>'");
  });

  test("invalid JSON, an empty body, and a non-JSON content type", async () => {
    const bad = await post('{"snapshotVersion": 1,');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, "the body is not valid JSON");
    const empty = await post("");
    assert.equal(empty.status, 400);
    assert.match(String(empty.json.error), /body is empty/);
    const text = await call(server.base, "/api/audits", { body: "hello", type: "text/plain", token: TOKEN });
    assert.equal(text.status, 415);
    assert.equal(text.json.error, "send the audit snapshot as JSON (Content-Type: application/json)");
  });

  test("the wrong schema: 400 naming each problem by its path", async () => {
    const s = snapshot() as unknown as Record<string, unknown>;
    const wrong = {
      ...s,
      snapshotVersion: 2,
      findings: [{ ...finding("DBF104", "a.py", 1, "m"), line: 0 }, { code: "E501" }],
      extra: true,
    };
    delete (wrong as Record<string, unknown>).repository;
    const r = await post(wrong);
    assert.equal(r.status, 400);
    assert.match(String(r.json.error), /not a dbfence audit snapshot/);
    const problems = r.json.problems as string[];
    assert.ok(problems.includes("snapshotVersion: expected snapshotVersion 1"), problems.join("\n"));
    assert.ok(problems.includes("repository: expected the repository name"), problems.join("\n"));
    assert.ok(problems.includes("findings[1].severity: expected 'error' or 'warning'"), problems.join("\n"));
    assert.ok(problems.includes("findings[0].line: lines start at 1"), problems.join("\n"));
    assert.ok(problems.includes("findings[1].code: expected a rule code like DBF104"), problems.join("\n"));
    assert.ok(
      problems.some((p) => p.startsWith("(body): Unrecognized key") && p.includes("extra")),
      problems.join("\n"),
    );
    assert.equal((await post([1, 2])).status, 400);
  });

  test("a body over the limit: 413 saying the limit", async () => {
    const big = snapshot({
      findings: Array.from({ length: 400 }, (_, i) => finding("DBF203", `app/m${i}.py`, i + 1, "x".repeat(200))),
    });
    const r = await post(big);
    assert.equal(r.status, 413);
    assert.equal(r.json.error, `the request body is larger than the limit of ${LIMIT} bytes`);
  });

  test("a server without a token refuses posts with 403 and says how to enable them", async () => {
    const closed = await serve({ store, token: null, bodyLimit: LIMIT });
    try {
      const r = await call(closed.base, "/api/audits", { body: JSON.stringify(snapshot()), token: "anything" });
      assert.equal(r.status, 403);
      assert.equal(r.json.error, "POST /api/audits is disabled: start dbfence serve with a token in $DBFENCE_TOKEN");
    } finally {
      await closed.close();
    }
  });
});

describe("POST /api/audits and the JSON API", () => {
  test("200 concurrent posts: every one answered 201, every row stored", async () => {
    const before = await store.countAudits("load-test");
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(
          snapshot({
            repository: "load-test",
            time: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
            findings: [finding("DBF203", `app/m${i}.py`, i + 1, `legacy query ${i}`)],
          }),
        ),
      ),
    );
    assert.deepEqual(
      replies.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text}`),
      [],
    );
    const ids = new Set(replies.map((r) => r.json.id));
    assert.equal(ids.size, 200);
    assert.equal((await store.countAudits("load-test")) - before, 200);
    const trend = await store.trend("load-test", 1000);
    assert.equal(
      trend.reduce((sum, p) => sum + (p.findingsPerCode.DBF203 ?? 0), 0),
      200,
    );
  });

  test("what was posted reads back through the API, also for a name with a slash", async () => {
    const s = snapshot({ repository: "acme/plant-backend", time: "2026-11-26T02:00:00Z" });
    const created = await post(s);
    assert.equal(created.status, 201);
    assert.equal(created.json.url, "/repositories/acme%2Fplant-backend");
    const repos = await call(server.base, "/api/repositories");
    const entry = (repos.json.repositories as { repository: string; audits: number }[]).find(
      (r) => r.repository === "acme/plant-backend",
    );
    assert.equal(entry?.audits, 1);
    const detail = await call(server.base, "/api/repositories/acme%2Fplant-backend");
    assert.equal(detail.status, 200);
    const latest = detail.json.latest as Record<string, unknown>;
    assert.equal(latest.id, created.json.id);
    assert.deepEqual(latest.findings, s.findings);
    assert.equal((detail.json.trend as unknown[]).length, 1);
    assert.equal((detail.json.violationsPerWeek as unknown[]).length, 12);
    const one = await call(server.base, `/api/audits/${created.json.id}`);
    assert.equal(one.json.repository, "acme/plant-backend");
    assert.equal((await call(server.base, "/api/audits/999999")).status, 404);
    assert.equal((await call(server.base, "/api/audits/abc")).status, 400);
    assert.equal((await call(server.base, "/api/repositories/nobody")).status, 404);
    assert.equal((await call(server.base, "/api/nothing")).status, 404);
  });

  test("finding text is HTML-escaped in the page, and the embedded chart data cannot close its script", async () => {
    const evilRepo = `<img src=x onerror="window.__xss=2">`;
    await post(
      snapshot({
        repository: evilRepo,
        time: "2026-11-27T01:00:00Z",
        git: { commit: null, branch: "<b>branch</b>" },
        findings: [
          finding("DBF502", "app/<x>.py", 7, XSS_MESSAGE),
          finding("DBF502", "app/y.py", 8, "</script><script>window.__xss=3</script>"),
        ],
      }),
    );
    const page = await call(server.base, `/repositories/${encodeURIComponent(evilRepo)}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes("&lt;script&gt;window.__xss = 1&lt;/script&gt;"), "the message is shown escaped");
    assert.ok(page.text.includes("&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;"));
    assert.ok(page.text.includes("app/&lt;x&gt;.py:7"));
    assert.ok(page.text.includes("&lt;b&gt;branch&lt;/b&gt;"));
    assert.doesNotMatch(page.text, /<script>window|<img src=x|<b>branch/);
    const scripts = page.text.match(/<script\b[^>]*>/g) ?? [];
    assert.deepEqual(scripts, [
      '<script type="application/json" id="dbfence-data">',
      '<script src="/assets/uPlot.iife.min.js">',
      '<script src="/assets/dashboard.js">',
    ]);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  });

  test("assets come from node_modules and the package, /healthz reports the store", async () => {
    const js = await call(server.base, "/assets/uPlot.iife.min.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assert.match(js.text, /uPlot/);
    assert.equal((await call(server.base, "/assets/uPlot.min.css")).status, 200);
    assert.equal((await call(server.base, "/assets/dashboard.js")).status, 200);
    assert.equal((await call(server.base, "/assets/..%2Fpackage.json")).status, 404);
    const health = await call(server.base, "/healthz");
    assert.equal(health.status, 200);
    assert.equal(health.json.status, "ok");
    assert.deepEqual(health.json.store, { kind: "sqlite", ok: true, error: null });
  });
});

describe("protected reads", () => {
  test("pages and GET /api need a token (Basic password for browsers, Bearer for scripts); /healthz stays open", async () => {
    const guarded = await serve({ store, token: TOKEN, readToken: "reader", protectReads: true, bodyLimit: LIMIT });
    try {
      const page = await call(guarded.base, "/");
      assert.equal(page.status, 401);
      assert.match(page.headers.get("www-authenticate") ?? "", /^Basic realm="dbfence"/);
      const api = await call(guarded.base, "/api/repositories");
      assert.equal(api.status, 401);
      assert.equal(api.json.error, "this server protects reads: send Authorization: Bearer <token>");
      assert.equal((await call(guarded.base, "/api/repositories", { token: "nope" })).status, 401);
      assert.equal((await call(guarded.base, "/api/repositories", { token: "reader" })).status, 200);
      assert.equal((await call(guarded.base, "/api/repositories", { token: TOKEN })).status, 200);
      const basic = `Basic ${Buffer.from("anyone:reader").toString("base64")}`;
      assert.equal((await call(guarded.base, "/", { auth: basic })).status, 200);
      assert.equal((await call(guarded.base, "/healthz")).status, 200);
      // The read token cannot write.
      assert.equal(
        (await call(guarded.base, "/api/audits", { body: JSON.stringify(snapshot()), token: "reader" })).status,
        401,
      );
    } finally {
      await guarded.close();
    }
  });
});

describe("the store goes away and comes back; the server keeps running", () => {
  test("SQLite: another process holds the write lock → 503 on writes and /healthz, reads still work; then 201", async () => {
    const other = new Database(path.join(dir, "history.db"), { timeout: 0 });
    other.prepare("BEGIN IMMEDIATE").run();
    try {
      const r = await post(snapshot({ repository: "locked" }));
      assert.equal(r.status, 503);
      assert.equal(r.json.error, "history store unavailable: the store is locked by another writer");
      // The caller has the write token: it may see where the store is and what the driver said.
      assert.match(String(r.json.detail), /^cannot store the audit .*history\.db.*database is locked/);
      assert.equal(r.headers.get("retry-after"), "5");
      const health = await call(server.base, "/healthz");
      assert.equal(health.status, 503);
      assert.equal(health.json.status, "degraded");
      assert.deepEqual(health.json.store, {
        kind: "sqlite",
        ok: false,
        error: "the store is locked by another writer",
      });
      assert.ok(!health.text.includes(dir), "no file path for callers without a token");
      const told = await call(server.base, "/healthz", { token: TOKEN });
      assert.equal((told.json.store as Record<string, unknown>).location, path.join(dir, "history.db"));
      assert.equal((await call(server.base, "/api/repositories")).status, 200, "WAL readers are not blocked");
    } finally {
      other.prepare("ROLLBACK").run();
      other.close();
    }
    assert.equal((await post(snapshot({ repository: "locked" }))).status, 201);
    assert.equal((await call(server.base, "/healthz")).status, 200);
    assert.ok(log.some((l) => l.startsWith("history store unavailable")));
    assert.ok(log.includes("history store is back (sqlite)"));
  });

  test("PostgreSQL: the database is dropped → 503 everywhere; recreated → the schema is re-applied, 201", async () => {
    let db: TestDatabase | null = null;
    let pgStore: PostgresStore | null = null;
    let pgServer: Running | null = null;
    try {
      db = await testDatabase("serve");
      pgStore = new PostgresStore(db.url, { connectTimeoutMs: 2000, onIdleError: () => {} });
      pgServer = await serve({ store: pgStore, token: TOKEN, bodyLimit: LIMIT });
      const base = pgServer.base;
      const send = () => call(base, "/api/audits", { body: JSON.stringify(snapshot()), token: TOKEN });
      assert.equal((await send()).status, 201);

      await db.drop();
      const down = await send();
      assert.equal(down.status, 503);
      assert.match(String(down.json.error), /^history store unavailable: .*does not exist/);
      assert.equal((await call(base, "/api/repositories")).status, 503);
      const page = await call(base, "/");
      assert.equal(page.status, 503);
      assert.match(page.text, /History store unavailable/);
      assert.equal((await call(base, "/healthz")).json.status, "degraded");

      await db.create();
      const back = await send();
      assert.equal(back.status, 201, back.text);
      assert.equal(back.json.id, 1, "a new, empty database with the schema applied again");
      assert.equal((await call(base, "/healthz")).status, 200);
      assert.equal((await call(base, "/api/repositories")).status, 200);
    } finally {
      await pgServer?.close();
      await pgStore?.close();
      await db?.drop();
    }
  });
});
