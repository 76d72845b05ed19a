/**
 * Robustness: hostile, huge and odd inputs through the real CLI in a child process.
 *
 * Every run must exit 0 or 1 (never 2, 3 or a signal), print valid JSON on stdout and no stack trace on
 * stderr. The inputs are generated once into one temp tree; most cases share one CLI run (findings are
 * per file), the 20 MB file gets its own run (started at the same time, so the two use both cores).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  bigModule,
  DEEP,
  deepCases,
  encodingCases,
  longLine,
  manyImports,
  nestedPackages,
  PY2_PRINT,
  PY314_FEATURES,
  writeFiles,
} from "./inputs.js";

/** dist/tests/robustness/robustness.test.js → dist/src/cli.js */
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli.js");
const STACK_TRACE = /\n\s+at /;
const INTERNAL_ERROR = /internal error/i;

interface Finding {
  code: string;
  path: string;
  line: number;
  column: number;
  message: string;
}

interface Run {
  args: string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

function runCli(args: string[], cwd: string, timeoutMs = 240_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "check", ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    let spawnError: Error | undefined;
    child.on("error", (e) => {
      spawnError = e;
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({
        args,
        status,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ...(spawnError ? { error: spawnError } : {}),
      });
    });
  });
}

/** The contract every run keeps; returns the parsed JSON findings. */
function assertSane(run: Run): Finding[] {
  const what = `dbfence check ${run.args.join(" ")}`;
  const tail = run.stderr.slice(0, 4000);
  assert.equal(run.error, undefined, `${what}: could not run: ${run.error}`);
  assert.equal(run.signal, null, `${what}: killed by ${run.signal} (timeout or crash)\n${tail}`);
  assert.ok(run.status === 0 || run.status === 1, `${what}: exit code ${run.status}, expected 0 or 1\n${tail}`);
  assert.doesNotMatch(run.stderr, STACK_TRACE, `${what}: stack trace on stderr\n${tail}`);
  let doc: { version: number; findings: Finding[]; summary: { files: number; findings: number } };
  try {
    doc = JSON.parse(run.stdout);
  } catch (e) {
    assert.fail(`${what}: stdout is not JSON (${e}): ${run.stdout.slice(0, 300)}`);
  }
  assert.equal(doc.version, 1);
  assert.ok(Array.isArray(doc.findings));
  assert.equal(doc.summary.findings, doc.findings.length);
  return doc.findings;
}

const TOOL_CONFIG = "# empty: defaults; stops config discovery from walking above the temp tree\n";

let tmp = "";
let batchRoot = "";
let bigRoot = "";
let batch: Run;
let big: Run;
let batchFindings: Finding[] = [];
let deepestPackage = "";
let symlinksMade = false;
const lines = { longLineColumn: 0, driverLines: [] as number[], badFunctions: 0 };

function findingsFor(rel: string): Finding[] {
  return batchFindings.filter((f) => f.path === rel);
}

/** The `dbfence: warning: <rel>: ...` notices about one file. */
function noticesFor(rel: string): string[] {
  return batch.stderr.split("\n").filter((l) => l.includes(` ${rel}:`));
}

