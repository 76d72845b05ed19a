/**
 * Interface v2 of INTERFACE.md, end to end through the built CLI: paths relative to the working directory,
 * hierarchical configuration (monorepos), loud empty runs and selectors, and the flags ruff users type.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { CHECK_HELP } from "../../src/cli/check-args.js";
import { escapeProperty } from "../../src/reporters/index.js";
import { ruleMetas } from "../../src/rules/index.js";
import { CONNECTOR, miniProject } from "../docs/project.js";
import { CLI, checkJson, dbfence, where } from "./run.js";

const DRIVER_IMPORT = "import asyncpg\n";
const SYNC_SESSION_IMPORT = "from sqlalchemy.orm import Session\n";
/** One DBF104 (api/bad.py:1) and one DBF201 (services/legacy.py:1). */
const violating = (files: Record<string, string | null> = {}) =>
  miniProject({ "api/bad.py": DRIVER_IMPORT, "services/legacy.py": SYNC_SESSION_IMPORT, ...files }, "dbfence-v2-");

/** A monorepo: `backend/` is a project with its own config; `frontend/` has no Python. */
const monorepo = (files: Record<string, string | null> = {}) =>
  miniProject(
    {
      "dbfence.toml": null,
      "core/__init__.py": null,
      "core/database.py": null,
      "frontend/package.json": "{}\n",
      "backend/dbfence.toml": "",
      "backend/core/__init__.py": "",
      "backend/core/database.py": CONNECTOR,
      "backend/api/bad.py": DRIVER_IMPORT,
      "backend/services/legacy.py": SYNC_SESSION_IMPORT,
      ...files,
    },
    "dbfence-mono-",
  );

