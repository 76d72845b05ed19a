/**
 * Bounded memory per file (src/engine/budget.ts): a 20 MB file of `x=1` lines and a 5 MB file of `pass`
 * lines, in a project with other violating files, on one thread and on two workers. Each run exits 1 with
 * every other file's findings and a DBF900 naming the limit for each big file; nothing is lost. The files
 * are generated in well under a second.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { MAX_FILE_LINES, MAX_FILE_TOKENS, textOverBudget } from "../../src/engine/budget.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, "..", "..", "src", "cli.js");
const CONNECTOR = path.resolve(
  HERE,
  "..",
  "..",
  "..",
  "tests",
  "fixtures",
  "DBF104-driver-imports-all-forms",
  "core",
  "database.py",
);

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-budget-")));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

test("the budget counts lines and tokens (a final line break starts no line)", () => {
  assert.equal(textOverBudget("pass\n".repeat(MAX_FILE_LINES)), null);
  assert.match(textOverBudget(`${"pass\n".repeat(MAX_FILE_LINES)}pass`) ?? "", /1,000,001 lines/);
  // Many statements on one line: the token count catches them.
  assert.match(textOverBudget("x=1;".repeat(MAX_FILE_TOKENS / 4 + 1)) ?? "", /tokens, over .* 8,000,000 tokens/);
});

test("a 20 MB dense file and a 5 MB pass file: DBF900 naming the limit, every other finding kept", () => {
  write("dbfence.toml", "");
  write("core/__init__.py", "");
  write("core/database.py", fs.readFileSync(CONNECTOR, "utf8"));
  write("api/__init__.py", "");
  write("api/orders.py", "import psycopg2\n");
  write("api/users.py", "import asyncpg\n\n\ndef f():\n    return asyncpg\n");
  write("api/dense.py", "x=1\n".repeat(5_250_000));
  write("api/passes.py", "pass\n".repeat(1_050_000));
  const expected = ["api/orders.py:1 DBF104", "api/users.py:1 DBF104"];
  for (const jobs of ["1", "2"]) {
    const r = spawnSync(
      process.execPath,
      [CLI, "check", "--no-cache", "--format", "json", "--jobs", jobs, "--", "."],
      // Workers only for this much source: the 26 MB here is above it.
      { cwd: root, encoding: "utf8", timeout: 300_000, killSignal: "SIGKILL", maxBuffer: 1 << 26 },
    );
    assert.equal(r.signal, null, `--jobs ${jobs}: killed: ${r.stderr.slice(0, 2000)}`);
    assert.equal(r.status, 1, `--jobs ${jobs}: ${r.stderr.slice(0, 2000)}`);
    const findings = (
      JSON.parse(r.stdout) as { findings: { path: string; line: number; code: string; message: string }[] }
    ).findings;
    const big = findings.filter((f) => f.code === "DBF900");
    assert.deepEqual(
      big.map((f) => f.path),
      ["api/dense.py", "api/passes.py"],
    );
    for (const f of big) assert.match(f.message, /over dbfence's per-file budget of 1,000,000 lines/);
    assert.deepEqual(
      findings.filter((f) => f.code !== "DBF900").map((f) => `${f.path}:${f.line} ${f.code}`),
      expected,
      `--jobs ${jobs}: every other file's findings`,
    );
  }
});
