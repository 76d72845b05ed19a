/**
 * Runs the miss and false-alarm shapes of bench/mutate/shapes/ like tests/fixtures.test.ts runs fixtures:
 * each folder is a mini-project whose `# expect: CODE` labels must match the findings exactly.
 *
 *   npm run build && node dist/bench/mutate/shapes.js [NAME ...]
 *
 * The shapes are kept out of tests/fixtures/ while the analyzer work that fixes them is under way (a failing
 * fixture would break the suite); once a shape passes, move it to tests/fixtures/ (`git mv`). Prints one line
 * per shape (pass / FAIL with the differences); exit 1 when any fails.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import { runCheck } from "../../src/engine/run.js";
import { compare, formatComparison, readExpectations } from "../../tests/helpers/expectations.js";

const SHAPES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bench/mutate/shapes");

const wanted = process.argv.slice(2);
const names = fs
  .readdirSync(SHAPES, { withFileTypes: true })
  .filter((e) => e.isDirectory() && (wanted.length === 0 || wanted.includes(e.name)))
  .map((e) => e.name)
  .sort();
let failed = 0;
for (const name of names) {
  const dir = path.join(SHAPES, name);
  const loaded = loadConfig({ startPath: dir });
  const result = runCheck({ loaded, paths: [loaded.root], today: "2026-06-01" });
  const diff = formatComparison(name, compare(readExpectations(dir), result.findings));
  if (diff === "") process.stdout.write(`pass  ${name}\n`);
  else {
    failed++;
    process.stdout.write(`FAIL  ${diff}\n`);
  }
}
process.stdout.write(`${names.length - failed}/${names.length} shapes pass\n`);
process.exit(failed ? 1 : 0);
