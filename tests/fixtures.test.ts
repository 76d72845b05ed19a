/**
 * The fixture runner: every `tests/fixtures/<name>/` is a mini-project whose `# expect: CODE` labels
 * (../shared/spec/CORPUS.md format) must match the engine's findings exactly, either way.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config/load.js";
import { runCheck } from "../src/engine/run.js";
import { RULES } from "../src/rules/index.js";
import type { CheckResult } from "../src/types.js";
import { compare, formatComparison, listFiles, readExpectations } from "./helpers/expectations.js";

// Compiled to dist/tests/; the fixtures stay in the source tree.
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "tests", "fixtures");
const TODAY = "2026-06-01";

const fixtureNames = fs.existsSync(FIXTURES)
  ? fs
      .readdirSync(FIXTURES, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort()
  : [];

const results = new Map<string, CheckResult>();

function resultFor(name: string): CheckResult {
  let result = results.get(name);
  if (!result) {
    const dir = path.join(FIXTURES, name);
    const loaded = loadConfig({ startPath: dir });
    // Each fixture carries its own config; one found further up would make it test something else.
    assert.equal(loaded.root, dir, `fixture ${name}: its config must be in the fixture folder (found ${loaded.file})`);
    assert.notEqual(loaded.file, null, `fixture ${name}: no dbfence.toml / pyproject.toml [tool.dbfence]`);
    result = runCheck({ loaded, paths: [loaded.root], today: TODAY });
    results.set(name, result);
  }
  return result;
}

test("there are fixtures", () => {
  assert.ok(fixtureNames.length > 0, `no fixture folders in ${FIXTURES}`);
});

for (const name of fixtureNames) {
  test(`fixture ${name}`, () => {
    const dir = path.join(FIXTURES, name);
    assert.ok(
      listFiles(dir).some((f) => f.endsWith(".py")),
      `fixture ${name}: has no .py file`,
    );
    const result = resultFor(name);
    const diff = formatComparison(name, compare(readExpectations(dir), result.findings));
    assert.ok(diff === "", diff);
  });
}

test("every implemented rule has a fixture that triggers it and an ok fixture that does not", () => {
  const implemented = RULES.filter((r) => r.check !== undefined || r.code.startsWith("DBF9")).map((r) => r.code);
  const problems: string[] = [];
  for (const code of implemented) {
    const triggering = fixtureNames.filter((n) => resultFor(n).findings.some((f) => f.code === code));
    if (triggering.length === 0) problems.push(`${code}: no fixture has a finding of this code`);
    const okFolders = fixtureNames.filter((n) => n.startsWith(`${code}-`) && n.split("-").includes("ok"));
    const clean = okFolders.filter((n) => !resultFor(n).findings.some((f) => f.code === code));
    if (clean.length === 0) {
      problems.push(
        okFolders.length === 0
          ? `${code}: no "${code}-ok-..." fixture folder`
          : `${code}: every ok fixture (${okFolders.join(", ")}) has a finding of this code`,
      );
    }
  }
  assert.deepEqual(problems, []);
});
