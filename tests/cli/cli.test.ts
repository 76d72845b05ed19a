/**
 * The command line end to end: the built CLI in a child process on temporary projects. Exit codes,
 * output formats, option and config errors, reported paths, and files that cannot be read or parsed.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { jsonOutputSchema } from "../../src/reporters/json-schema.js";
import { ruleMetas } from "../../src/rules/index.js";
import { miniProject } from "../docs/project.js";
import { compileDraft04, compileDraft07, SARIF_SCHEMA_PATH } from "../reporters/ajv.js";
import { checkJson, dbfence, where } from "./run.js";

const PACKAGE_VERSION = (
  JSON.parse(fs.readFileSync(fileURLToPath(new URL("../../../package.json", import.meta.url)), "utf8")) as {
    version: string;
  }
).version;

const CLEAN_HANDLER = `from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import Base, get_db_session

router = APIRouter()


@router.get("/items")
async def list_items(session: AsyncSession = Depends(get_db_session)) -> list[object]:
    return list(await session.scalars(select(Base)))
`;
const DRIVER_IMPORT = "import asyncpg\n";
const SYNC_SESSION_IMPORT = "from sqlalchemy.orm import Session\n";

const clean = (files: Record<string, string | Uint8Array | null> = {}) =>
  miniProject({ "api/items.py": CLEAN_HANDLER, ...files }, "dbfence-cli-");
/** One DBF104 (api/bad.py:1) and one DBF201 (services/legacy.py:1). */
const violating = (files: Record<string, string | Uint8Array | null> = {}) =>
  clean({ "api/bad.py": DRIVER_IMPORT, "services/legacy.py": SYNC_SESSION_IMPORT, ...files });

describe("exit codes", { concurrency: true }, () => {
  test("0 on a clean project", async () => {
    const r = await dbfence(["check"], clean());
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /All checks passed!/);
    assert.equal(r.stderr, "");
  });

  test("1 with an error finding", async () => {
    const r = await dbfence(["check"], clean({ "api/bad.py": DRIVER_IMPORT }));
    assert.equal(r.status, 1, r.stdout + r.stderr);
  });

  test("0 with only a warning, 1 with --strict", async () => {
    const root = clean({ "api/bad.py": DRIVER_IMPORT, "dbfence.toml": 'severity = { DBF104 = "warning" }\n' });
    const lenient = await checkJson([], root);
    assert.equal(lenient.status, 0, lenient.stderr);
    assert.deepEqual(
      lenient.json.findings.map((f) => `${f.code} ${f.severity}`),
      ["DBF104 warning"],
    );
    assert.equal((await dbfence(["check", "--strict"], root)).status, 1);
  });

  test("--strict does not matter without findings", async () => {
    assert.equal((await dbfence(["check", "--strict"], clean())).status, 0);
  });
});

describe("usage and configuration errors exit 2, with a message on stderr and nothing on stdout", {
  concurrency: true,
}, () => {
  /** Each case runs in json mode: stdout must stay empty so CI tools never parse half a result. */
  const cases: [string, string[], Record<string, string | null>, RegExp][] = [
    ["an unknown option", ["--no-such-option"], {}, /no-such-option/],
    ["a bad --format", ["--format", "xml"], {}, /--format.*xml/],
    ["a bad --select code", ["--select", "FOO"], {}, /--select.*FOO/],
    ["a too long --ignore code", ["--ignore", "DBF1041"], {}, /--ignore.*DBF1041/],
    ["a missing --config file", ["--config", "missing.toml"], {}, /missing\.toml.*not found/],
    ["a path that does not exist (a typo must not pass CI)", ["srcc"], {}, /path 'srcc' does not exist/],
    ["a rule code no rule has", ["--select", "DBF999"], {}, /no rule matches 'DBF999'/],
    ["an unknown key in dbfence.toml", [], { "dbfence.toml": "bogus-key = 1\n" }, /dbfence\.toml.*'bogus-key'/],
    ["a wrong type in dbfence.toml", [], { "dbfence.toml": 'select = "DBF1"\n' }, /dbfence\.toml.*select/],
    ["a TOML syntax error", [], { "dbfence.toml": "src = [\n" }, /dbfence\.toml:\d+:\d+: invalid TOML/],
    [
      "an unknown key under [tool.dbfence]",
      [],
      { "dbfence.toml": null, "pyproject.toml": "[project]\nname = 'app'\n\n[tool.dbfence]\nconectors = []\n" },
      /pyproject\.toml.*'conectors'/,
    ],
  ];
  for (const [name, args, files, message] of cases) {
    test(name, async () => {
      const r = await dbfence(["check", "--format", "json", ...args], violating(files));
      assert.equal(r.status, 2, `exit code; stderr: ${r.stderr}`);
      assert.equal(r.stdout, "", "stdout must be empty");
      assert.match(r.stderr, /^dbfence: /);
      assert.match(r.stderr, message);
    });
  }

  test("an unknown command", async () => {
    const r = await dbfence(["chekc"], clean());
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command 'chekc'/);
  });
});