describe("paths in text, github and SARIF output are relative to the working directory", { concurrency: 2 }, () => {
  test("text from a subfolder names the file as seen from there; json keeps the root-relative path", async () => {
    const root = violating();
    const text = await dbfence(["check", "."], path.join(root, "api"));
    assert.equal(text.status, 1, text.stderr);
    assert.match(text.stdout, /^bad\.py:1:1: DBF104 /m);
    assert.match(text.stdout, /^1 \| import asyncpg$/m, "the source line is still found");
    const { json } = await checkJson(["."], path.join(root, "api"));
    assert.deepEqual(where(json), ["api/bad.py:1 DBF104"]);
    assert.equal(json.root, root);
  });

  test("github and sarif from a subfolder", async () => {
    const root = violating();
    const cwd = path.join(root, "services");
    const gh = await dbfence(["check", "--format", "github", ".."], cwd);
    assert.match(gh.stdout, /^::error file=legacy\.py,line=1,/m, gh.stderr);
    // Outside the working directory: the absolute path (as ruff prints it), never a ../ path.
    assert.ok(
      gh.stdout.includes(`::error file=${escapeProperty(path.join(root, "api", "bad.py"))},line=1,`),
      gh.stdout,
    );
    const sarif = JSON.parse((await dbfence(["check", "--format", "sarif", "."], cwd)).stdout);
    const run = sarif.runs[0];
    assert.equal(run.originalUriBaseIds["%SRCROOT%"].uri, `file://${cwd}/`);
    assert.deepEqual(
      run.results.map((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => {
        return r.locations[0]?.physicalLocation.artifactLocation.uri;
      }),
      ["legacy.py"],
    );
  });

  test("a file outside the working directory is shown with its absolute path", async () => {
    const root = violating();
    const elsewhere = miniProject({}, "dbfence-v2-cwd-");
    const r = await dbfence(["check", path.join(root, "api", "bad.py")], elsewhere);
    assert.match(
      r.stdout,
      new RegExp(`^${path.join(root, "api", "bad.py").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1:1: DBF104`, "m"),
    );
  });
});

describe("hierarchical configuration: each file uses the nearest config above it", { concurrency: 2 }, () => {
  test("a monorepo root gives the same findings as running inside backend/", async () => {
    const repo = monorepo();
    const inside = await checkJson([], path.join(repo, "backend"));
    const atRoot = await checkJson([], repo);
    assert.deepEqual(where(inside.json), ["api/bad.py:1 DBF104", "services/legacy.py:1 DBF201"]);
    // One project: the same JSON document as inside it (root = the project's root).
    assert.equal(atRoot.json.root, path.join(repo, "backend"));
    assert.deepEqual(atRoot.json.findings, inside.json.findings);
    assert.equal(atRoot.stderr, "", "every file is under a config: no defaults note");
  });

  test("--format github from the repository root annotates backend/... paths", async () => {
    const r = await dbfence(["check", "--format", "github"], monorepo());
    assert.equal(r.status, 1);
    assert.deepEqual(
      r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.replace(/,line=.*$/, "")),
      ["::error file=backend/api/bad.py", "::error file=backend/services/legacy.py"],
    );
  });

  test("a root config and a nested one: each file under its own, each project its own cross-file facts", async () => {
    const repo = monorepo({
      // The root project ignores DBF201; backend's empty config does not.
      "dbfence.toml": 'ignore = ["DBF201"]\n',
      "core/__init__.py": "",
      "core/database.py": CONNECTOR,
      "scripts/legacy.py": SYNC_SESSION_IMPORT,
      "scripts/raw.py": DRIVER_IMPORT,
      // backend's connector internal, imported from the root project: not the root's connector module.
      "tools/engine_stats.py": "from backend.core.database import engine\n",
    });
    const { json, stderr } = await checkJson([], repo);
    assert.deepEqual(where(json), [
      "backend/api/bad.py:1 DBF104",
      "backend/services/legacy.py:1 DBF201",
      "scripts/raw.py:1 DBF104",
    ]);
    assert.equal(stderr, "");
    const settings = await dbfence(["check", "--show-settings"], repo);
    assert.match(settings.stdout, /# config file: backend\/dbfence\.toml/);
    assert.match(settings.stdout, /# config file: dbfence\.toml\n/);
    assert.match(settings.stdout, /nested projects \(checked under their own config\): backend/);
    assert.match(settings.stdout, /exclude = \[.*"\/backend\/"\]/);
  });

  test("files under no config next to a configured project are checked with defaults, and a note says so", async () => {
    const repo = monorepo({ "scripts/raw.py": DRIVER_IMPORT });
    const { json, stderr } = await checkJson([], repo);
    assert.deepEqual(where(json), [
      "backend/api/bad.py:1 DBF104",
      "backend/services/legacy.py:1 DBF201",
      "scripts/raw.py:1 DBF104",
    ]);
    assert.match(
      stderr,
      /^dbfence: note: 1 file under \. has no config file above it; checked with the default settings$/m,
    );
  });

  test("per-project baselines: backend's baseline hides backend's findings only", async () => {
    const repo = monorepo({ "scripts/raw.py": DRIVER_IMPORT });
    const b = await dbfence(["baseline"], path.join(repo, "backend"));
    assert.equal(b.status, 0, b.stderr);
    const { json } = await checkJson([], repo);
    assert.deepEqual(where(json), ["scripts/raw.py:1 DBF104"]);
    assert.ok(fs.existsSync(path.join(repo, "backend", ".dbfence_cache")), "backend keeps its own cache");
  });

  test("--baseline FILE with several projects is a usage error naming them", async () => {
    const repo = monorepo({ "scripts/raw.py": DRIVER_IMPORT });
    const r = await dbfence(["check", "--baseline", "b.json"], repo);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /2 projects \(\., backend\)/);
  });

  test("no config anywhere: a note on stderr that defaults are used; -q silences it", async () => {
    const root = violating({ "dbfence.toml": null });
    const r = await dbfence(["check"], root);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^dbfence: note: no config file \(dbfence\.toml, .*\) in \. or above; using the default settings/m,
    );
    const quiet = await dbfence(["check", "-q"], root);
    assert.equal(quiet.stderr, "");
  });
});

