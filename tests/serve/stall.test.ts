/**
 * The server with a sick store, for real: an SQLite write lock held by another process, and a
 * PostgreSQL cluster of this test's own frozen with SIGSTOP (never the system cluster). Throughout,
 * /healthz answers within 1 s; requests fail with 503 within the configured timeout (or succeed once the
 * store is back); nothing acknowledged is lost; clients retrying with their Idempotency-Key never make
 * a second row. The server is the real `dbfence serve` in a process of its own, configured by a settings
 * file. Measured figures are printed as test diagnostics.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { deliver } from "../../src/audit/deliver.js";
import { PostgresStore } from "../../src/history/postgres.js";
import { SqliteStore } from "../../src/history/sqlite.js";
import { type Postgres, startPostgres } from "../e2e/services.js";
import { snapshot } from "../history/helpers.js";
import { call } from "./helpers.js";
import {
  freeze,
  lockSqlite,
  pollHealth,
  type Sample,
  serveProcess,
  sleep,
  type Timed,
  timedPost,
} from "./stall-helpers.js";

const TOKEN = "stall-token-0123456789";
let clock = Date.UTC(2026, 6, 1);
function fresh(repository: string) {
  clock += 60_000;
  return snapshot({ repository, time: new Date(clock).toISOString() });
}

const slowest = (samples: Sample[]) => Math.max(...samples.map((s) => s.ms));

function assertHealthy(samples: Sample[], what: string): void {
  assert.ok(samples.length >= 3, `${what}: too few /healthz samples (${samples.length})`);
  const late = samples.filter((s) => s.status === null || s.ms >= 1000);
  assert.deepEqual(late, [], `${what}: /healthz must answer within 1 s every time`);
}

/** Posts each key until it is acknowledged (201/200), at most `attempts` times; returns key → id. */
async function retryUntilStored(
  base: string,
  bodies: Map<string, unknown>,
  attempts = 10,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const [key, body] of bodies) {
    for (let i = 0; i < attempts && !ids.has(key); i++) {
      const r = await timedPost(base, TOKEN, body, key);
      if (r.status === 201 || r.status === 200) ids.set(key, r.json.id as number);
      else await sleep(200);
    }
    assert.ok(ids.has(key), `${key} was never stored`);
  }
  return ids;
}

