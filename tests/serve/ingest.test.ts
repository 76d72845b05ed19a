/**
 * `POST /api/audits` on a real SQLite file over real HTTP: what a store would refuse is a 400 (never a
 * 503 a client would retry forever), ingestion is idempotent, per-repository endpoints of an unknown
 * repository are 404, and a store file deleted or replaced while serving is a 503 with a log line, not a
 * 201 that is lost.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { MAX_STORED_INTEGER, SNAPSHOT_LIMITS } from "../../src/history/snapshot.js";
import { SqliteStore } from "../../src/history/sqlite.js";
import { finding, snapshot } from "../history/helpers.js";
import { call, type Running, serve } from "./helpers.js";

const TOKEN = "ingest-token-0123456789";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-ingest-"));
const file = path.join(dir, "history.db");
let store: SqliteStore;
let server: Running;

before(async () => {
  store = new SqliteStore(file, { busyTimeoutMs: 200 });
  server = await serve({ store, token: TOKEN, bodyLimit: 1024 * 1024 });
});
after(async () => {
  await server.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const post = (body: unknown, key?: string, base = server.base) =>
  call(base, "/api/audits", {
    body: typeof body === "string" ? body : JSON.stringify(body),
    token: TOKEN,
    ...(key !== undefined ? { headers: { "idempotency-key": key } } : {}),
  });

let clock = Date.UTC(2026, 9, 1);
/** A snapshot with a time of its own (identical snapshots are one audit). */
function fresh(repository = "ingest") {
  clock += 60_000;
  return snapshot({ repository, time: new Date(clock).toISOString() });
}

describe("what a store would refuse is 400 before it reaches the store", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  const cases: [string, () => string, RegExp][] = [
    [
      "a count of 2^31 (PostgreSQL integer overflows)",
      () => JSON.stringify({ ...fresh(), summary: { files: 2 ** 31, findings: 1, errors: 1, warnings: 0 } }),
      new RegExp(`^summary\\.files: must be at most ${MAX_STORED_INTEGER}$`),
    ],
    [
      "a finding's line of 2^53",
      () => JSON.stringify({ ...fresh(), findings: [{ ...finding("DBF104", "a.py", 1, "m"), line: 2 ** 53 }] }),
      /^findings\[0\]\.line: must be at most/,
    ],
    [
      "a NUL character in the repository name",
      () => JSON.stringify(fresh("plant\u0000backend")),
      /^repository: contains a NUL character/,
    ],
    [
      "a NUL character in a key of metrics.details",
      () => JSON.stringify({ ...fresh(), metrics: { ...fresh().metrics, details: { "a\u0000b": 1 } } }),
      /^metrics\.details: a key contains a NUL character/,
    ],
    [
      "a lone surrogate in a finding message",
      () => JSON.stringify(fresh()).replace('"raw driver', '"\\ud800raw driver'),
      /^findings\[0\]\.message: contains a lone UTF-16 surrogate/,
    ],
    [
      "metrics.details nested 4,100 deep",
      () => JSON.stringify(fresh()).replace('"metrics":{', `"metrics":{"details":${nested(4100)},`),
      new RegExp(`^metrics\\.details(\\[0\\])+: nested deeper than ${SNAPSHOT_LIMITS.depth} levels$`),
    ],
    [
      "a string in metrics.details longer than the limit",
      () =>
        JSON.stringify({
          ...fresh(),
          metrics: { ...fresh().metrics, details: { note: "x".repeat(SNAPSHOT_LIMITS.string + 1) } },
        }),
      /^metrics\.details\.note: longer than/,
    ],
  ];
  for (const [name, body, problem] of cases)
    test(name, async () => {
      const before = await store.countAudits();
      const r = await post(body());
      assert.equal(r.status, 400, r.text);
      assert.equal(r.headers.get("retry-after"), null);
      const problems = r.json.problems as string[];
      assert.ok(
        problems.some((p) => problem.test(p)),
        problems.join("\n"),
      );
      assert.equal(await store.countAudits(), before);
    });

  test("a malformed Idempotency-Key is 400 saying what a key is", async () => {
    const r = await post(fresh(), "k".repeat(201));
    assert.equal(r.status, 400);
    assert.match(String(r.json.error), /Idempotency-Key header must be one value of 1 to 200 printable ASCII/);
  });
});