describe("output formats", { concurrency: true }, () => {
  test("json follows schema version 1 of INTERFACE.md", async () => {
    const root = violating();
    const { status, json, stdout } = await checkJson([], root);
    assert.equal(status, 1);
    const validate = compileDraft07(jsonOutputSchema);
    assert.ok(validate(json), JSON.stringify(validate.errors, null, 2));
    assert.deepEqual(Object.keys(json).sort(), ["findings", "root", "summary", "tool", "version"]);
    assert.equal(json.version, 1);
    assert.deepEqual(json.tool, { name: "dbfence", version: PACKAGE_VERSION });
    assert.equal(json.root, root);
    assert.deepEqual(where(json), ["api/bad.py:1 DBF104", "services/legacy.py:1 DBF201"]);
    const f = json.findings[0];
    assert.ok(f);
    assert.deepEqual(Object.keys(f).sort(), [
      "code",
      "column",
      "endColumn",
      "endLine",
      "fix",
      "line",
      "message",
      "name",
      "path",
      "severity",
    ]);
    assert.deepEqual(
      {
        code: f.code,
        name: f.name,
        severity: f.severity,
        line: f.line,
        column: f.column,
        endLine: f.endLine,
        fix: f.fix,
      },
      { code: "DBF104", name: "raw-driver-import", severity: "error", line: 1, column: 1, endLine: 1, fix: null },
    );
    assert.deepEqual(Object.keys(json.summary).sort(), ["durationMs", "errors", "files", "findings", "warnings"]);
    assert.deepEqual(
      { ...json.summary, durationMs: 0 },
      { files: 5, findings: 2, errors: 2, warnings: 0, durationMs: 0 },
    );
    assert.ok(stdout.endsWith("\n"));
  });

  test("sarif is valid SARIF 2.1.0", async () => {
    const r = await dbfence(["check", "--format", "sarif"], violating());
    assert.equal(r.status, 1);
    const log = JSON.parse(r.stdout) as {
      version: string;
      runs: {
        tool: { driver: { name: string } };
        results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
      }[];
    };
    const validate = compileDraft04(JSON.parse(fs.readFileSync(SARIF_SCHEMA_PATH, "utf8")));
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    assert.equal(log.version, "2.1.0");
    assert.equal(log.runs[0]?.tool.driver.name, "dbfence");
    const results = (log.runs[0]?.results ?? []).map(
      (x) => `${x.locations[0]?.physicalLocation.artifactLocation.uri} ${x.ruleId}`,
    );
    assert.deepEqual(results, ["api/bad.py DBF104", "services/legacy.py DBF201"]);
  });

  test("github prints one workflow command per finding", async () => {
    const r = await dbfence(["check", "--format", "github"], violating());
    assert.equal(r.status, 1);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2, r.stdout);
    for (const line of lines) assert.match(line, /^::error file=/);
    assert.match(lines[0] as string, /^::error file=api\/bad\.py,line=1,col=1,.*DBF104/);
  });

  test("github marks warnings as ::warning", async () => {
    const r = await dbfence(
      ["check", "--format", "github"],
      clean({ "api/bad.py": DRIVER_IMPORT, "dbfence.toml": 'severity = { DBF104 = "warning" }\n' }),
    );
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^::warning file=api\/bad\.py,line=1,col=1,/);
  });

  test("text has path:line:col: CODE lines and no ANSI escapes when stdout is not a terminal", async () => {
    const r = await dbfence(["check"], violating());
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^api\/bad\.py:1:1: DBF104 /m);
    assert.match(r.stdout, /^services\/legacy\.py:1:1: DBF201 /m);
    const ESC = String.fromCharCode(0x1b);
    assert.ok(!r.stdout.includes(ESC), "ANSI escape on stdout");
    assert.ok(!r.stderr.includes(ESC), "ANSI escape on stderr");
    assert.match(r.stdout, /Found 2 errors and 0 warnings in 5 files\./);
  });

  test("--statistics counts per rule instead of listing findings", async () => {
    const r = await dbfence(
      ["check", "--statistics"],
      violating({ "api/more.py": "import psycopg2\nimport sqlite3\n" }),
    );
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^3\s+DBF104\s+raw-driver-import$/m);
    assert.match(r.stdout, /^1\s+DBF201\s+sync-session-import$/m);
    assert.doesNotMatch(r.stdout, /api\/bad\.py:1:1/);
  });
});

