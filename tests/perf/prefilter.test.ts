/**
 * The prefilter is exact (src/engine/prefilter.ts): on every fixture, and on every fixture with each seed word
 * respelled, the findings are identical with and without it; and which words each rule needs is checked by
 * respelling them: without the library roots and untyped names, only DBF101 (through the connector, seeded by
 * the config) and DBF301/302 (through `add_api_route`, seeded from the project) can still report.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import { LIBRARY_ROOTS, seedWords, taintedModules, UNTYPED_NAMES, WordMatcher } from "../../src/engine/prefilter.js";
import { runCheck } from "../../src/engine/run.js";
import type { CheckResult } from "../../src/types.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "tests", "fixtures");
const TODAY = "2026-06-01";
const names = fs.existsSync(FIXTURES)
  ? fs
      .readdirSync(FIXTURES, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort()
  : [];

function pyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pyFiles(abs));
    else if (e.name.endsWith(".py") || e.name.endsWith(".pyi")) out.push(abs);
  }
  return out;
}

const strip = (r: CheckResult): unknown => ({ ...r, summary: { ...r.summary, durationMs: 0 } });

function run(dir: string, prefilter: boolean, sources?: Map<string, string>): CheckResult {
  const loaded = loadConfig({ startPath: dir });
  return runCheck({ loaded, paths: [loaded.root], today: TODAY, prefilter, ...(sources ? { sources } : {}) });
}

/** Every seed word respelled (`sqlalchemy` → `sqlalchemy_q`) in every Python file of the fixture. */
function respelled(dir: string): Map<string, string> {
  const loaded = loadConfig({ startPath: dir });
  const words = seedWords(loaded.config);
  const re = new RegExp(`(?<![A-Za-z0-9_])(${words.join("|")})(?![A-Za-z0-9_])`, "g");
  const out = new Map<string, string>();
  for (const f of pyFiles(dir)) {
    const text = fs.readFileSync(f, "latin1");
    out.set(f, text.replace(re, "$1_q"));
  }
  return out;
}

/**
 * Per-file rules that can fire in a file without any seed word, and the seed that covers them instead:
 * DBF101 through an import of the connector (connector modules are seeded by the config); DBF301/DBF302
 * for a function registered with `add_api_route(...)` in another module (registered modules are seeded).
 * Every other per-file rule needs a library root, a driver root or an untyped attribute name.
 */
const PER_FILE_ONLY_THROUGH_CONNECTOR = new Set(["DBF101", "DBF301", "DBF302"]);
const FILTER_LEVEL = new Set(["DBF900", "DBF901", "DBF902", "DBF903", "DBF601", "DBF602", "DBF603"]);

test("prefilter: the seed words are the library roots, driver roots and untyped attribute names", () => {
  const loaded = loadConfig({ startPath: path.join(FIXTURES, names[0] ?? ".") });
  const words = seedWords(loaded.config);
  for (const w of [...LIBRARY_ROOTS, ...UNTYPED_NAMES, "psycopg2", "asyncpg", "sqlite3"])
    assert.ok(words.includes(w), w);
});

test("prefilter: word matching is by whole identifier, NFKC-aware", () => {
  const m = new WordMatcher(["sqlalchemy"]);
  assert.equal(m.test("from sqlalchemy import text"), true);
  assert.equal(m.test("x = 'sqlalchemy'"), true);
  assert.equal(m.test("import sqlalchemy_utils"), false);
  assert.equal(m.test("import mysqlalchemy"), false);
  assert.equal(m.test("from ｓqlalchemy import text"), true);
  assert.equal(m.test("from éxsqlalchemy import text"), true);
});

test("prefilter: taint follows imports, ancestors and descendants to a fixpoint", () => {
  const t = taintedModules([
    { module: "a.db", seeded: true, imports: [] },
    { module: "b", seeded: false, imports: ["a"] },
    { module: "c", seeded: false, imports: ["b"] },
    { module: "d", seeded: false, imports: ["a.db.sub"] },
    { module: "e", seeded: false, imports: ["x.y"] },
  ]);
  assert.deepEqual([...t].sort(), ["a.db", "b", "c", "d"]);
});

for (const name of names) {
  test(`prefilter: identical results on fixture ${name}, as written and with every seed word respelled`, () => {
    const dir = path.join(FIXTURES, name);
    assert.deepEqual(strip(run(dir, true)), strip(run(dir, false)));
    const sources = respelled(dir);
    const off = run(dir, false, sources);
    assert.deepEqual(strip(run(dir, true, sources)), strip(off));
    // Which words each rule needs: without any seed word, a per-file rule fires only through the connector.
    for (const f of off.findings) {
      if (FILTER_LEVEL.has(f.code)) continue;
      assert.ok(
        PER_FILE_ONLY_THROUGH_CONNECTOR.has(f.code),
        `${name}: ${f.code} at ${f.path}:${f.line} without any seed word`,
      );
    }
  });
}
