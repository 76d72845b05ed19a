/**
 * Output paths are linear in the number of findings (issue 17): 50,000 findings in one file, 100,000
 * `noqa` lines and 20,000 routes go through the engine, fingerprints, baseline matching and every reporter.
 * Asserted only as "finishes" (timings are measured by bench/output.ts, never by tests); before the fix,
 * 20,000 findings alone took 30-60 s in the fingerprints.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import {
  fileSources,
  fingerprintFindings,
  makeBaseline,
  matchBaseline,
  parseBaseline,
  serializeBaseline,
} from "../../src/engine/baseline.js";
import { runCheck } from "../../src/engine/run.js";
import { formatResult, OUTPUT_FORMATS } from "../../src/reporters/index.js";
import { ruleMetas } from "../../src/rules/index.js";
import { type OutputCase, writeOutputProject } from "./output-inputs.js";

const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function throughEverything(kind: OutputCase, n: number): number {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `dbfence-output-${kind}-`)));
  made.push(root);
  writeOutputProject(root, kind, n);
  const loaded = loadConfig({ startPath: root });
  const result = runCheck({ loaded, paths: [loaded.root], cacheDir: null, today: "2026-06-01" });
  const prints = fingerprintFindings(result.findings, fileSources(root));
  const baseline = parseBaseline(serializeBaseline(makeBaseline(result.findings, prints, "0")), "b");
  const m = matchBaseline(result.findings, prints, baseline, () => true);
  assert.equal(m.kept.length, result.findings.filter((f) => f.code === "DBF900" || f.code === "DBF903").length);
  for (const format of OUTPUT_FORMATS) {
    const out = formatResult(format, result, ruleMetas(), { toolVersion: "0", sourceLine: () => "x" });
    assert.ok(out.length > result.findings.length, format);
  }
  return result.findings.length;
}

test("50,000 findings in one file: engine, fingerprints, baseline and every format finish", () => {
  assert.equal(throughEverything("findings", 50_000), 50_000);
});

test("100,000 noqa lines finish", () => {
  // Half are used; the other half are unused (DBF901) and all lack a reason (DBF902).
  assert.equal(throughEverything("noqa", 100_000), 150_000);
});

test("20,000 routes finish", () => {
  assert.ok(throughEverything("routes", 20_000) >= 20_000);
});