describe("nothing checked is loud", { concurrency: 2 }, () => {
  test("no Python file: a warning naming the paths and the config; exit 0, --strict exit 2", async () => {
    const root = miniProject({ "docs/readme.md": "# hi\n" }, "dbfence-v2-empty-");
    const r = await dbfence(["check", "docs"], root);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /^dbfence: warning: no Python file was checked in docs \(config: dbfence\.toml\)/m);
    const strict = await dbfence(["check", "--strict", "docs"], root);
    assert.equal(strict.status, 2);
    assert.match(strict.stderr, /no Python file was checked/);
  });

  const selectorCases: [string, Record<string, string | null>, RegExp][] = [
    ["select", { "dbfence.toml": 'select = ["DBF7"]\n' }, /^dbfence: dbfence\.toml: select: no rule matches 'DBF7'/],
    [
      "extend-select",
      { "dbfence.toml": 'extend-select = ["DBF99"]\n' },
      /^dbfence: dbfence\.toml: extend-select: no rule matches 'DBF99'/,
    ],
    ["ignore", { "dbfence.toml": 'ignore = ["DBF8"]\n' }, /^dbfence: dbfence\.toml: ignore: no rule matches 'DBF8'/],
    [
      "select under [tool.dbfence]",
      { "dbfence.toml": null, "pyproject.toml": '[tool.dbfence]\nselect = ["DBF0"]\n' },
      /^dbfence: pyproject\.toml: \[tool\.dbfence\] select: no rule matches 'DBF0'/,
    ],
  ];
  for (const [name, files, message] of selectorCases) {
    test(`a config ${name} that matches no rule is a configuration error (exit 2)`, async () => {
      const r = await dbfence(["check", "--format", "json"], violating(files));
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, "one message");
    });
  }

  test("a nested project's bad select is reported from the monorepo root too", async () => {
    const r = await dbfence(["check"], monorepo({ "backend/dbfence.toml": 'select = ["DBF7"]\n' }));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^dbfence: backend\/dbfence\.toml: select: no rule matches 'DBF7'/);
  });
});