describe("SQLite: another process holds the write lock", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-stall-sqlite-"));
  const file = path.join(dir, "history.db");
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `dbfence serve` on the file; `store` is another connection to it, for checking what was stored. */
  async function withServer(busyTimeoutMs: number, fn: (base: string, store: SqliteStore) => Promise<void>) {
    const settings = path.join(dir, `serve-${busyTimeoutMs}.toml`);
    fs.writeFileSync(settings, `store = "history.db"\nsqlite-busy-timeout-ms = ${busyTimeoutMs}\n`);
    const server = await serveProcess(settings, { DBFENCE_TOKEN: TOKEN });
    const store = new SqliteStore(file);
    try {
      await fn(server.base, store);
    } finally {
      await server.stop();
      await store.close();
    }
  }

  test("a lock shorter than the busy timeout: 20 posts wait without blocking, /healthz answers, all 201", async (t) => {
    await withServer(4000, async (base) => {
      const lock = await lockSqlite(file);
      let posts: Timed[] = [];
      let health: ReturnType<typeof pollHealth> | null = null;
      try {
        const pending = Promise.all(
          Array.from({ length: 20 }, (_, i) => timedPost(base, TOKEN, fresh("short-lock"), `short-${i}`)),
        );
        // Polled once the 20 bodies are in (reading and validating them is CPU work, not the store's
        // wait), while they wait for the lock, through its release and the 20 inserts.
        await sleep(300);
        health = pollHealth(base);
        await sleep(1200);
        await lock.release();
        posts = await pending;
      } finally {
        await lock.release();
      }
      const samples = await health.stop();
      t.diagnostic(
        `/healthz slowest ${slowest(samples)} ms over ${samples.length} calls; posts ${posts.map((p) => p.ms).join(",")} ms`,
      );
      assertHealthy(samples, "short lock");
      assert.ok(
        samples.some((s) => s.status === 503),
        "the lock was seen: /healthz said degraded meanwhile",
      );
      assert.deepEqual(
        posts.map((p) => p.status),
        Array(20).fill(201),
      );
      assert.ok(
        posts.every((p) => p.ms >= 900),
        "each post waited for the lock",
      );
    });
  });

  test("a lock longer than the busy timeout: 503 within it, then retries store each audit once", async (t) => {
    const bodies = new Map(Array.from({ length: 10 }, (_, i) => [`long-${i}`, fresh("long-lock")] as const));
    let acknowledged = new Map<string, number>();
    await withServer(1000, async (base) => {
      const lock = await lockSqlite(file);
      const health = pollHealth(base);
      let refused: Timed[] = [];
      try {
        refused = await Promise.all([...bodies].map(([key, body]) => timedPost(base, TOKEN, body, key)));
        // Reads do not need the write lock (WAL).
        assert.equal((await call(base, "/api/repositories")).status, 200);
        await sleep(500);
      } finally {
        await lock.release();
      }
      const samples = await health.stop();
      t.diagnostic(`/healthz slowest ${slowest(samples)} ms; 503s after ${refused.map((p) => p.ms).join(",")} ms`);
      assertHealthy(samples, "long lock");
      for (const r of refused) {
        assert.equal(r.status, 503);
        assert.equal(r.json.error, "history store unavailable: the store is locked by another writer");
        assert.ok(r.ms >= 900 && r.ms < 1000 + 1000, `503 after the 1000 ms busy timeout, not much later (${r.ms} ms)`);
      }
      acknowledged = await retryUntilStored(base, bodies);
      const again = await retryUntilStored(base, bodies);
      assert.deepEqual(again, acknowledged, "a retry of an acknowledged post returns the same audit");
    });
    const raw = new Database(file, { readonly: true });
    try {
      const rows = raw
        .prepare(
          "SELECT idempotency_key AS k, COUNT(*) AS n, MIN(id) AS id FROM audits WHERE repository = ? GROUP BY k",
        )
        .all("long-lock") as { k: string; n: number; id: number }[];
      assert.equal(rows.length, 10);
      for (const r of rows) {
        assert.equal(r.n, 1, `no duplicate for ${r.k}`);
        assert.equal(r.id, acknowledged.get(r.k.slice(4)), "the acknowledged id is the stored one");
      }
    } finally {
      raw.close();
    }
  });

  test("audit --post's client gives up while the server still waits; its retry gets the stored audit", async () => {
    await withServer(4000, async (base, store) => {
      const lock = await lockSqlite(file);
      const s = fresh("client-gave-up");
      let result: Awaited<ReturnType<typeof deliver>>;
      try {
        const sending = deliver(`${base}/api/audits`, s, {
          retries: 6,
          backoffMs: 200,
          timeoutMs: 300,
          headers: { authorization: `Bearer ${TOKEN}`, "idempotency-key": "audit-post-retry" },
        });
        await sleep(1000);
        await lock.release();
        result = await sending;
      } finally {
        await lock.release();
      }
      assert.equal(result.delivered, true, result.summary);
      assert.ok(result.attempts.length >= 2, "the first attempts timed out on the client");
      // Attempts the client gave up on are still stored by the server once the lock is gone; whichever
      // of them (or the answered one) came first made the row, every other one found it.
      assert.equal(await store.countAudits("client-gave-up"), 1);
      assert.equal((await store.latestAudit("client-gave-up"))?.id, (result.body as { id: number }).id);
    });
  });
});

