/** docs/commands/metrics.md: its output blocks are what the command prints today, and it names every threshold key. */
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import { THRESHOLD_DEFAULTS } from "../../src/config/schema.js";
import { docBlocks, METRICS_DOC, REGENERATE } from "./docs.js";

test("every output block of docs/commands/metrics.md is the command's real output", async () => {
  const blocks = await docBlocks();
  assert.ok(blocks.length >= 4, "the page shows the examples' output");
  assert.ok(blocks.some((b) => b.args.join(" ") === "metrics examples/plant-backend"));
  assert.ok(blocks.some((b) => b.args.includes("examples/plant-backend-legacy")));
  assert.ok(blocks.some((b) => b.args.includes("json")));
  for (const b of blocks) {
    assert.equal(
      b.shown,
      b.actual,
      `'dbfence ${b.args.join(" ")}' prints something else now; regenerate with: ${REGENERATE}`,
    );
  }
});

test("the page documents every threshold key with its default", () => {
  const doc = fs.readFileSync(METRICS_DOC, "utf8");
  for (const [key, value] of Object.entries(THRESHOLD_DEFAULTS)) {
    assert.ok(doc.includes(`${key} = ${value}`), `${key} = ${value}`);
  }
});
