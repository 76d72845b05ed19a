/**
 * `dbfence audit` end to end: the built CLI on example backends in real git repositories, writing real
 * SQLite and PostgreSQL stores, probing and alerting real local HTTP servers.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { PostgresStore } from "../../src/history/postgres.js";
import { parseSnapshot } from "../../src/history/snapshot.js";
import { SqliteStore } from "../../src/history/sqlite.js";
import { buildServer } from "../../src/serve/server.js";
import { type TestDatabase, testDatabase } from "../history/helpers.js";
import { dbfence, gitProject, logLines, receiver, tempDir } from "./helpers.js";

const tmp = tempDir("audit");
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let legacy: { dir: string; commit: string };
let clean: { dir: string; commit: string };
before(() => {
  legacy = gitProject("plant-backend-legacy", tmp);
  // The clean example has few usage points: lower that threshold so it can pass.
  clean = gitProject("plant-backend", tmp, "[thresholds]\nconnector-usage-points-min = 5");
});

interface AuditJson {
  auditId: number | null;
  stored: boolean;
  storeError: string | null;
  alert: { delivered: boolean; attempts: { status: number | null }[]; summary: string } | null;
  post: { delivered: boolean; summary: string } | null;
  exitCode: number;
  snapshot: {
    repository: string;
    status: string;
    git: { commit: string | null; branch: string | null };
    summary: { findings: number; errors: number };
    metrics: { violationsPerWeek: number; healthP95Ms: number | null; connectorUsagePoints: number | null };
    probe: { ok: number; count: number } | null;
    findings: unknown[];
    thresholdsBroken: { key: string; message: string }[];
  };
}

let n = 0;
function files(): { store: string; log: string; work: string } {
  const work = path.join(tmp, `run${++n}`);
  fs.mkdirSync(work);
  return { store: path.join(work, "h", "history.db"), log: path.join(work, "audit.log"), work };
}

async function audit(project: string, f: { store: string; log: string; work: string }, extra: string[] = []) {
  const run = await dbfence(
    ["audit", project, "--store", f.store, "--audit-log", f.log, "--format", "json", ...extra],
    f.work,
  );
  let json: AuditJson;
  try {
    json = JSON.parse(run.stdout) as AuditJson;
  } catch {
    throw new Error(`not JSON (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  return { ...run, json };
}

async function count(store: string): Promise<number> {
  const s = new SqliteStore(store);
  try {
    return await s.countAudits();
  } finally {
    await s.close();
  }
}

describe("dbfence audit", { concurrency: true }, () => {
  test("a failing project: snapshot with git commit and branch stored, COMPLIANCE_CHECK_FAILED logged with counts", async () => {
    const f = files();
    const first = await audit(legacy.dir, f);
    assert.equal(first.status, 1, first.stderr);
    const s = first.json.snapshot;
    assert.equal(s.repository, "plant-backend-legacy");
    assert.deepEqual(s.git, { commit: legacy.commit, branch: "main" });
    assert.equal(s.status, "failed");
    assert.ok(s.summary.errors > 0);
    assert.ok(parseSnapshot(s).ok, "what audit prints under `snapshot` is what POST /api/audits accepts");
    assert.equal(first.json.stored, true);
    assert.ok(s.thresholdsBroken.some((t) => t.key === "violations-per-week-max"));
    assert.equal(s.metrics.violationsPerWeek, s.summary.errors, "every error is a distinct violation here");

    // A second audit of the same code: the week's violations do not double.
    const second = await audit(legacy.dir, f);
    assert.equal(second.json.snapshot.metrics.violationsPerWeek, s.metrics.violationsPerWeek);
    assert.equal(await count(f.store), 2);

    const lines = logLines(f.log);
    assert.equal(lines.length, 2);
    const line = lines[0] as Record<string, unknown>;
    assert.equal(line.event, "COMPLIANCE_CHECK_FAILED");
    assert.equal(line.repository, "plant-backend-legacy");
    assert.equal(line.commit, legacy.commit);
    assert.equal(line.auditId, first.json.auditId);
    assert.deepEqual(Object.keys(line.counts as object), [
      "files",
      "findings",
      "errors",
      "warnings",
      "thresholdsBroken",
      "violationsPerWeek",
    ]);
    assert.equal((line.counts as { errors: number }).errors, s.summary.errors);
  });

  test("a passing project logs COMPLIANCE_CHECK_PASSED and exits 0; the text output says where it went", async () => {
    const f = files();
    const run = await dbfence(["audit", clean.dir, "--store", f.store, "--audit-log", f.log], f.work);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /plant-backend \(main @ [0-9a-f]{10}\): PASSED/);
    assert.match(run.stdout, /stored: audit #1 in /);
    assert.match(run.stdout, /COMPLIANCE_CHECK_PASSED/);
    assert.equal(logLines(f.log)[0]?.event, "COMPLIANCE_CHECK_PASSED");
  });

  test("--probe measures the health endpoint; an endpoint that fails breaks the latency threshold", async () => {
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === "/health/db" ? 200 : 503;
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const f = files();
      const ok = await audit(clean.dir, f, ["--probe", `${base}/health/db`, "--probe-count", "5"]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(ok.json.snapshot.probe?.ok, 5);
      assert.ok((ok.json.snapshot.metrics.healthP95Ms ?? -1) >= 0);
      const down = await audit(clean.dir, f, [
        "--probe",
        `${base}/down`,
        "--probe-count",
        "3",
        "--probe-timeout-ms",
        "1500",
      ]);
      assert.equal(down.status, 1);
      assert.equal(down.json.snapshot.metrics.healthP95Ms, 1500, "judged at the timeout");
      assert.deepEqual(
        down.json.snapshot.thresholdsBroken.map((t) => t.key),
        ["health-latency-ms-max"],
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test("webhook failing twice then answering: retried with backoff, delivered, Slack-compatible", async () => {
    const hook = await receiver([500, 502, 200]);
    try {
      const f = files();
      const run = await audit(legacy.dir, f, ["--webhook", hook.url, "--webhook-backoff-ms", "50"]);
      assert.equal(run.status, 1, "failed compliance, alert delivered");
      assert.equal(run.json.alert?.delivered, true);
      assert.deepEqual(
        run.json.alert?.attempts.map((a) => a.status),
        [500, 502, 200],
      );
      assert.equal(hook.received.length, 3);
      const message = hook.received[2] as { text: string; blocks: { type: string }[] };
      assert.match(message.text, /^dbfence: 3 thresholds broken in plant-backend-legacy \(main @ [0-9a-f]{10}\)/);
      assert.match(message.text, /violations per week: \d+, needs ≤ 0/);
      assert.deepEqual(
        message.blocks.map((b) => b.type),
        ["section", "section", "context"],
      );
    } finally {
      await hook.close();
    }
  });

  test("webhook always failing: the snapshot is still stored and logged, exit 4", async () => {
    const hook = await receiver([500]);
    try {
      const f = files();
      const run = await audit(legacy.dir, f, [
        "--webhook",
        hook.url,
        "--webhook-retries",
        "2",
        "--webhook-backoff-ms",
        "20",
      ]);
      assert.equal(run.status, 4, run.stderr);
      assert.equal(run.json.stored, true);
      assert.equal(run.json.alert?.delivered, false);
      assert.equal(hook.received.length, 3, "one attempt and two retries");
      assert.match(run.stderr, /webhook alert was not delivered: HTTP 500 after 3 attempts/);
      assert.equal(await count(f.store), 1);
      const events = logLines(f.log).map((l) => l.event);
      assert.deepEqual(events, ["COMPLIANCE_CHECK_FAILED", "ALERT_DELIVERY_FAILED"]);
      assert.doesNotMatch(fs.readFileSync(f.log, "utf8"), /secret/, "the webhook's secret path is not logged");
    } finally {
      await hook.close();
    }
  });

  test("a store that cannot be written: exit 5, the compliance line is still logged", async () => {
    const f = files();
    const blocker = path.join(f.work, "not-a-folder");
    fs.writeFileSync(blocker, "a file where the store's folder should be");
    const run = await audit(clean.dir, { ...f, store: path.join(blocker, "history.db") });
    assert.equal(run.status, 5);
    assert.equal(run.json.stored, false);
    assert.match(run.stderr, /the snapshot was not stored: cannot open the SQLite history store/);
    const line = logLines(f.log)[0];
    assert.equal(line?.event, "COMPLIANCE_CHECK_PASSED");
    assert.equal(line?.auditId, null);
  });

  test("a postgres:// store: the same audit lands in PostgreSQL", async () => {
    let db: TestDatabase | null = null;
    try {
      db = await testDatabase("audit");
      const f = files();
      const run = await audit(legacy.dir, { ...f, store: db.url });
      assert.equal(run.status, 1, run.stderr);
      const store = new PostgresStore(db.url);
      assert.equal(await store.countAudits("plant-backend-legacy"), 1);
      const back = await store.latestAudit("plant-backend-legacy");
      assert.equal(back?.snapshot.findings.length, run.json.snapshot.findings.length);
      await store.close();
    } finally {
      await db?.drop();
    }
  });

  test("--post sends the snapshot to a dbfence serve with the token from $DBFENCE_TOKEN", async () => {
    const f = files();
    const serverStore = new SqliteStore(path.join(f.work, "server.db"));
    const app = await buildServer({ store: serverStore, token: "t0ken", bodyLimit: 5 * 1024 * 1024 });
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const run = await dbfence(
        ["audit", legacy.dir, "--store", f.store, "--audit-log", f.log, "--post", address, "--format", "json"],
        f.work,
        { DBFENCE_TOKEN: "t0ken" },
      );
      const json = JSON.parse(run.stdout) as AuditJson;
      assert.equal(json.post?.delivered, true, run.stderr);
      assert.equal(await serverStore.countAudits("plant-backend-legacy"), 1);
      const wrong = await dbfence(
        ["audit", legacy.dir, "--store", f.store, "--audit-log", f.log, "--post", address, "--webhook-retries", "0"],
        f.work,
        { DBFENCE_TOKEN: "wrong" },
      );
      assert.equal(wrong.status, 4);
      assert.match(wrong.stderr, /not sent to .*HTTP 401 after 1 attempt \(wrong token\)/);
    } finally {
      await app.close();
      await serverStore.close();
    }
  });

  test("usage errors exit 2 with one message", async () => {
    const f = files();
    const bad = await dbfence(["audit", clean.dir, "--webhook", "ftp://x", "--store", f.store], f.work);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, "dbfence: --webhook: 'ftp://x' must be an http:// or https:// URL\n");
    assert.equal(bad.stdout, "");
  });
});