describe("PostgreSQL: the cluster is frozen (SIGSTOP)", () => {
  const TIMEOUT = 1000;
  let cluster: Postgres;
  let url: string;
  before(async () => {
    cluster = await startPostgres();
    cluster.sql(["CREATE DATABASE dbfence_stall"]);
    url = `postgres://postgres@127.0.0.1:${cluster.port}/dbfence_stall`;
  });
  after(() => cluster?.stop());

  /** `dbfence serve` on the cluster (store URL from $DBFENCE_STORE); `store` is a store of the test's own. */
  async function withServer(fn: (base: string, store: PostgresStore, log: () => string) => Promise<void>) {
    const settings = path.join(cluster.dir, "serve.toml");
    fs.writeFileSync(
      settings,
      `postgres-connect-timeout-ms = ${TIMEOUT}\npostgres-statement-timeout-ms = ${TIMEOUT}\nhealth-timeout-ms = 500\n`,
    );
    const server = await serveProcess(settings, { DBFENCE_TOKEN: TOKEN, DBFENCE_STORE: url });
    const store = new PostgresStore(url, { onIdleError: () => {} });
    try {
      await fn(server.base, store, server.log);
    } finally {
      await server.stop();
      await store.close();
    }
  }

  async function rowsByKey(repository: string): Promise<Map<string, { n: number; id: number }>> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const r = await client.query(
        "SELECT idempotency_key AS k, COUNT(*)::int AS n, MIN(id)::int AS id FROM audits WHERE repository = $1 GROUP BY k",
        [repository],
      );
      return new Map(
        r.rows.map((row: { k: string; n: number; id: number }) => [row.k.slice(4), { n: row.n, id: row.id }]),
      );
    } finally {
      await client.end();
    }
  }

  test("frozen: /healthz within 1 s, 503 within the timeouts, 400 still 400; thawed: retries store each audit once", async (t) => {
    await withServer(async (base, _store, log) => {
      const before = new Map(Array.from({ length: 5 }, (_, i) => [`before-${i}`, fresh("frozen")] as const));
      const acknowledged = await retryUntilStored(base, before, 1);
      const during = new Map(Array.from({ length: 12 }, (_, i) => [`during-${i}`, fresh("frozen")] as const));

      const ice = freeze(path.join(cluster.dir, "data"));
      const health = pollHealth(base);
      let refused: Timed[] = [];
      let read = { status: 0, ms: 0 };
      let bad = { status: 0, ms: 0 };
      try {
        refused = await Promise.all([...during].map(([key, body]) => timedPost(base, TOKEN, body, key)));
        const started = performance.now();
        read = { status: (await call(base, "/api/repositories")).status, ms: performance.now() - started };
        const badStart = performance.now();
        const nul = await timedPost(base, TOKEN, fresh("frozen\u0000"), "bad-nul");
        bad = { status: nul.status ?? 0, ms: performance.now() - badStart };
        await sleep(1500);
      } finally {
        ice.thaw();
      }
      const samples = await health.stop();
      t.diagnostic(
        `frozen ${ice.pids.length} processes; /healthz slowest ${slowest(samples)} ms over ${samples.length} calls; ` +
          `503s after ${refused.map((r) => r.ms).join(",")} ms; read 503 after ${Math.round(read.ms)} ms`,
      );
      assertHealthy(samples, "frozen PostgreSQL");
      assert.ok(
        samples.some((s) => s.status === 503),
        "/healthz said degraded while frozen",
      );
      for (const r of refused) {
        assert.equal(r.status, 503, JSON.stringify(r.json));
        assert.ok(r.ms < 2 * TIMEOUT + 500, `503 within the connect + statement timeouts (${r.ms} ms)`);
        assert.doesNotMatch(String(r.json.error), /127\.0\.0\.1|dbfence_stall|postgres@/);
      }
      assert.equal(read.status, 503);
      assert.ok(read.ms < 2 * TIMEOUT + 500, `the read failed in time (${read.ms} ms)`);
      assert.equal(bad.status, 400, "bad data is refused without asking the store");
      assert.ok(bad.ms < 500);
      assert.match(log(), /dbfence serve: history store unavailable: .*timeout/);

      // Thawed: the server recovers by itself; clients retry with their keys.
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        up = (await call(base, "/healthz")).status === 200;
        if (!up) await sleep(200);
      }
      assert.ok(up, "/healthz is ok again after the thaw");
      for (const [key, id] of await retryUntilStored(base, during)) acknowledged.set(key, id);
      const again = await retryUntilStored(base, new Map([...before, ...during]), 1);
      assert.deepEqual(again, acknowledged, "every retry returns the audit already stored");
      const rows = await rowsByKey("frozen");
      assert.equal(rows.size, 17);
      for (const [key, id] of acknowledged) assert.deepEqual(rows.get(key), { n: 1, id }, key);
    });
  });

  test("a client that gives up while the cluster is frozen, then retries: one row, the stored id", async () => {
    await withServer(async (base) => {
      const s = fresh("pg-client-gave-up");
      await timedPost(base, TOKEN, fresh("pg-warm"), "warm");
      const ice = freeze(path.join(cluster.dir, "data"));
      let result: Awaited<ReturnType<typeof deliver>>;
      try {
        const sending = deliver(`${base}/api/audits`, s, {
          retries: 8,
          backoffMs: 300,
          timeoutMs: 300,
          headers: { authorization: `Bearer ${TOKEN}`, "idempotency-key": "pg-post-retry" },
        });
        await sleep(600);
        ice.thaw();
        result = await sending;
      } finally {
        ice.thaw();
      }
      assert.equal(result.delivered, true, result.summary);
      assert.ok(result.attempts.length >= 2);
      const rows = await rowsByKey("pg-client-gave-up");
      assert.equal(rows.size, 1);
      assert.deepEqual(rows.get("pg-post-retry"), { n: 1, id: (result.body as { id: number }).id });
    });
  });

  test("what PostgreSQL refuses as data never reaches it: 400, while the store itself would fail", async () => {
    await withServer(async (base, store) => {
      const nul = fresh("pg-nul\u0000");
      const big = { ...fresh("pg-big"), summary: { files: 2 ** 31, findings: 1, errors: 1, warnings: 0 } };
      // The store on its own refuses both (so the check before it is needed)...
      await assert.rejects(store.insertAudit(nul), /0x00|invalid byte sequence/);
      await assert.rejects(store.insertAudit(big), /out of range for type integer/);
      // ...and the server answers 400, not a 503 a client would retry forever.
      for (const body of [nul, big]) {
        const r = await timedPost(base, TOKEN, body, `bad-${Math.random()}`);
        assert.equal(r.status, 400, JSON.stringify(r.json));
      }
      assert.equal((await call(base, "/healthz")).status, 200);
    });
  });
});
