/**
 * The bundled example backends are labelled like fixtures: plant-backend must be clean, and
 * plant-backend-legacy must get exactly its `# expect:` findings (the README's quick start shows them).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config/load.js";
import { runCheck } from "../src/engine/run.js";
import { compare, formatComparison, readExpectations } from "./helpers/expectations.js";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");

for (const name of ["plant-backend", "plant-backend-legacy"]) {
  test(`example ${name} gets exactly its labelled findings`, () => {
    const dir = path.join(EXAMPLES, name);
    const loaded = loadConfig({ startPath: dir });
    assert.equal(loaded.root, dir);
    const result = runCheck({ loaded, paths: [dir] });
    const expected = readExpectations(dir);
    if (name === "plant-backend") assert.equal(expected.length, 0, "the policy-following example carries no labels");
    else assert.ok(expected.length > 10, "the legacy example shows many rules");
    const diff = formatComparison(name, compare(expected, result.findings));
    assert.ok(diff === "", diff);
  });
}
