/**
 * End to end, for real: the example backend on a real PostgreSQL server with Debian's Python packages.
 * A throwaway cluster gets a role and two databases; the example's own pytest suite runs against one;
 * uvicorn serves the app against the other and GET /health/db must answer 200 within a second; the
 * lifespan must open and close the pool; `dbfence probe` measures it and `dbfence audit --probe` records a
 * snapshot in a fresh SQLite store, read back here. Then `dbfence check` through the CLI (0 findings on the
 * example, exactly the labelled ones on the legacy app) and the installed git hook blocking a bad
 * commit. Every process started here is stopped, also when a step fails.
 *
 * Nothing is skipped: without PostgreSQL or the Python packages the test fails and says that
 * `npm test` sets them up (scripts/test-setup.mjs).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { checkJson, dbfence } from "../cli/run.js";
import { keyOf, readExpectations } from "../helpers/expectations.js";
import { EXAMPLES, git, gitEnv, gitInit, tmpCopy } from "../init/helpers.js";
import { checkPython, freePort, type Postgres, PYTHON, type Service, startPostgres, startService } from "./services.js";

const ROLE = "plant";
const PASSWORD = "plant-e2e";

let pg: Postgres | null = null;
const services: Service[] = [];

const url = (database: string): string => `postgresql+asyncpg://${ROLE}:${PASSWORD}@127.0.0.1:${pg?.port}/${database}`;

/** The environment for the example's Python: Debian's interpreter, no bytecode files, no user site. */
function pythonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONNOUSERSITE: "1",
    ...extra,
  };
}

async function get(url: string): Promise<{ status: number; ms: number; body: string }> {
  const started = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = await res.text();
  return { status: res.status, ms: performance.now() - started, body };
}

