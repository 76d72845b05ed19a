/**
 * A worker thread's crash never loses results (src/engine/pool.ts, run.ts `parseLost`): workers get a heap
 * too small to parse their shard (DBFENCE_WORKER_HEAP_MB, a real V8 out-of-memory that ends the worker
 * thread) and a short stall limit; the run still reports exactly what a one-thread run reports, with a
 * notice that the main thread did the lost workers' work.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

// Read when the engine's modules load: set before importing them.
process.env.DBFENCE_WORKER_HEAP_MB = "8";
process.env.DBFENCE_WORKER_STALL_MS = "3000";
const { loadConfig } = await import("../../src/config/load.js");
const { runCheck } = await import("../../src/engine/run.js");

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.resolve(HERE, "..", "..", "..", "tests", "fixtures", "DBF301-factory-app-websocket-and-add-route");
const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-crash-")));
after(() => fs.rmSync(root, { recursive: true, force: true }));

test("workers that run out of memory: their files are parsed and checked on the main thread", () => {
  fs.cpSync(FIXTURE, root, { recursive: true });
  // Enough code per shard that an 8 MB worker heap cannot hold it.
  const body = Array.from({ length: 20_000 }, (_, i) => `def f${i}(a, b):\n    return [a, b, ${i}]\n`).join("");
  fs.writeFileSync(path.join(root, "bulk_a.py"), `import psycopg2\n${body}`);
  fs.writeFileSync(path.join(root, "bulk_b.py"), `import asyncpg\n${body}`);
  const loaded = loadConfig({ startPath: root });
  const opts = { loaded, paths: [loaded.root], today: "2026-06-01", cacheDir: null, parallelMinBytes: 0 };
  const alone = runCheck({ ...opts, jobs: 1 });
  const crashed = runCheck({ ...opts, jobs: 2 });
  assert.ok(
    crashed.notices.some((n) => /worker thread crashed or stopped answering/.test(n)),
    `a lost worker is said: ${crashed.notices.join("; ")}`,
  );
  assert.ok(alone.findings.some((f) => f.path === "bulk_b.py" && f.code === "DBF104"));
  assert.deepEqual(crashed.findings, alone.findings, "nothing lost");
});
