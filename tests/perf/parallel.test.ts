/**
 * Worker threads never change a result (src/engine/pool.ts, worker.ts, shards.ts): on every fixture, and on a
 * generated backend of a few hundred files with violations of many kinds, one thread and 2 or 3 workers give
 * identical results, with and without the cache, and a warm cache written by workers equals a cold run on
 * one thread. `parallelMinBytes: 0` makes even a three-file fixture go through the workers.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { generate } from "../../bench/generate.js";
import { loadConfig } from "../../src/config/load.js";
import { runCheck } from "../../src/engine/run.js";
import type { CheckResult } from "../../src/types.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(HERE, "..", "..", "..", "tests", "fixtures");
const TODAY = "2026-06-01";

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tmpDir(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-parallel-")));
  made.push(dir);
  return dir;
}

const strip = (r: CheckResult): unknown => ({ ...r, summary: { ...r.summary, durationMs: 0 } });

function run(dir: string, jobs: number, cacheDir: string | null = null, prefilter = true): CheckResult {
  const loaded = loadConfig({ startPath: dir });
  return runCheck({ loaded, paths: [loaded.root], today: TODAY, jobs, parallelMinBytes: 0, cacheDir, prefilter });
}

test("workers: on every fixture, 1, 2 and 3 workers give the same result", async (t) => {
  const names = fs
    .readdirSync(FIXTURES, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  assert.ok(names.length > 50, "the fixtures are there");
  for (const name of names) {
    await t.test(name, () => {
      const dir = path.join(FIXTURES, name);
      assert.deepEqual(strip(run(dir, 2)), strip(run(dir, 1)));
      assert.deepEqual(strip(run(dir, 3, null, false)), strip(run(dir, 1, null, false)));
    });
  }
});

test("workers: a generated backend gives the same findings on 1, 2 and 3 workers, with and without the cache", () => {
  const dir = tmpDir();
  const stats = generate(dir, 60_000, 11);
  assert.ok(stats.files > 400, `a few hundred files (${stats.files})`);
  const one = run(dir, 1);
  assert.ok(one.findings.length > 10, "the generated violations are found");
  assert.ok(new Set(one.findings.map((f) => f.code)).size >= 6, "of several kinds");
  assert.deepEqual(strip(run(dir, 2)), strip(one));
  assert.deepEqual(strip(run(dir, 3)), strip(one));

  // A cold cache filled by workers, then a warm run on one thread, then one file changed, run by workers.
  const cache = path.join(tmpDir(), "cache");
  assert.deepEqual(strip(run(dir, 2, cache)), strip(one));
  assert.deepEqual(strip(run(dir, 1, cache)), strip(one));
  const victim = one.findings.find((f) => f.code === "DBF401")?.path ?? (one.findings[0]?.path as string);
  const abs = path.join(dir, victim);
  fs.writeFileSync(abs, `${fs.readFileSync(abs, "utf8")}\n\nasync def added(session):\n    pass\n`);
  const changed = run(dir, 1);
  assert.deepEqual(strip(run(dir, 2, cache)), strip(changed));
  assert.deepEqual(strip(run(dir, 3, cache)), strip(changed));
});
