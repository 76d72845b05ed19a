/**
 * `dbfence serve` as users run it: settings from TOML/JSON and flags, the croner schedule, and the
 * real command in a child process auditing a configured repository (with its health probe) at start.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { loadServeSettings, ServeConfigError } from "../../src/serve/config.js";
import { AuditScheduler } from "../../src/serve/scheduler.js";
import { CLI, dbfence, gitProject, tempDir } from "../audit/helpers.js";
import { call } from "./helpers.js";

const tmp = tempDir("serve-cli");
let project: string;
let health: http.Server;
let healthUrl = "";
before(async () => {
  project = gitProject("plant-backend", tmp, "[thresholds]\nconnector-usage-points-min = 5").dir;
  health = http.createServer((_req, res) => res.end('{"database":"ok"}'));
  await new Promise<void>((r) => health.listen(0, "127.0.0.1", r));
  healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health/db`;
});
after(() => {
  health.closeAllConnections();
  health.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

describe("serve settings", () => {
  test("defaults: 127.0.0.1:8700, daily 02:00 UTC, .dbfence/history.db in the working folder", () => {
    const s = loadServeSettings({}, {}, tmp);
    assert.equal(s.host, "127.0.0.1");
    assert.equal(s.port, 8700);
    assert.equal(s.store, path.join(tmp, ".dbfence", "history.db"));
    assert.equal(s.token, null);
    assert.deepEqual(
      [s.schedule?.cron, s.schedule?.timezone, s.schedule?.repositories.length],
      ["0 2 * * *", "UTC", 0],
    );
    const scheduler = new AuditScheduler(s.schedule!, s.store);
    scheduler.start();
    try {
      assert.match(scheduler.nextRun()?.toISOString() ?? "", /T02:00:00\.000Z$/);
    } finally {
      scheduler.stop();
    }
  });

  test("a TOML file: paths relative to it, tokens and webhook from the environment, flags win", () => {
    const file = write(
      "serve.toml",
      `port = 9000
store = "data/history.db"
protect-reads = true
[schedule]
cron = "30 3 * * 1-5"
[[schedule.repositories]]
name = "plant"
path = "plant-backend"
probe = "${healthUrl}"
`,
    );
    const s = loadServeSettings(
      { config: file, port: 0 },
      { DBFENCE_TOKEN: "w", DBFENCE_WEBHOOK: "https://hooks.example/x" },
      "/",
    );
    assert.equal(s.port, 0);
    assert.equal(s.store, path.join(tmp, "data", "history.db"));
    assert.equal(s.token, "w");
    assert.equal(s.protectReads, true);
    assert.equal(s.schedule?.cron, "30 3 * * 1-5");
    assert.equal(s.schedule?.webhook, "https://hooks.example/x");
    assert.deepEqual(s.schedule?.repositories, [
      { name: "plant", path: project, probe: healthUrl, probeCount: 20, config: null },
    ]);
    const json = write(
      "serve.json",
      JSON.stringify({ store: "postgres://u@db/h", schedule: { timezone: "Europe/Berlin" } }),
    );
    const j = loadServeSettings({ config: json }, {}, "/");
    assert.equal(j.store, "postgres://u@db/h");
    assert.equal(j.schedule?.timezone, "Europe/Berlin");
  });

  test("mistakes are ServeConfigErrors that name the key", () => {
    const cases: [string, RegExp][] = [
      ['port = "x"', /port: /],
      ["colour = true", /Unrecognized key.*colour/],
      ['[schedule]\ncron = "every day"', /schedule: 'every day' .* is not a cron expression/],
      ["protect-reads = true", /protect-reads needs a token/],
      ['[[schedule.repositories]]\npath = "missing"', /schedule.repositories: 'missing' does not exist/],
      ['[[schedule.repositories]]\npath = "."\nprobe = "ftp://x"', /probe: expected an http/],
    ];
    for (const [text, message] of cases) {
      const file = write("bad.toml", text);
      assert.throws(
        () => loadServeSettings({ config: file }, {}, tmp),
        (e: unknown) => {
          assert.ok(e instanceof ServeConfigError, String(e));
          assert.match(e.message, message);
          return true;
        },
      );
    }
  });
});

describe("dbfence serve", () => {
  test("serves, audits its configured repository with the health probe at start, and stops on SIGTERM", async () => {
    const work = path.join(tmp, "server");
    fs.mkdirSync(work);
    const config = write(
      "run.toml",
      `[schedule]\n[[schedule.repositories]]\nname = "plant"\npath = "plant-backend"\nprobe = "${healthUrl}"\nprobe-count = 3\n`,
    );
    const child = spawn(process.execPath, [CLI, "serve", "--config", config, "--port", "0", "--run-now"], {
      cwd: work,
      env: { ...process.env, DBFENCE_STORE: "", DBFENCE_TOKEN: "t", DBFENCE_WEBHOOK: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no 'listening' line:\n${stderr}`)), 20_000);
        child.stderr.on("data", () => {
          const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        });
      });
      type Detail = { latest: { probe: { ok: number } | null; status: string } };
      let found: Detail | null = null;
      for (let i = 0; i < 100 && found === null; i++) {
        const r = await call(base, "/api/repositories/plant");
        if (r.status === 200) found = r.json as unknown as Detail;
        else await new Promise((r) => setTimeout(r, 200));
      }
      const audited = found as Detail | null;
      assert.ok(audited, `the scheduled audit was stored:\n${stderr}`);
      assert.equal(audited.latest.status, "passed");
      assert.equal(audited.latest.probe?.ok, 3);
      let health = await call(base, "/healthz");
      for (let i = 0; i < 100 && (health.json.scheduler as { lastRun: unknown }).lastRun === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        health = await call(base, "/healthz");
      }
      const scheduler = health.json.scheduler as { cron: string; nextRun: string; lastRun: unknown };
      assert.equal(scheduler.cron, "0 2 * * *");
      assert.match(scheduler.nextRun, /T02:00:00\.000Z$/);
      assert.ok(scheduler.lastRun, "the run at start is reported");
      // Without a token, /healthz names no folder (nor the store): with the token, it does.
      assert.ok(!health.text.includes(tmp), health.text);
      assert.ok((await call(base, "/healthz", { token: "t" })).text.includes(work));
      assert.ok(fs.existsSync(path.join(work, ".dbfence", "history.db")), "the default store, in the working folder");
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /plant: passed \(exit 0, audit #1\)/);
    assert.match(stderr, /SIGTERM: stopping/);
  });

  test("usage errors exit 2 with one line", async () => {
    const port = await dbfence(["serve", "--port", "http"], tmp);
    assert.equal(port.status, 2);
    assert.equal(port.stderr, "dbfence: --port must be 0-65535, got 'http'\n");
    const bad = await dbfence(["serve", "--config", write("typo.toml", "prot = 1")], tmp);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^dbfence: .*typo\.toml: \(file\): Unrecognized key: "prot"\n$/);
  });
});
