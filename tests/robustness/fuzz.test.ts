/**
 * A small seeded sample of the fuzz campaign (tests/robustness/fuzz.ts; the full run, ≥ 10,000 files, is
 * `node dist/tests/robustness/fuzz.js --files 10000 --seed 17`): 0 crashes, 0 hangs, valid output in every
 * format, cache on = cache off.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { campaign, mutate, rng, seedFiles } from "./fuzz.js";

test("mutations are seeded: the same seed gives the same files", () => {
  const text = "import os\n\ndef f(x):\n    return x\n";
  assert.equal(mutate(text, rng(5)), mutate(text, rng(5)));
  assert.ok(seedFiles(50).length > 0, "seed files found");
});

test("fuzz sample: 150 mutated files, no crash, no hang, valid output, cache on = cache off", () => {
  const r = campaign({ files: 150, seed: 17, perBatch: 150, timeoutMs: 120_000 });
  assert.deepEqual(r.failures, []);
  assert.equal(r.files, 150);
});