describe("--select and --ignore", { concurrency: true }, () => {
  test("--select DBF1 keeps the 1xx family only", async () => {
    assert.deepEqual(where((await checkJson(["--select", "DBF1"], violating())).json), ["api/bad.py:1 DBF104"]);
  });
  test("--select takes a comma-separated list", async () => {
    const { json } = await checkJson(["--select", "DBF104,DBF201"], violating());
    assert.deepEqual(where(json), ["api/bad.py:1 DBF104", "services/legacy.py:1 DBF201"]);
  });
  test("--ignore DBF104 drops that code", async () => {
    assert.deepEqual(where((await checkJson(["--ignore", "DBF104"], violating())).json), [
      "services/legacy.py:1 DBF201",
    ]);
  });
  test("--select DBF2 with only DBF104 findings exits 0", async () => {
    const r = await checkJson(["--select", "DBF2"], clean({ "api/bad.py": DRIVER_IMPORT }));
    assert.equal(r.status, 0);
    assert.deepEqual(r.json.findings, []);
  });
});

describe("JSON paths are relative to the project root, with /", { concurrency: true }, () => {
  test("run from a subfolder: '.' (the default) is that folder, paths stay relative to the root", async () => {
    const root = violating();
    for (const args of [[], ["."]]) {
      const { json } = await checkJson(args, path.join(root, "api"));
      assert.equal(json.root, root, "the root is found upward from the subfolder");
      assert.deepEqual(where(json), ["api/bad.py:1 DBF104"], `dbfence check ${args.join(" ")}`);
    }
  });
  test("a file path given from a subfolder", async () => {
    const { json } = await checkJson(["bad.py"], path.join(violating(), "api"));
    assert.deepEqual(where(json), ["api/bad.py:1 DBF104"]);
    assert.equal(json.summary.files, 1);
  });
  test("a nested file path given from the root", async () => {
    const { json } = await checkJson(["services/legacy.py"], violating());
    assert.deepEqual(where(json), ["services/legacy.py:1 DBF201"]);
  });
  test("an absolute file path given from elsewhere", async () => {
    const root = violating();
    const { json } = await checkJson([path.join(root, "api", "bad.py")], path.dirname(root));
    assert.equal(json.root, root);
    assert.deepEqual(where(json), ["api/bad.py:1 DBF104"]);
  });
  test("--config FILE in the project root replaces discovery", async () => {
    const root = violating({ "dbfence-ci.toml": 'ignore = ["DBF201"]\n' });
    const { json } = await checkJson(["--config", "dbfence-ci.toml"], root);
    assert.equal(json.root, root);
    assert.deepEqual(where(json), ["api/bad.py:1 DBF104"]);
  });
  test("--config FILE in a subfolder: paths never start with ../ and the connector stays the connector", async () => {
    const root = violating({ "dbfence.toml": null, "conf/ci.toml": 'ignore = ["DBF201"]\n' });
    const { json } = await checkJson(["--config", "conf/ci.toml"], root);
    assert.deepEqual(where(json), ["api/bad.py:1 DBF104"]);
  });
});

