/** docs/commands/{baseline,check-diff,review}.md show the real output of their examples. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { blockKeys, COMMAND_DOCS_DIR, fillPage, GENERATED_PAGES, generatedBlocks, REGENERATE } from "./docs.js";

test("the command pages' examples are up to date", async () => {
  const blocks = await generatedBlocks();
  const used = new Set<string>();
  for (const page of GENERATED_PAGES) {
    const text = fs.readFileSync(path.join(COMMAND_DOCS_DIR, page), "utf8");
    const keys = blockKeys(text);
    assert.ok(keys.length > 0, `${page} has no generated examples`);
    for (const k of keys) used.add(k);
    assert.equal(fillPage(text, blocks, page), text, `docs/commands/${page} is out of date; run: ${REGENERATE}`);
  }
  assert.deepEqual(
    [...blocks.keys()].filter((k) => !used.has(k)),
    [],
    "generated blocks no page shows",
  );
});
