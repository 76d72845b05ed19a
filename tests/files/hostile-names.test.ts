/**
 * File names a repository can hold but a careless tool mishandles (issue 17): a newline in a name must not
 * forge a line of output (a fake finding, or a `::error` workflow command in a CI log); a name that is not
 * UTF-8 must not make a file vanish from the check; a FIFO must never be opened.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
import { dbfence } from "../cli/run.js";
import { cleanupTempDirs, tempDir, writeTree } from "./helpers.js";

after(cleanupTempDirs);

const DRIVER = "import psycopg2\n";

test("a newline in a file name is escaped in text and github output: no forged line", async () => {
  const root = tempDir();
  writeTree(root, { "dbfence.toml": "" });
  const forged = "a\n::error file=x.py::forged.py";
  fs.writeFileSync(path.join(root, forged), DRIVER);
  const text = await dbfence(["check", "."], root);
  assert.equal(text.status, 1);
  assert.doesNotMatch(text.stdout, /^::error/m, "a line of the text output starts with a workflow command");
  assert.match(text.stdout, /^a␊::error file=x\.py::forged\.py:1:1: DBF104 /m);
  const github = await dbfence(["check", ".", "--format", "github"], root);
  const lines = github.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 1, github.stdout);
  assert.match(lines[0] as string, /^::error file=a%0A%3A%3Aerror file=x\.py%3A%3Aforged\.py,line=1,/);
  const json = JSON.parse((await dbfence(["check", ".", "--format", "json"], root)).stdout);
  assert.equal(json.findings[0].path, forged, "JSON keeps the real name (it is escaped by JSON itself)");
});

test("files and folders whose names are not UTF-8 are DBF900 findings, never skipped in silence", async () => {
  const root = tempDir();
  writeTree(root, { "dbfence.toml": "", "ok.py": "x = 1\n" });
  const enc = (p: string) => Buffer.from(path.join(root, p), "utf8");
  const folder = Buffer.concat([enc("bad"), Buffer.from([0xff])]);
  fs.mkdirSync(folder);
  fs.writeFileSync(Buffer.concat([folder, Buffer.from("/x.py")]), DRIVER);
  fs.writeFileSync(Buffer.concat([folder, Buffer.from("/notes.txt")]), "text");
  fs.writeFileSync(Buffer.concat([enc("f"), Buffer.from([0xfe]), Buffer.from(".py")]), DRIVER);
  fs.writeFileSync(Buffer.concat([enc("data"), Buffer.from([0xfe]), Buffer.from(".csv")]), "1,2");
  const run = await dbfence(["check", ".", "--format", "json"], root);
  assert.equal(run.status, 1);
  const findings = JSON.parse(run.stdout).findings.map((f: { path: string; code: string }) => `${f.path} ${f.code}`);
  assert.deepEqual(findings, ["bad\\xff/x.py DBF900", "f\\xfe.py DBF900"]);
  const text = await dbfence(["check", "."], root);
  assert.match(text.stdout, /bad\\xff\/x\.py:1:1: DBF900 its path is not valid UTF-8 .*rename it/);
});

test("a FIFO named on the command line is a usage error, a FIFO in a folder is skipped; neither hangs", async () => {
  const root = tempDir();
  writeTree(root, { "dbfence.toml": "", "api/x.py": DRIVER });
  execFileSync("mkfifo", [path.join(root, "pipe.py"), path.join(root, "api", "queue.py")]);
  const named = await dbfence(["check", "pipe.py"], root, { spawn: { timeout: 20_000 } });
  assert.equal(named.status, 2);
  assert.match(named.stderr, /path 'pipe\.py' is not a regular file or folder \(a FIFO, socket or device\)/);
  const walked = await dbfence(["check", ".", "--format", "json"], root, { spawn: { timeout: 20_000 } });
  assert.equal(walked.status, 1);
  assert.deepEqual(
    JSON.parse(walked.stdout).findings.map((f: { path: string }) => f.path),
    ["api/x.py"],
  );
});