describe("rules, explain, --version, --help", { concurrency: true }, () => {
  test("dbfence rules lists every rule with its name and severity", async () => {
    const r = await dbfence(["rules"], clean());
    assert.equal(r.status, 0);
    for (const m of ruleMetas().values()) {
      assert.match(
        r.stdout,
        new RegExp(`^${m.code}\\s+${m.name}\\s+${m.severity}\\s`, "m"),
        `${m.code} in 'dbfence rules'`,
      );
    }
  });

  test("dbfence explain DBF104 prints the four headings", async () => {
    const r = await dbfence(["explain", "DBF104"], clean());
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^# DBF104 raw-driver-import$/m);
    for (const h of ["## What it does", "## Why is this bad?", "## Example", "## Use instead"]) {
      assert.ok(r.stdout.includes(`\n${h}\n`), `missing '${h}'`);
    }
  });

  test("explain accepts a lower-case code", async () => {
    assert.match((await dbfence(["explain", "dbf104"], clean())).stdout, /^# DBF104 /);
  });

  test("explain of an unknown code exits 2", async () => {
    const r = await dbfence(["explain", "DBF999"], clean());
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /DBF999/);
  });

  test("--version prints the package version", async () => {
    const r = await dbfence(["--version"], clean());
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `dbfence ${PACKAGE_VERSION}\n`);
  });

  test("--help and check --help print usage and exit 0", async () => {
    for (const args of [["--help"], ["check", "--help"]]) {
      const r = await dbfence(args, clean());
      assert.equal(r.status, 0, args.join(" "));
      assert.match(r.stdout, /Usage:/);
      assert.match(r.stdout, /--format/);
    }
  });
});

describe("files that cannot be read, decoded or parsed", { concurrency: true }, () => {
  test("a dangling symlink is a notice, the run goes on", async () => {
    const root = clean({ "api/bad.py": DRIVER_IMPORT });
    fs.symlinkSync(path.join(root, "nowhere.py"), path.join(root, "api", "gone.py"));
    const r = await checkJson([], root);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /api\/gone\.py/);
    assert.deepEqual(
      where(r.json).filter((w) => !w.endsWith("DBF900")),
      ["api/bad.py:1 DBF104"],
    );
  });

  test("a folder named x.py is not a file to check", async () => {
    const root = clean();
    fs.mkdirSync(path.join(root, "api", "x.py"));
    const r = await checkJson([], root);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await dbfence(["check", "api/x.py"], root)).status, 0);
  });

  test("a file without read permission is DBF900 and the run goes on", async (t) => {
    const root = clean({ "api/bad.py": DRIVER_IMPORT, "api/locked.py": "x = 1\n" });
    fs.chmodSync(path.join(root, "api", "locked.py"), 0o000);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      // Root reads anything: run as `nobody`, who needs to traverse the project and read the rest.
      for (const dir of [root, path.join(root, "api"), path.join(root, "core")]) fs.chmodSync(dir, 0o755);
    }
    let r: Awaited<ReturnType<typeof checkJson>>;
    try {
      r = await checkJson([], root, asRoot ? { spawn: { uid: 65534, gid: 65534 } } : {});
    } catch (e) {
      t.skip(`cannot run as another user here: ${(e as Error).message}`);
      return;
    }
    assert.equal(r.status, 1);
    assert.deepEqual(where(r.json), ["api/bad.py:1 DBF104", "api/locked.py:1 DBF900"]);
  });

  test("invalid UTF-8 is DBF900 at the line of the bad byte", async () => {
    const bytes = Buffer.concat([Buffer.from('a = 1\nb = 2\nc = "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]);
    const r = await checkJson([], clean({ "api/latin.py": bytes }));
    assert.equal(r.status, 1);
    assert.deepEqual(where(r.json), ["api/latin.py:3 DBF900"]);
  });

  test("a syntax error next to a violating file: both are reported", async () => {
    const root = clean({ "api/bad.py": DRIVER_IMPORT, "api/broken.py": "x = 1\n\ndef broken(:\n    pass\n" });
    const r = await checkJson([], root);
    assert.equal(r.status, 1);
    assert.deepEqual(where(r.json), ["api/bad.py:1 DBF104", "api/broken.py:3 DBF900"]);
    const text = await dbfence(["check"], root);
    assert.match(text.stdout, /^api\/broken\.py:3:\d+: DBF900 /m);
  });
});
