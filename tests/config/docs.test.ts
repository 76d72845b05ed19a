import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { configJsonSchema, optionsMarkdownTable } from "../../src/config/docs.js";
import { parseConfigText } from "../../src/config/load.js";
import { DRIVERS } from "./helpers.js";

// --- generated docs ----------------------------------------------------------------------------

/** The repository root: the nearest folder above this test file with a package.json. */
function repositoryRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(folder, "package.json"))) {
    const parent = path.dirname(folder);
    if (parent === folder) assert.fail("package.json not found above the test file");
    folder = parent;
  }
  return folder;
}

const configurationDoc = () => fs.readFileSync(path.join(repositoryRoot(), "docs/configuration.md"), "utf8");

test("the options table has one row per option, with its default written as TOML", () => {
  const rows = optionsMarkdownTable().split("\n");
  assert.equal(rows[0], "| key | type | default | meaning |");
  assert.equal(rows.length, 2 + 23);
  assert.ok(rows.includes("| `require-reason` | boolean | `true` | suppression comments need a reason (DBF902) |"));
  const lifecycle = rows.find((row) => row.startsWith("| `lifecycle` |"));
  assert.match(lifecycle ?? "", /`\{ startup = "initialize_database", shutdown = "shutdown_database" \}`/);
});

test("docs/configuration.md embeds the generated options table between its markers", () => {
  const doc = configurationDoc();
  const match = /<!-- options:start -->\n([\s\S]*?)\n*<!-- options:end -->/.exec(doc);
  assert.ok(match, "markers not found");
  assert.equal(match[1].trim(), optionsMarkdownTable());
});

test("every TOML example in docs/configuration.md is a valid config", () => {
  const blocks = [...configurationDoc().matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 4);
  for (const block of blocks) {
    const kind = block.includes("[tool.dbfence") ? "pyproject" : "dbfence";
    assert.doesNotThrow(() => parseConfigText(block, `example ${kind}`, kind), block);
  }
});

test("the JSON Schema is strict and carries defaults and descriptions", () => {
  const schema = configJsonSchema() as {
    additionalProperties: boolean;
    properties: Record<
      string,
      {
        default?: unknown;
        description?: string;
        items?: { additionalProperties?: boolean; required?: string[] };
      }
    >;
  };
  assert.equal(schema.additionalProperties, false);
  assert.equal(Object.keys(schema.properties).length, 23);
  assert.deepEqual(schema.properties.drivers.default, DRIVERS);
  assert.deepEqual(schema.properties.exclude.default, ["**/alembic/**", "**/migrations/**"]);
  for (const [key, property] of Object.entries(schema.properties)) {
    assert.ok(property.description, `${key} has no description`);
  }
  const entry = schema.properties.exceptions.items;
  assert.equal(entry?.additionalProperties, false);
  assert.deepEqual(entry?.required?.sort(), ["path", "reason", "rules"]);
});
