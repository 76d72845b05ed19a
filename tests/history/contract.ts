/** One behaviour for both history stores: each store's test file runs these against a real engine. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SCHEMA_VERSION } from "../../src/history/schema.js";
import type { HistoryStore } from "../../src/history/store.js";
import { finding, snapshot } from "./helpers.js";

export interface StoreFactory {
  /** A store on a fresh, empty database. */
  fresh(): Promise<HistoryStore>;
  /** Another store on the same database as `store` (a second process, say). */
  sibling(store: HistoryStore): HistoryStore;
}

export function storeContract(kind: string, factory: StoreFactory): void {
  describe(`${kind} store: schema and migrations`, () => {
    test("a fresh store gets every migration once, recorded with its version", async () => {
      const store = await factory.fresh();
      try {
        await store.migrate();
        await store.migrate();
        assert.deepEqual(
          await store.appliedMigrations(),
          Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
        );
        const again = factory.sibling(store);
        await again.migrate();
        assert.deepEqual(
          await again.appliedMigrations(),
          Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
        );
        await again.close();
      } finally {
        await store.close();
      }
    });

    test("two stores migrating the same empty database at once both succeed", async () => {
      const a = await factory.fresh();
      const b = factory.sibling(a);
      try {
        await Promise.all([a.migrate(), b.migrate()]);
        assert.deepEqual(
          await a.appliedMigrations(),
          Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
        );
        assert.equal(await b.countAudits(), 0);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  describe(`${kind} store: audits`, () => {
    test("a snapshot reads back as stored, findings in order", async () => {
      const store = await factory.fresh();
      try {
        const s = snapshot({
          findings: [
            finding("DBF301", "app/routes/items.py", 14, "sync route handler uses the database"),
            finding("DBF302", "app/routes/items.py", 30, "sync endpoint", "warning"),
            finding("DBF104", "app/db.py", 3, "raw driver"),
          ],
          thresholdsBroken: [
            {
              key: "async-endpoints-percent-min",
              metric: "async endpoints",
              comparison: ">=",
              limit: 95,
              unit: "%",
              actual: 80,
              message: "async endpoints: 80 %, needs ≥ 95 %",
            },
          ],
          metrics: { details: { metricsVersion: 1, nested: { list: [1, 2, 3] } } },
        });
        const id = await store.insertAudit(s);
        assert.ok(id >= 1);
        const back = await store.getAudit(id);
        assert.ok(back);
        assert.deepEqual(back.snapshot, s);
        assert.equal(await store.getAudit(id + 1000), null);
      } finally {
        await store.close();
      }
    });

    test("latest is by audit time, not by arrival; repositories summarise their newest audit", async () => {
      const store = await factory.fresh();
      try {
        await store.insertAudit(snapshot({ time: "2026-11-22T02:00:00Z", repository: "b" }));
        const newest = await store.insertAudit(snapshot({ time: "2026-11-23T02:00:00Z", findings: [] }));
        await store.insertAudit(snapshot({ time: "2026-11-21T02:00:00Z" }));
        assert.equal((await store.latestAudit("plant-backend"))?.id, newest);
        const repos = await store.repositories();
        assert.deepEqual(
          repos.map((r) => [r.repository, r.audits, r.latest.status, r.firstTime]),
          [
            ["b", 1, "failed", "2026-11-22T02:00:00.000Z"],
            ["plant-backend", 2, "passed", "2026-11-21T02:00:00.000Z"],
          ],
        );
        assert.equal(await store.countAudits(), 3);
        assert.equal(await store.countAudits("b"), 1);
        assert.equal(await store.latestAudit("nobody"), null);
      } finally {
        await store.close();
      }
    });

    test("the trend is oldest first, limited to the newest audits, with findings per code", async () => {
      const store = await factory.fresh();
      try {
        for (let day = 1; day <= 5; day++) {
          const findings = Array.from({ length: day }, (_, i) => finding("DBF203", "app/a.py", i + 1, "legacy query"));
          if (day % 2 === 0) findings.push(finding("DBF502", "app/b.py", 1, "sql built from request data"));
          await store.insertAudit(
            snapshot({
              time: `2026-11-0${day}T02:00:00Z`,
              findings,
              metrics: { connectorUsagePoints: 40 + day, asyncEndpointsPercent: 80 + day, healthP95Ms: day * 10 },
            }),
          );
        }
        const trend = await store.trend("plant-backend", 3);
        assert.deepEqual(
          trend.map((p) => [
            p.time.slice(0, 10),
            p.findingsPerCode,
            p.connectorUsagePoints,
            p.asyncEndpointsPercent,
            p.healthP95Ms,
          ]),
          [
            ["2026-11-03", { DBF203: 3 }, 43, 83, 30],
            ["2026-11-04", { DBF203: 4, DBF502: 1 }, 44, 84, 40],
            ["2026-11-05", { DBF203: 5 }, 45, 85, 50],
          ],
        );
      } finally {
        await store.close();
      }
    });

    test("values are bound parameters: quotes and SQL in names and messages are stored as text", async () => {
      const store = await factory.fresh();
      try {
        const evil = "x'); DROP TABLE audits; --";
        const id = await store.insertAudit(
          snapshot({
            repository: evil,
            findings: [finding("DBF501", "a'b.py", 1, `execute("SELECT * FROM t WHERE x = '" + y + "'")`)],
          }),
        );
        const back = await store.latestAudit(evil);
        assert.equal(back?.id, id);
        assert.equal(back?.snapshot.findings[0]?.path, "a'b.py");
        assert.equal(await store.countAudits(), 1);
      } finally {
        await store.close();
      }
    });
  });

  describe(`${kind} store: violations per week`, () => {
    test("distinct error findings per ISO week; repeats across a week's audits count once, duplicates in a file twice", async () => {
      const store = await factory.fresh();
      try {
        const raw = finding("DBF104", "app/db.py", 3, "raw driver");
        const dup = finding("DBF203", "app/a.py", 10, "legacy query");
        const warn = finding("DBF302", "app/r.py", 1, "sync endpoint", "warning");
        // Week 2026-W46 (Mon 9 Nov): the same finding on two days, the second time moved down a line.
        await store.insertAudit(snapshot({ time: "2026-11-10T02:00:00Z", findings: [raw, warn] }));
        await store.insertAudit(snapshot({ time: "2026-11-12T02:00:00Z", findings: [{ ...raw, line: 4 }] }));
        // Week 2026-W47: raw again plus the same legacy query twice in one file.
        await store.insertAudit(snapshot({ time: "2026-11-17T02:00:00Z", findings: [raw, dup, { ...dup, line: 20 }] }));
        // Week 2026-W48: a clean audit. Another repository never counts.
        await store.insertAudit(snapshot({ time: "2026-11-24T02:00:00Z", findings: [] }));
        await store.insertAudit(snapshot({ time: "2026-11-24T03:00:00Z", repository: "other", findings: [raw, dup] }));

        const weeks = await store.weeklyViolations("plant-backend", 4, new Date("2026-11-27T12:00:00Z"));
        assert.deepEqual(weeks, [
          { week: "2026-W45", start: "2026-11-02", violations: 0, audits: 0 },
          { week: "2026-W46", start: "2026-11-09", violations: 1, audits: 2 },
          { week: "2026-W47", start: "2026-11-16", violations: 3, audits: 1 },
          { week: "2026-W48", start: "2026-11-23", violations: 0, audits: 1 },
        ]);
        const window = await store.violationsBetween(
          "plant-backend",
          new Date("2026-11-10T00:00:00Z"),
          new Date("2026-11-18T00:00:00Z"),
        );
        assert.equal(window.length, 3);
      } finally {
        await store.close();
      }
    });
  });

  describe(`${kind} store: idempotent ingestion`, () => {
    test("one row per key, also when two processes ingest the same key at once; findings stored once", async () => {
      const store = await factory.fresh();
      const other = factory.sibling(store);
      try {
        const s = snapshot({ findings: [finding("DBF104", "app/db.py", 3, "raw driver")] });
        const first = await store.ingestAudit(s, "key:a");
        assert.equal(first.created, true);
        assert.match(String(first.contentSha256), /^[0-9a-f]{64}$/);
        const again = await store.ingestAudit(s, "key:a");
        assert.deepEqual(again, { ...first, created: false });
        const reused = await store.ingestAudit(snapshot({ time: "2026-11-21T02:00:00.000Z" }), "key:a");
        assert.equal(reused.id, first.id, "a key already stored returns that audit, whatever was sent");
        assert.notEqual(reused.contentSha256, null);
        const race = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other).ingestAudit(s, "key:b")),
        );
        assert.equal(race.filter((r) => r.created).length, 1);
        assert.equal(new Set(race.map((r) => r.id)).size, 1);
        assert.equal(await store.countAudits(), 2);
        assert.equal((await store.getAudit(first.id))?.snapshot.findings.length, 1);
        // Audits stored without a key never collide.
        await store.insertAudit(s);
        await store.insertAudit(s);
        assert.equal(await store.countAudits(), 4);
      } finally {
        await store.close();
        await other.close();
      }
    });
  });
}