describe("flags users already type", { concurrency: 2 }, () => {
  test("--output-format is --format; DBFENCE_OUTPUT_FORMAT sets the default; the flag wins", async () => {
    const root = violating();
    const alias = await dbfence(["check", "--output-format", "json"], root);
    assert.equal(JSON.parse(alias.stdout).findings.length, 2);
    const env = await dbfence(["check"], root, { env: { DBFENCE_OUTPUT_FORMAT: "github" } });
    assert.match(env.stdout, /^::error file=api\/bad\.py/);
    const flag = await dbfence(["check", "--format", "json"], root, { env: { DBFENCE_OUTPUT_FORMAT: "github" } });
    assert.equal(JSON.parse(flag.stdout).version, 1);
    const bad = await dbfence(["check"], root, { env: { DBFENCE_OUTPUT_FORMAT: "xml" } });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /DBFENCE_OUTPUT_FORMAT must be one of text, json, sarif, github, got 'xml'/);
  });

  test("--exit-zero: findings are reported, the exit code is 0", async () => {
    const r = await dbfence(["check", "--exit-zero"], violating());
    assert.equal(r.status, 0);
    assert.match(r.stdout, /DBF104/);
    assert.equal((await dbfence(["check", "--exit-zero", "--select", "FOO"], violating())).status, 2);
  });

  test("-q/--quiet: only the findings; nothing at all for a clean project", async () => {
    const r = await dbfence(["check", "-q"], violating());
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^api\/bad\.py:1:1: DBF104/m);
    assert.doesNotMatch(r.stdout, /Found \d/);
    const clean = await dbfence(["check", "--quiet"], miniProject({}, "dbfence-v2-q-"));
    assert.equal(clean.status, 0);
    assert.equal(clean.stdout, "");
  });

  test("--show-fixes marks fixable findings with [*] and lists them per file", async () => {
    const root = violating({ "api/ok.py": "x = 1  # dbfence: ignore[DBF104] old driver import, removed\n" });
    const r = await dbfence(["check", "--show-fixes"], root);
    assert.match(r.stdout, /^api\/ok\.py:1:\d+: DBF901 \[\*\] /m);
    assert.doesNotMatch(r.stdout, /DBF104 \[\*\]/);
    assert.match(r.stdout, /^1 finding fixable with --fix:\n- api\/ok\.py:\n {4}1 × DBF901 \(unused-suppression\)$/m);
    const fixed = await dbfence(["check", "--fix", "--show-fixes"], root);
    assert.match(fixed.stdout, /^Fixed 1 finding in 1 file: DBF901 ×1\.\n- api\/ok\.py:\n {4}1 × DBF901$/m);
  });

  test("--extend-select adds to --select or to the config's select", async () => {
    const root = violating({ "dbfence.toml": 'select = ["DBF2"]\n' });
    assert.deepEqual(where((await checkJson([], root)).json), ["services/legacy.py:1 DBF201"]);
    assert.deepEqual(where((await checkJson(["--extend-select", "DBF104"], root)).json), [
      "api/bad.py:1 DBF104",
      "services/legacy.py:1 DBF201",
    ]);
    assert.deepEqual(where((await checkJson(["--select", "DBF104", "--extend-select", "DBF2"], root)).json), [
      "api/bad.py:1 DBF104",
      "services/legacy.py:1 DBF201",
    ]);
    const typo = await dbfence(["check", "--extend-select", "DBF77"], root);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /--extend-select: no rule matches 'DBF77'/);
  });

  test("config extend-select adds to select", async () => {
    const root = violating({ "dbfence.toml": 'select = ["DBF2"]\nextend-select = ["DBF104"]\n' });
    assert.deepEqual(where((await checkJson([], root)).json), ["api/bad.py:1 DBF104", "services/legacy.py:1 DBF201"]);
  });

  test("--stdin-filename checks stdin's text as that file, with the project's cross-file facts", async () => {
    const root = violating({ "dbfence.toml": 'select = ["DBF1"]\n' });
    // api/new.py does not exist; core.database is known from disk, so `engine` is a connector internal.
    const text = "from core.database import engine\nimport asyncpg\n";
    const r = await runWithStdin(["check", "--stdin-filename", "api/new.py", "--format", "json"], root, text);
    assert.equal(r.status, 1, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.deepEqual(
      json.findings.map((f: { path: string; line: number; code: string }) => `${f.path}:${f.line} ${f.code}`),
      ["api/new.py:1 DBF101", "api/new.py:2 DBF104"],
    );
    assert.equal(json.summary.files, 1, "only stdin's file is reported on");
    // An existing file: stdin's text replaces the file's (here: fixed), the file on disk is untouched.
    const fixed = await runWithStdin(["check", "--stdin-filename", "bad.py"], path.join(root, "api"), "import os\n");
    assert.equal(fixed.status, 0, fixed.stdout);
    assert.equal(fs.readFileSync(path.join(root, "api", "bad.py"), "utf8"), DRIVER_IMPORT);
    const shown = await runWithStdin(["check", "--stdin-filename", "api/bad.py"], root, "\nimport asyncpg  # new\n");
    assert.match(shown.stdout, /^api\/bad\.py:2:1: DBF104 .*\n.*\n2 \| import asyncpg {2}# new$/m);
  });

  test("--stdin-filename with PATHS is a usage error", async () => {
    const r = await runWithStdin(["check", "--stdin-filename", "x.py", "api"], violating(), "");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--stdin-filename checks stdin only/);
  });

  test("--show-settings prints the resolved settings with the extend- lists merged", async () => {
    const root = violating({ "dbfence.toml": 'extend-drivers = ["duckdb"]\nextend-connector-api = ["engine"]\n' });
    const r = await dbfence(["check", "--show-settings", "api/bad.py"], root);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^# Settings for api\/bad\.py$/m);
    assert.match(r.stdout, /^# project root: \.$/m);
    assert.match(r.stdout, /^# config file: dbfence\.toml$/m);
    assert.match(r.stdout, /^drivers = \["psycopg2", .*"databases", "duckdb"\]$/m);
    assert.match(r.stdout, /^connector-api = \["get_db_session", .*"Base", "engine"\]$/m);
    assert.match(r.stdout, /^select = \["DBF"\]$/m);
    assert.doesNotMatch(r.stdout, /DBF104/, "nothing is checked");
  });

  test("an unknown option is one line naming it, with a did-you-mean; exit 2", async () => {
    const root = violating();
    const typo = await dbfence(["check", "--outptu-format", "json"], root);
    assert.equal(typo.status, 2);
    assert.equal(
      typo.stderr,
      "dbfence: unknown option '--outptu-format' (did you mean '--output-format'?); 'dbfence check --help' lists the options\n",
    );
    const snake = await dbfence(["check", "--exit_zero"], root);
    assert.match(snake.stderr, /did you mean '--exit-zero'\?/);
    const far = await dbfence(["check", "--frobnicate"], root);
    assert.equal(far.stderr, "dbfence: unknown option '--frobnicate'; 'dbfence check --help' lists the options\n");
    const other = await dbfence(["baseline", "--baselin", "x.json"], root);
    assert.match(other.stderr, /did you mean '--baseline'\?/);
  });

  test("explain takes a rule name as well as a code", async () => {
    const byName = await dbfence(["explain", "raw-driver-import"], violating());
    assert.equal(byName.status, 0);
    assert.match(byName.stdout, /^# DBF104 raw-driver-import/);
    const byCode = await dbfence(["explain", "dbf104"], violating());
    assert.equal(byName.stdout, byCode.stdout);
    assert.equal((await dbfence(["explain", "raw-driver-imports"], violating())).status, 2);
  });

  test("rules --format json lists every rule with code, name, severity, summary, fix and url", async () => {
    const r = await dbfence(["rules", "--format", "json"], violating());
    assert.equal(r.status, 0);
    const rules = JSON.parse(r.stdout) as { code: string; name: string; url: string; fix: unknown }[];
    assert.equal(rules.length, ruleMetas().size);
    const d104 = rules.find((x) => x.code === "DBF104");
    assert.equal(d104?.name, "raw-driver-import");
    assert.match(d104?.url ?? "", /docs\/rules\/DBF104\.md$/);
    assert.equal((await dbfence(["rules", "--format", "xml"], violating())).status, 2);
  });

  test("--progress: phase lines on stderr, also for json; none without it when stderr is not a terminal", async () => {
    const root = violating();
    const r = await dbfence(["check", "--progress", "--format", "json"], root);
    assert.equal(JSON.parse(r.stdout).version, 1, "stdout is the JSON document alone");
    assert.match(r.stderr, /^dbfence: discovering files \(\d+\.\d s\)$/m);
    assert.match(r.stderr, /^dbfence: checked \(\d+\.\d s\)$/m);
    const quiet = await dbfence(["check", "--format", "json"], root);
    assert.equal(quiet.stderr, "");
  });
});

describe("--watch", () => {
  test("checks again after a real file change; Ctrl-C (SIGINT) ends it with exit 0", async () => {
    const root = miniProject({ "api/items.py": "import os\n" }, "dbfence-v2-watch-");
    const child = spawn(process.execPath, [CLI, "check", "--watch", "--no-color"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    const until = async (what: () => boolean, label: string): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (!what()) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`${label}\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(() => /watching for changes/.test(stderr), "first run and watching");
    assert.match(stdout, /All checks passed!/);
    fs.writeFileSync(path.join(root, "api", "items.py"), DRIVER_IMPORT);
    await until(() => /DBF104/.test(stdout), "a re-check after the change");
    assert.match(stderr, /change detected/);
    assert.match(stdout, /^api\/items\.py:1:1: DBF104 /m);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    assert.equal(code, 0, stderr);
  });

  test("--watch with --fix is a usage error", async () => {
    const r = await dbfence(["check", "--watch", "--fix"], violating());
    assert.equal(r.status, 2);
  });
});

/** `dbfence ARGS` with `text` on stdin. */
async function runWithStdin(
  args: string[],
  cwd: string,
  text: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  child.stdin.end(text);
  const status = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  assert.doesNotMatch(stderr, /internal error|^ {4}at /m, stderr);
  return { status, stdout, stderr };
}

test("docs/commands/check.md and the README name every option of check --help", () => {
  const doc = fs.readFileSync(new URL("../../../docs/commands/check.md", import.meta.url), "utf8");
  const readme = fs.readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  const options = [...CHECK_HELP.matchAll(/^ {2}(?:-q, )?(--[a-z-]+)/gm)].map((m) => m[1] as string);
  assert.ok(options.length >= 25, options.join(" "));
  for (const o of options) assert.ok(doc.includes(`\`${o}`) || doc.includes(`, \`${o}`), `check.md lacks ${o}`);
  for (const o of [
    "--output-format",
    "--extend-select",
    "--exit-zero",
    "--watch",
    "--stdin-filename",
    "--show-settings",
  ]) {
    assert.ok(readme.includes(o), `README lacks ${o}`);
  }
});
