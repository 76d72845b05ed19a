/** docs/commands/fix.md: its output blocks are what the commands print today, on copies of the example projects. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { docBlocks, REGENERATE } from "./docs.js";

test("every output block of docs/commands/fix.md is the command's real output", async () => {
  const blocks = await docBlocks();
  assert.ok(blocks.some((b) => b.folder === "examples/plant-backend-legacy" && b.args.includes("--fix")));
  assert.ok(blocks.some((b) => b.args.includes("--diff-fixes")));
  for (const b of blocks) {
    assert.equal(
      b.shown,
      b.actual,
      `'dbfence ${b.args.join(" ")}' in a copy of ${b.folder} prints something else now; regenerate with: ${REGENERATE}`,
    );
  }
});