describe("idempotent ingestion", () => {
  test("the same Idempotency-Key again: 200 with the stored audit, no second row", async () => {
    const s = fresh("idem-key");
    const first = await post(s, "ci-run-41-attempt");
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.duplicate, false);
    const again = await post(s, "ci-run-41-attempt");
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.id, first.json.id);
    assert.equal(again.json.duplicate, true);
    assert.equal(await store.countAudits("idem-key"), 1);
  });

  test("the key of another audit with other content: 409 naming the stored audit", async () => {
    const first = await post(fresh("idem-409"), "reused-key");
    assert.equal(first.status, 201);
    const other = await post(fresh("idem-409"), "reused-key");
    assert.equal(other.status, 409);
    assert.equal(other.json.id, first.json.id);
    assert.match(String(other.json.error), /^Idempotency-Key 'reused-key' was already used for audit #\d+/);
    assert.equal(await store.countAudits("idem-409"), 1);
  });

  test("without a key, the same snapshot (however its keys are ordered) is one audit", async () => {
    const s = fresh("idem-content");
    const first = await post(s);
    assert.equal(first.status, 201);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(s).reverse()));
    const again = await post(reordered);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.id, first.json.id);
    assert.equal((await post(fresh("idem-content"))).status, 201, "another time is another audit");
    assert.equal(await store.countAudits("idem-content"), 2);
  });

  test("30 concurrent posts with one key: one 201, 29 × 200 with the same id, one row", async () => {
    const s = fresh("idem-race");
    const replies = await Promise.all(Array.from({ length: 30 }, () => post(s, "race-key")));
    const statuses = replies.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(29).fill(200), 201]);
    assert.equal(new Set(replies.map((r) => r.json.id)).size, 1);
    assert.equal(await store.countAudits("idem-race"), 1);
  });
});

describe("per-repository endpoints of an unknown repository", () => {
  test("/trend, /violations and the detail answer 404", async () => {
    for (const p of ["", "/trend", "/violations"]) {
      const r = await call(server.base, `/api/repositories/no-such-repo${p}`);
      assert.equal(r.status, 404, p);
      assert.equal(r.json.error, "no audits of 'no-such-repo' are stored");
    }
    assert.equal((await post(fresh("known-repo"))).status, 201);
    assert.equal((await call(server.base, "/api/repositories/known-repo/trend")).status, 200);
    assert.equal((await call(server.base, "/api/repositories/known-repo/violations")).status, 200);
  });
});

describe("a store file deleted or replaced while serving", () => {
  test("deleted → 503 and a log line, never re-created; replaced → 503 once, then the new file is used", async () => {
    const own = path.join(dir, "vanish", "history.db");
    const log: string[] = [];
    const vStore = new SqliteStore(own, { busyTimeoutMs: 200 });
    const v = await serve({ store: vStore, token: TOKEN, bodyLimit: 1024 * 1024, log: (l) => log.push(l) });
    try {
      assert.equal((await post(fresh("vanish"), undefined, v.base)).status, 201);
      for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${own}${suffix}`, { force: true });

      const lost = await post(fresh("vanish"), undefined, v.base);
      assert.equal(lost.status, 503);
      assert.equal(lost.json.error, "history store unavailable: the store's file was deleted or replaced");
      assert.match(String(lost.json.detail), /history\.db was deleted while it was in use; restore it/);
      assert.ok(
        log.some((l) => /^history store unavailable: .*history\.db was deleted/.test(l)),
        log.join("\n"),
      );
      const health = await call(v.base, "/healthz");
      assert.equal(health.status, 503);
      assert.ok(!health.text.includes(dir), "no path for callers without a token");
      assert.equal(fs.existsSync(own), false, "a deleted store is not silently re-created");

      // An operator moves another history (a restored backup, say) into place.
      const other = path.join(dir, "vanish-backup.db");
      const backup = new SqliteStore(other);
      await backup.insertAudit(fresh("restored"));
      await backup.close();
      fs.renameSync(other, own);
      assert.equal((await post(fresh("vanish"), undefined, v.base)).status, 201);
      assert.equal((await call(v.base, "/api/repositories/restored")).status, 200);

      // Replaced under an open connection: the request that notices gets 503, the next one the new file.
      const swap = path.join(dir, "vanish-swap.db");
      const replacement = new SqliteStore(swap);
      await replacement.insertAudit(fresh("swapped-in"));
      await replacement.close();
      fs.renameSync(swap, own);
      const noticed = await post(fresh("vanish"), undefined, v.base);
      assert.equal(noticed.status, 503);
      assert.match(String(noticed.json.detail), /was replaced by another file/);
      const stored = await post(fresh("vanish"), undefined, v.base);
      assert.equal(stored.status, 201);
      const raw = new Database(own, { readonly: true });
      const row = raw.prepare("SELECT repository FROM audits WHERE id = ?").get(stored.json.id) as {
        repository: string;
      };
      raw.close();
      assert.equal(row.repository, "vanish", "the acknowledged audit is in the file at the path");
      assert.equal((await call(v.base, "/api/repositories/swapped-in")).status, 200);
    } finally {
      await v.close();
      await vStore.close();
    }
  });
});