async function post(url: string, json: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(json),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("end to end: the example backend on PostgreSQL", { timeout: 300_000 }, () => {
  // A setup failure (a missing package above all) fails each test that needs the services, with its
  // message, rather than cancelling them in silence.
  let setupError: unknown = null;
  before(async () => {
    try {
      checkPython();
      pg = await startPostgres();
      await pg.sql([
        `CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`,
        `CREATE DATABASE plant OWNER ${ROLE}`,
        `CREATE DATABASE plant_test OWNER ${ROLE}`,
      ]);
    } catch (e) {
      setupError = e;
    }
  });
  const needServices = (): void => {
    if (setupError !== null) throw setupError;
  };

  after(async () => {
    for (const s of services.splice(0)) await s.stop();
    pg?.stop();
  });

  test("the example's own pytest suite passes against the database", () => {
    needServices();
    const dir = tmpCopy(path.join(EXAMPLES, "plant-backend"), "dbfence-e2e-app-");
    const r = spawnSync(PYTHON, ["-m", "pytest", "-q", "-p", "no:cacheprovider"], {
      cwd: dir,
      env: pythonEnv({ TEST_DATABASE_URL: url("plant_test"), DATABASE_URL: url("plant_test") }),
      encoding: "utf8",
      timeout: 180_000,
    });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, `pytest failed:\n${out}`);
    const passed = /(\d+) passed/.exec(out);
    assert.ok(passed && Number(passed[1]) >= 5, `expected the example's tests to run:\n${out}`);
    assert.doesNotMatch(out, /\d+ (failed|error)/);
  });

  test("uvicorn serves the app: GET /health/db is 200 in under a second; the lifespan opens and closes the pool", async () => {
    needServices();
    const dir = tmpCopy(path.join(EXAMPLES, "plant-backend"), "dbfence-e2e-app-");
    const port = await freePort();
    const app = startService(PYTHON, ["-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", String(port)], {
      cwd: dir,
      env: pythonEnv({ DATABASE_URL: url("plant"), DB_POOL_SIZE: "2", DB_MAX_OVERFLOW: "2" }),
    });
    services.push(app);
    const base = `http://127.0.0.1:${port}`;

    // Up: the first 200 from /health/db (the lifespan has run initialize_database by then).
    const deadline = Date.now() + 30_000;
    let up = false;
    while (!up && Date.now() < deadline) {
      if (app.exited()) assert.fail(`uvicorn exited early:\n${app.output()}`);
      try {
        up = (await get(`${base}/health/db`)).status === 200;
      } catch {
        // not listening yet
      }
      if (!up) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(up, `GET /health/db never answered 200:\n${app.output()}`);

    for (let i = 0; i < 5; i++) {
      const health = await get(`${base}/health/db`);
      assert.equal(health.status, 200, health.body);
      assert.deepEqual(JSON.parse(health.body), { database: "ok" });
      assert.ok(health.ms < 1000, `GET /health/db took ${health.ms.toFixed(0)} ms`);
    }

    // dbfence probe: every request 200 and p95 under the policy's second.
    const probed = await dbfence(["probe", `${base}/health/db`, "--count", "10", "--format", "json"], dir);
    assert.equal(probed.status, 0, probed.stdout + probed.stderr);
    const probeResult = JSON.parse(probed.stdout) as { ok: number; p95Ms: number; healthy: boolean };
    assert.equal(probeResult.ok, 10);
    assert.ok(probeResult.p95Ms < 1000, `p95 ${probeResult.p95Ms} ms`);

    // dbfence audit --probe into a fresh SQLite store: the recorded snapshot holds the run's facts.
    const storeFile = path.join(dir, ".dbfence", "e2e-history.db");
    const audited = await dbfence(
      [
        "audit",
        ".",
        "--store",
        storeFile,
        "--probe",
        `${base}/health/db`,
        "--repository",
        "plant-backend",
        "--format",
        "json",
      ],
      dir,
    );
    const outcome = JSON.parse(audited.stdout) as {
      stored: boolean;
      auditId: number;
      snapshot: { repository: string; probe: { p95Ms: number | null } | null; findings: unknown[] };
    };
    assert.equal(outcome.stored, true, audited.stderr);
    assert.equal(outcome.snapshot.repository, "plant-backend");
    assert.deepEqual(outcome.snapshot.findings, []);
    assert.ok(outcome.snapshot.probe !== null && (outcome.snapshot.probe.p95Ms ?? 1e9) < 1000, audited.stdout);
    const db = new Database(storeFile, { readonly: true });
    try {
      const rows = db.prepare("SELECT id, repository, status, findings, health_p95_ms FROM audits").all() as {
        id: number;
        repository: string;
        status: string;
        findings: number;
        health_p95_ms: number | null;
      }[];
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.id, outcome.auditId);
      assert.equal(rows[0]?.repository, "plant-backend");
      assert.equal(rows[0]?.findings, 0);
      assert.ok(rows[0]?.health_p95_ms !== null && (rows[0]?.health_p95_ms ?? 1e9) < 1000);
    } finally {
      db.close();
    }

    // The app works on the tables the lifespan created: create, list, get, IntegrityError -> 400.
    const skill = await post(`${base}/api/skills/`, { name: "welding", category: "fabrication" });
    assert.equal(skill.status, 201, JSON.stringify(skill.body));
    const agent = await post(`${base}/api/agents/`, { name: "Ada", email: "ada@example.org", skill_id: skill.body.id });
    assert.equal(agent.status, 201, JSON.stringify(agent.body));
    assert.equal((await post(`${base}/api/agents/`, { name: "Ada", email: "ada@example.org" })).status, 400);
    const listed = await get(`${base}/api/agents/`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (JSON.parse(listed.body) as { email: string }[]).map((a) => a.email),
      ["ada@example.org"],
    );
    assert.equal((await get(`${base}/api/agents/${agent.body.id}`)).status, 200);
    assert.equal((await get(`${base}/api/skills/999999`)).status, 404);

    await app.stop();
    const log = app.output();
    assert.match(log, /Application startup complete/);
    assert.match(log, /Application shutdown complete/, `the lifespan's shutdown did not finish:\n${log}`);
  });

  test("dbfence check: 0 findings on the example, exactly the labelled ones on the legacy app", async () => {
    const clean = await checkJson([], path.join(EXAMPLES, "plant-backend"));
    assert.equal(clean.status, 0, clean.stdout);
    assert.deepEqual(clean.json.findings, []);

    const legacyDir = path.join(EXAMPLES, "plant-backend-legacy");
    const legacy = await checkJson([], legacyDir);
    assert.equal(legacy.status, 1);
    const got = new Set(legacy.json.findings.map((f) => keyOf(f)));
    const expected = new Set(readExpectations(legacyDir).map(keyOf));
    assert.deepEqual(got, expected);
  });

  test("install-hook blocks a commit staging a violation and lets a clean one through", async () => {
    const repo = tmpCopy(path.join(EXAMPLES, "plant-backend"), "dbfence-e2e-git-");
    gitInit(repo);
    const install = await dbfence(["install-hook"], repo, { env: gitEnv() });
    assert.equal(install.status, 0, install.stderr);
    git(repo, ["add", "-A"]);
    const first = git(repo, ["commit", "-m", "plant backend"]);
    assert.equal(first.status, 0, `${first.stdout}${first.stderr}`);

    const skills = path.join(repo, "api", "skills.py");
    const before = fs.readFileSync(skills, "utf8");
    fs.appendFileSync(skills, "\nimport asyncpg\n");
    git(repo, ["add", "api/skills.py"]);
    const blocked = git(repo, ["commit", "-m", "raw driver"]);
    assert.notEqual(blocked.status, 0, "the hook must block the commit");
    assert.match(`${blocked.stdout}${blocked.stderr}`, /DBF104/);

    fs.writeFileSync(skills, `${before}\n\nSKILL_CATEGORIES = ("fabrication", "horticulture")\n`);
    git(repo, ["add", "api/skills.py"]);
    const ok = git(repo, ["commit", "-m", "categories"]);
    assert.equal(ok.status, 0, `${ok.stdout}${ok.stderr}`);
    assert.equal(git(repo, ["rev-list", "--count", "HEAD"]).stdout.trim(), "2");
  });
});
