/**
 * The fix loop: goldens (`goldens/<name>/input/` fixed into `expected/**.fixed.py`; names ending in
 * `-unsafe` run with --unsafe-fixes), re-parsing, idempotence, and a fixed point on every fixture and
 * example project. `DBFENCE_UPDATE_GOLDENS=1` rewrites the expected files (review the diff!).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import { type FixOutcome, fixProject, isApplicable } from "../../src/fix/loop.js";
import { parsePython } from "../../src/parser/index.js";

// Compiled to dist/tests/fix/; the goldens and fixtures stay in the source tree.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const GOLDENS = path.join(REPO, "tests", "fix", "goldens");
const FIXTURES = path.join(REPO, "tests", "fixtures");
const EXAMPLES = path.join(REPO, "examples");
const TODAY = "2026-06-01";
const UPDATE = process.env.DBFENCE_UPDATE_GOLDENS === "1";

const created: string[] = [];
process.on("exit", () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary copy of a project folder (fixes never touch the source tree). */
function copyOf(dir: string): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-fix-")));
  created.push(root);
  fs.cpSync(dir, root, { recursive: true });
  return root;
}

function folders(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
}

function listFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out.sort();
}

function fix(root: string, unsafe: boolean): FixOutcome {
  const loaded = loadConfig({ startPath: root });
  assert.equal(loaded.root, root, "the project's own config must be found");
  return fixProject(loaded, [root], { unsafe, today: TODAY });
}

/** Writes the fixed texts into the copy, as `--fix` does. */
function write(outcome: FixOutcome): void {
  for (const f of outcome.changedFiles) fs.writeFileSync(f.abs, f.after);
}

/** The checks every fixed project passes: parses, a fixed point, nothing applicable left, idempotent. */
function assertFixedPoint(root: string, outcome: FixOutcome, unsafe: boolean, what: string): void {
  assert.deepEqual(outcome.problems, [], `${what}: problems while fixing`);
  assert.ok(outcome.stable, `${what}: no fixed point within the pass limit`);
  for (const f of outcome.changedFiles) {
    const parsed = parsePython(f.after);
    assert.ok(parsed.ok, `${what}: ${f.rel} no longer parses: ${parsed.ok ? "" : parsed.message}`);
  }
  const left = outcome.remaining.findings.filter((f) => isApplicable(f, unsafe));
  assert.deepEqual(
    left.map((f) => `${f.path}:${f.line}:${f.column} ${f.code}`),
    [],
    `${what}: findings with an applicable fix are left`,
  );
  write(outcome);
  const again = fix(root, unsafe);
  assert.deepEqual(
    again.changedFiles.map((f) => f.rel),
    [],
    `${what}: a second --fix run still changes files (not idempotent)`,
  );
  assert.deepEqual(
    again.remaining.findings.filter((f) => isApplicable(f, unsafe)).map((f) => `${f.path}:${f.line} ${f.code}`),
    [],
    `${what}: the re-check of the written files has applicable fixes left`,
  );
}

const expectedName = (rel: string): string => rel.replace(/\.(pyi?)$/, ".fixed.$1");

describe("goldens: input/ fixed is expected/*.fixed.py", () => {
  test("there are goldens", () => assert.ok(folders(GOLDENS).length > 0));
  for (const name of folders(GOLDENS)) {
    test(name, () => {
      const unsafe = name.endsWith("-unsafe");
      const root = copyOf(path.join(GOLDENS, name, "input"));
      const outcome = fix(root, unsafe);
      const expectedDir = path.join(GOLDENS, name, "expected");
      if (UPDATE) {
        fs.rmSync(expectedDir, { recursive: true, force: true });
        for (const f of outcome.changedFiles) {
          const target = path.join(expectedDir, ...expectedName(f.rel).split("/"));
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.writeFileSync(target, f.after);
        }
      }
      const expected = fs.existsSync(expectedDir) ? listFiles(expectedDir) : [];
      assert.deepEqual(
        outcome.changedFiles.map((f) => expectedName(f.rel)),
        expected,
        `${name}: the fixed files are exactly those with a .fixed.py in expected/`,
      );
      for (const f of outcome.changedFiles) {
        const want = fs.readFileSync(path.join(expectedDir, ...expectedName(f.rel).split("/")), "utf8");
        assert.equal(f.after, want, `${name}: ${f.rel} differs from expected/${expectedName(f.rel)}`);
      }
      assertFixedPoint(root, outcome, unsafe, name);
    });
  }
});

describe("--fix, and --fix --unsafe-fixes, reach a fixed point on every fixture and example", () => {
  const projects = [
    ...folders(FIXTURES).map((n) => ({ name: `fixture ${n}`, dir: path.join(FIXTURES, n) })),
    ...folders(EXAMPLES).map((n) => ({ name: `example ${n}`, dir: path.join(EXAMPLES, n) })),
  ];
  test("there are fixtures", () => assert.ok(projects.length > 10));
  for (const p of projects) {
    test(p.name, () => {
      const safe = copyOf(p.dir);
      assertFixedPoint(safe, fix(safe, false), false, `${p.name} (--fix)`);
      const unsafe = copyOf(p.dir);
      assertFixedPoint(unsafe, fix(unsafe, true), true, `${p.name} (--fix --unsafe-fixes)`);
    });
  }
});

describe("the texts the loop writes", () => {
  const connector = fs.readFileSync(path.join(GOLDENS, "handlers-unsafe", "input", "core", "database.py"), "utf8");

  function project(files: Record<string, string | Buffer>): string {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-fix-")));
    created.push(root);
    const all = { "dbfence.toml": "", "core/__init__.py": "", "core/database.py": connector, ...files };
    for (const [rel, content] of Object.entries(all)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), content);
    }
    return root;
  }

  test("CRLF line breaks are kept, also in an added import line; a BOM is reported and kept", () => {
    const text = ["from sqlalchemy import orm", "", "", "def count(db: orm.Session) -> int:", "    return 0", ""].join(
      "\r\n",
    );
    const root = project({ "svc.py": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) });
    const outcome = fix(root, true);
    const file = outcome.changedFiles.find((f) => f.rel === "svc.py");
    assert.ok(file, "svc.py is fixed");
    assert.equal(file.bom, true);
    assert.equal(
      file.after,
      [
        "from sqlalchemy import orm",
        "from sqlalchemy.ext.asyncio import AsyncSession",
        "",
        "",
        "def count(db: AsyncSession) -> int:",
        "    return 0",
        "",
      ].join("\r\n"),
    );
  });

  test("a file that is not UTF-8 is left alone and reported", () => {
    const latin1 = Buffer.from(
      "# -*- coding: latin-1 -*-\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def f(s: AsyncSession) -> None:\n    s.commit()  # caf\xe9\n",
      "latin1",
    );
    const root = project({ "svc.py": latin1 });
    const outcome = fix(root, false);
    assert.deepEqual(outcome.changedFiles, []);
    assert.deepEqual(outcome.problems, ["svc.py: not fixed: it is not UTF-8, and dbfence only rewrites UTF-8 files"]);
  });

  test("code points before an edit (emoji, CJK) do not shift it", () => {
    const root = project({
      "svc.py":
        'from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def f(s: AsyncSession) -> None:\n    label = "🎉 日本"; s.commit()\n',
    });
    const file = fix(root, false).changedFiles[0];
    assert.equal(file?.after.split("\n")[4], '    label = "🎉 日本"; await s.commit()');
  });
});