before(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-robust-")));
  batchRoot = path.join(tmp, "batch");
  bigRoot = path.join(tmp, "big");

  const files: Record<string, string | Buffer> = { "dbfence.toml": TOOL_CONFIG };
  for (const [name, text] of Object.entries(deepCases())) files[`deep/${name}`] = text;
  for (const [name, bytes] of Object.entries(encodingCases())) files[`enc/${name}`] = bytes;
  const long = longLine();
  lines.longLineColumn = long.column;
  files["size/long_line.py"] = long.text;
  const imports = manyImports();
  lines.driverLines = imports.driverLines;
  files["size/many_imports.py"] = imports.text;
  files["syntax/py314_features.py"] = PY314_FEATURES;
  files["syntax/py2_print.py"] = PY2_PRINT;
  files["fs/y.py/inner.py"] = "import psycopg2\n";
  files["fs/loop/real.py"] = "import psycopg2\n";
  writeFiles(batchRoot, files);

  deepestPackage = nestedPackages(batchRoot, "fs/pkgs");
  writeFiles(batchRoot, {
    [`${deepestPackage}/mod.py`]:
      "from .. import p198\nfrom fs.pkgs.p0.p1 import p2\nfrom . import __name__ as here\nimport psycopg2\n",
  });

  try {
    fs.symlinkSync(path.join(batchRoot, "fs"), path.join(batchRoot, "fs", "loop", "up_to_fs"), "dir");
    fs.symlinkSync("..", path.join(batchRoot, "fs", "loop", "parent"), "dir");
    fs.symlinkSync("does-not-exist.py", path.join(batchRoot, "fs", "x.py"));
    fs.symlinkSync("self_loop.py", path.join(batchRoot, "fs", "self_loop.py"));
    symlinksMade = true;
  } catch {
    symlinksMade = false; // no symlink permission (Windows without developer mode)
  }

  const generated = bigModule();
  lines.badFunctions = generated.badFunctions;
  writeFiles(bigRoot, { "dbfence.toml": TOOL_CONFIG, "routers/big.py": generated.text });

  [batch, big] = await Promise.all([
    runCli(["--format", "json", batchRoot], batchRoot),
    runCli(["--format", "json", bigRoot], bigRoot),
  ]);
  try {
    batchFindings = assertSane(batch);
  } catch {
    batchFindings = []; // the first test reports it
  }
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("robustness: the CLI survives generated inputs", () => {
  test("the shared run over every small case: exit 0/1, JSON on stdout, no stack trace", () => {
    assertSane(batch);
    assert.doesNotMatch(batch.stderr, /internal error:/, batch.stderr.slice(0, 2000));
    const keys = batchFindings.map((f) => `${f.path}:${f.line}:${f.column}:${f.code}`);
    assert.equal(new Set(keys).size, keys.length, "a file reached twice (symlinks) must be reported once");
  });

  describe(`nesting ${DEEP.toLocaleString("en")} deep: parsed or DBF900, never a crash`, () => {
    for (const [name, text] of Object.entries(deepCases())) {
      test(name, () => {
        const rel = `deep/${name}`;
        const lineCount = text.split("\n").length - 1;
        const syntax = findingsFor(rel).filter((f) => f.code === "DBF900");
        assert.ok(syntax.length <= 1, `${rel}: at most one DBF900, got ${syntax.length}`);
        if (syntax.length === 1) {
          const f = syntax[0]!;
          assert.ok(f.line >= 1 && f.line <= lineCount, `${rel}: DBF900 line ${f.line} outside 1..${lineCount}`);
          assert.ok(
            f.message.length > 0 && f.message.length < 1000,
            `${rel}: DBF900 message length ${f.message.length}`,
          );
        } else {
          // It parsed: then the rules must have run on it too, without an internal error.
          assert.deepEqual(
            noticesFor(rel).filter((l) => INTERNAL_ERROR.test(l)),
            [],
            `${rel} parsed but was not checked`,
          );
        }
      });
    }
  });

  describe("size", () => {
    test("a 20 MB module of realistic endpoints finishes and is checked", () => {
      const findings = assertSane(big);
      assert.doesNotMatch(big.stderr, INTERNAL_ERROR, big.stderr.slice(0, 2000));
      const inBig = findings.filter((f) => f.path === "routers/big.py");
      assert.ok(!inBig.some((f) => f.code === "DBF900"), "the 20 MB module is valid Python");
      const missingAwait = inBig.filter((f) => f.code === "DBF401").length;
      assert.equal(missingAwait, lines.badFunctions, "one DBF401 per function that forgot 'await'");
    });

    test("one line of 1 MB: the finding at its end has the right column", () => {
      const f = findingsFor("size/long_line.py");
      assert.deepEqual(
        f.map((x) => [x.code, x.line, x.column]),
        [["DBF104", 1, lines.longLineColumn]],
      );
    });

    test("100,000 imports: parsed, and every driver import among them reported", () => {
      const f = findingsFor("size/many_imports.py");
      assert.ok(!f.some((x) => x.code === "DBF900"), JSON.stringify(f.slice(0, 3)));
      assert.deepEqual(
        f.filter((x) => x.code === "DBF104").map((x) => x.line),
        lines.driverLines,
      );
    });
  });

  describe("encodings and line endings", () => {
    const clean = (rel: string) => assert.deepEqual(findingsFor(rel), [], `${rel} has no findings`);
    const driverOnLine3 = (rel: string) =>
      assert.deepEqual(
        findingsFor(rel).map((x) => [x.code, x.line, x.column]),
        [["DBF104", 3, 1]],
        `${rel}: decoded, parsed and checked`,
      );
    const unreadable = (rel: string) => {
      const f = findingsFor(rel);
      assert.equal(f.length, 1, `${rel}: exactly one finding, got ${JSON.stringify(f)}`);
      assert.equal(f[0]!.code, "DBF900");
    };
    test("empty file", () => clean("enc/empty.py"));
    test("a file that is only a BOM", () => clean("enc/bom_only.py"));
    test("NUL bytes (CPython rejects them) → DBF900", () => unreadable("enc/nul_bytes.py"));
    test("invalid UTF-8 (CPython rejects it) → DBF900", () => unreadable("enc/invalid_utf8.py"));
    test("latin-1 with a coding line", () => driverOnLine3("enc/latin1_coding.py"));
    test("CRLF line endings", () => driverOnLine3("enc/crlf.py"));
    test("lone CR line endings", () => driverOnLine3("enc/lone_cr.py"));
    test("a PNG renamed to .py → DBF900", () => unreadable("enc/binary_png.py"));
    test("random bytes without NUL renamed to .py → DBF900", () => unreadable("enc/binary_no_nul.py"));
  });

  describe("file system", () => {
    test("symlink loops and a dangling x.py: skipped, the real files reported once", (t) => {
      if (!symlinksMade) return t.skip("cannot create symlinks here");
      assert.deepEqual(
        findingsFor("fs/loop/real.py").map((f) => f.code),
        ["DBF104"],
      );
      for (const f of batchFindings) {
        assert.ok(!f.path.includes("up_to_fs") && !f.path.includes("/parent/"), `walked into a loop: ${f.path}`);
      }
      assert.ok(!batchFindings.some((f) => f.path === "fs/x.py" && f.code !== "DBF900"), "dangling link");
    });

    test("a directory named y.py is walked, not read as a file", () => {
      assert.deepEqual(findingsFor("fs/y.py"), []);
      assert.deepEqual(
        findingsFor("fs/y.py/inner.py").map((f) => f.code),
        ["DBF104"],
      );
    });

    test("200 levels of nested packages", () => {
      const f = findingsFor(`${deepestPackage}/mod.py`);
      assert.deepEqual(
        f.map((x) => [x.code, x.line]),
        [["DBF104", 4]],
      );
    });

    test("explicit paths: a folder named y.py and a binary .py on the command line", async () => {
      const run = await runCli(["--format", "json", "fs/y.py", "enc/binary_png.py"], batchRoot);
      const findings = assertSane(run);
      assert.ok(findings.some((f) => f.path === "enc/binary_png.py" && f.code === "DBF900"));
      assert.ok(findings.some((f) => f.path === "fs/y.py/inner.py" && f.code === "DBF104"));
    });

    test("explicit paths: a dangling x.py and a self-referencing link are a usage error or skipped, never a crash", async (t) => {
      if (!symlinksMade) return t.skip("cannot create symlinks here");
      for (const link of ["fs/x.py", "fs/self_loop.py"]) {
        const run = await runCli(["--format", "json", link], batchRoot);
        assert.equal(run.signal, null, run.stderr);
        assert.doesNotMatch(run.stderr, STACK_TRACE);
        if (run.status === 2) {
          // `dbfence check missing.py` is a usage error (exit 2) by design: one line on stderr, nothing on stdout.
          assert.equal(run.stdout, "");
          assert.match(run.stderr, /^dbfence: [^\n]+\n$/);
        } else {
          assertSane(run);
        }
      }
    });
  });

  describe("syntax", () => {
    test("every Python 3.14 syntax feature parses (no DBF900)", () => {
      const f = findingsFor("syntax/py314_features.py").filter((x) => x.code === "DBF900");
      assert.deepEqual(f, []);
      assert.deepEqual(noticesFor("syntax/py314_features.py"), []);
    });

    test("Python 2 print statement → DBF900 on line 1", () => {
      const f = findingsFor("syntax/py2_print.py");
      assert.deepEqual(
        f.map((x) => [x.code, x.line]),
        [["DBF900", 1]],
      );
    });
  });

  test("text format over the same tree (source lines of 1 MB, binary files): exit 0/1, no stack trace", async () => {
    const run = await runCli(["--format", "text", "--no-color", "size", "enc", "syntax"], batchRoot);
    assert.equal(run.signal, null, run.stderr.slice(0, 2000));
    assert.ok(run.status === 0 || run.status === 1, `exit ${run.status}: ${run.stderr.slice(0, 2000)}`);
    assert.doesNotMatch(run.stderr, STACK_TRACE);
    assert.match(run.stdout, /DBF104/);
  });

  // Once bugs: each overflowed the stack in a rule, so the file's findings were silently lost.
  describe("valid files that once crashed a rule are fully checked", () => {
    const checkedWithoutInternalError = async (name: string, source: string) => {
      const root = path.join(tmp, name);
      writeFiles(root, { "dbfence.toml": TOOL_CONFIG, "app.py": source });
      const run = await runCli(["--format", "json", root], root);
      const findings = assertSane(run);
      assert.doesNotMatch(run.stderr, INTERNAL_ERROR);
      assert.deepEqual(
        findings.map((f) => [f.code, f.line]),
        [["DBF104", 1]],
      );
    };

    test("an elif chain of 5,000 branches (CPython compiles it) is still checked", () =>
      checkedWithoutInternalError("elif", `import psycopg2\nif a:\n    pass\n${"elif a:\n    pass\n".repeat(5000)}`));

    test("a self-referencing type alias (JSON = dict[str, 'JSON'] | ...) is still checked", () =>
      checkedWithoutInternalError(
        "alias",
        "import psycopg2\nfrom typing import Union\n\nJSON = Union[dict[str, 'JSON'], list['JSON'], str, int, None]\n\n\ndef load(value: JSON) -> JSON:\n    return value\n",
      ));
  });
});
