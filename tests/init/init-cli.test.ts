/**
 * `dbfence init` through the built CLI: where it writes, that it never overwrites without --force,
 * that pyproject.toml keeps every byte it had, and that what it writes loads and checks clean.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { parse } from "smol-toml";
import { loadConfig } from "../../src/config/load.js";
import { runCheck } from "../../src/engine/run.js";
import { addPreCommitEntry, removeDbfenceTables } from "../../src/init/plan.js";
import { dbfence } from "../cli/run.js";
import { EXAMPLES, gitEnv, gitInit, tmpCopy, tmpProject } from "./helpers.js";

const PYPROJECT = `[project]
name = "plant-backend"
version = "0.1.0"
dependencies = ["fastapi>=0.92"]   # keep this comment

[tool.ruff]
line-length = 100
`;

/** The example without its dbfence.toml: a project that has never seen dbfence. */
function freshExample(): string {
  const dir = tmpCopy(path.join(EXAMPLES, "plant-backend"));
  fs.rmSync(path.join(dir, "dbfence.toml"));
  return dir;
}

const read = (dir: string, rel: string): string => fs.readFileSync(path.join(dir, rel), "utf8");

describe("dbfence init", () => {
  test("appends a commented [tool.dbfence] to pyproject.toml, keeping the file byte for byte", async () => {
    const dir = freshExample();
    fs.writeFileSync(path.join(dir, "pyproject.toml"), PYPROJECT);
    const run = await dbfence(["init"], dir);
    assert.equal(run.status, 0, run.stderr);
    const text = read(dir, "pyproject.toml");
    assert.ok(text.startsWith(PYPROJECT), "the original text is a prefix of the new one");
    assert.match(text, /\n\n\[tool\.dbfence\]\n# dbfence keeps/);
    const toml = parse(text) as { tool: { dbfence: Record<string, unknown>; ruff: unknown } };
    assert.deepEqual({ ...(toml.tool.ruff as object) }, { "line-length": 100 });
    assert.deepEqual(toml.tool.dbfence.connector, ["core.database"]);
    assert.deepEqual(toml.tool.dbfence["session-dependency"], ["get_db_session"]);

    const loaded = loadConfig({ startPath: dir });
    assert.equal(loaded.file, path.join(dir, "pyproject.toml"));
    assert.deepEqual(loaded.config.lifecycle, { startup: "initialize_database", shutdown: "shutdown_database" });
    assert.equal(loaded.config.healthPath, "/health/db");
    const result = runCheck({ loaded, paths: [dir] });
    assert.deepEqual(result.findings, [], "the example checks clean with what init wrote");

    assert.match(run.stdout, /^Found$/m);
    assert.match(run.stdout, /connector {11}core\.database {2}\(create_async_engine at core\/database\.py:\d+/);
    assert.match(run.stdout, /health route +GET \/health\/db -> database_health \(api\/health\.py:\d+\)/);
    assert.match(run.stdout, /pyproject\.toml {2}\[tool\.dbfence\] appended \(the rest of the file is unchanged\)/);
  });

  test("the example's own dbfence.toml is exactly what `init --dbfence-toml` writes", async () => {
    const dir = freshExample();
    const run = await dbfence(["init", "--dbfence-toml"], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(read(dir, "dbfence.toml"), read(path.join(EXAMPLES, "plant-backend"), "dbfence.toml"));
    assert.ok(!read(dir, "pyproject.toml").includes("dbfence"), "pyproject.toml is left alone");
  });

  test("writes dbfence.toml when there is no pyproject.toml", async () => {
    const dir = freshExample();
    fs.rmSync(path.join(dir, "pyproject.toml"));
    const run = await dbfence(["init", "."], dir);
    assert.equal(run.status, 0, run.stderr);
    const loaded = loadConfig({ startPath: path.join(dir, "api") });
    assert.equal(loaded.file, path.join(dir, "dbfence.toml"));
    assert.deepEqual(loaded.config.connector, ["core.database"]);
  });

  test("never overwrites without --force; with --force it replaces only the dbfence tables", async () => {
    const dir = freshExample();
    const mine = `${PYPROJECT}
[tool.dbfence]
connector = ["old.place"]

[tool.dbfence.severity]
DBF302 = "error"

[[tool.dbfence.exceptions]]
path = "x.py"
rules = ["DBF104"]
reason = "r"

[tool.black]
line-length = 100
`;
    fs.writeFileSync(path.join(dir, "pyproject.toml"), mine);
    const refused = await dbfence(["init"], dir);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /pyproject\.toml already configures dbfence; use --force/);
    assert.equal(read(dir, "pyproject.toml"), mine, "nothing written");

    const forced = await dbfence(["init", "--force"], dir);
    assert.equal(forced.status, 0, forced.stderr);
    const text = read(dir, "pyproject.toml");
    assert.ok(text.startsWith(PYPROJECT));
    assert.ok(!text.includes("old.place") && !text.includes("DBF302 = ") && !text.includes('path = "x.py"'));
    const toml = parse(text) as { tool: { dbfence: { connector: string[] }; black: unknown } };
    assert.deepEqual({ ...(toml.tool.black as object) }, { "line-length": 100 }, "other tables after it survive");
    assert.deepEqual(toml.tool.dbfence.connector, ["core.database"]);
    assert.match(forced.stdout, /\[tool\.dbfence\] replaced/);
  });

  test("an existing dbfence.toml is refused, and replaced with --force", async () => {
    const dir = freshExample();
    fs.writeFileSync(path.join(dir, "dbfence.toml"), "# mine\n");
    const refused = await dbfence(["init", "--dbfence-toml"], dir);
    assert.equal(refused.status, 2);
    assert.equal(read(dir, "dbfence.toml"), "# mine\n");
    // Without --dbfence-toml the existing dbfence.toml is still the file to replace: it shadows pyproject.
    const forced = await dbfence(["init", "--force"], dir);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(read(dir, "dbfence.toml"), /^connector = \["core\.database"\]$/m);
    assert.ok(!read(dir, "pyproject.toml").includes("tool.dbfence"));
  });

  test("--dry-run prints the files and writes nothing", async () => {
    const dir = freshExample();
    const before = read(dir, "pyproject.toml");
    const run = await dbfence(["init", "--dry-run", "--pre-commit", "--github"], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Would write \(--dry-run: nothing written\)/);
    assert.match(run.stdout, /^--- pyproject\.toml$/m);
    assert.equal(read(dir, "pyproject.toml"), before);
    assert.ok(!fs.existsSync(path.join(dir, ".pre-commit-config.yaml")));
    assert.ok(!fs.existsSync(path.join(dir, ".github")));
  });

  test("--pre-commit and --github write at the repository top, scoped to the project folder", async () => {
    const top = tmpProject({ "README.md": "monorepo\n" });
    gitInit(top);
    fs.cpSync(path.join(EXAMPLES, "plant-backend"), path.join(top, "services", "plant"), { recursive: true });
    fs.rmSync(path.join(top, "services", "plant", "dbfence.toml"));
    const run = await dbfence(["init", "services/plant", "--pre-commit", "--github"], top, { env: gitEnv() });
    assert.equal(run.status, 0, run.stderr);
    const preCommit = read(top, ".pre-commit-config.yaml");
    assert.match(
      preCommit,
      /- repo: https:\/\/github\.com\/dbfence\/dbfence\n {4}rev: v\d+\.\d+\.\d+\n {4}hooks:\n {6}- id: dbfence\n {8}files: \^services\/plant\/\n/,
    );
    const workflow = read(top, ".github/workflows/dbfence.yml");
    assert.match(workflow, /uses: dbfence\/dbfence@v\d/);
    assert.match(workflow, /path: services\/plant\n/);
    assert.match(workflow, /branches: \[main\]/);
    assert.match(workflow, /github\/codeql-action\/upload-sarif@v3/);
    assert.match(workflow, /sarif_file: \$\{\{ steps\.dbfence\.outputs\.sarif-file \}\}/);
    assert.ok(read(top, "services/plant/pyproject.toml").includes("[tool.dbfence]"));

    // Again: the config and the workflow exist now (refused), the hook is already there.
    const again = await dbfence(["init", "services/plant", "--pre-commit", "--github"], top, { env: gitEnv() });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already configures dbfence/);
    assert.match(again.stderr, /dbfence\.yml already exists; use --force/);
    const forced = await dbfence(["init", "services/plant", "--pre-commit", "--github", "--force"], top, {
      env: gitEnv(),
    });
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, /already runs the dbfence hook; left as it is/);
    assert.equal(read(top, ".pre-commit-config.yaml"), preCommit);
  });

  test("an existing .pre-commit-config.yaml gets the entry added to its repos list", async () => {
    const dir = freshExample();
    const existing = `default_stages: [pre-commit]
repos:
- repo: https://github.com/astral-sh/ruff-pre-commit
  rev: v0.6.0
  hooks:
  - id: ruff

ci:
  autofix_prs: false
`;
    fs.writeFileSync(path.join(dir, ".pre-commit-config.yaml"), existing);
    const run = await dbfence(["init", "--pre-commit"], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      read(dir, ".pre-commit-config.yaml"),
      `default_stages: [pre-commit]
repos:
- repo: https://github.com/astral-sh/ruff-pre-commit
  rev: v0.6.0
  hooks:
  - id: ruff
- repo: https://github.com/dbfence/dbfence
  rev: v${JSON.parse(fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8")).version}
  hooks:
    - id: dbfence

ci:
  autofix_prs: false
`,
    );
  });

  test("a project without a connector still gets a loadable config that says so", async () => {
    const dir = tmpProject({ "pyproject.toml": '[project]\nname = "x"\n', "app.py": "print('hi')\n" });
    const run = await dbfence(["init"], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /connector +none: no create_async_engine/);
    assert.match(read(dir, "pyproject.toml"), /# No create_async_engine \/ async_sessionmaker call was found/);
    assert.deepEqual(loadConfig({ startPath: dir }).config.connector, ["core.database"]);
  });

  test("a pyproject.toml that is not valid TOML is refused, untouched", async () => {
    const dir = tmpProject({ "pyproject.toml": "[project\nname = 1\n", "app.py": "" });
    const run = await dbfence(["init"], dir);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /would not load: .*invalid TOML.*--dbfence-toml/s);
    assert.equal(read(dir, "pyproject.toml"), "[project\nname = 1\n");
  });

  test("usage errors", async () => {
    const dir = tmpProject({ "a.py": "" });
    assert.equal((await dbfence(["init", "nope"], dir)).status, 2);
    assert.equal((await dbfence(["init", "a.py"], dir)).status, 2);
    assert.equal((await dbfence(["init", ".", "."], dir)).status, 2);
    assert.equal((await dbfence(["init", "--bogus"], dir)).status, 2);
  });
});

describe("init's text edits", () => {
  test("removeDbfenceTables keeps everything else", () => {
    const text =
      '[a]\nx = 1\n[ tool . "dbfence" ]\ny = 2\n[[tool.dbfence.exceptions]]\nz = 3\n[tool.dbfencex]\nw = 4\n';
    assert.equal(removeDbfenceTables(text), "[a]\nx = 1\n[tool.dbfencex]\nw = 4\n");
  });

  test("addPreCommitEntry: indented lists, lists at the end, no list", () => {
    const indented = "repos:\n  - repo: local\n    hooks:\n      - id: x\n";
    assert.match(
      addPreCommitEntry(indented, "") ?? "",
      /id: x\n {2}- repo: https:\/\/github\.com\/dbfence\/dbfence\n {4}rev: /,
    );
    assert.equal(addPreCommitEntry("repos: []\n", ""), null);
    assert.equal(addPreCommitEntry("fail_fast: true\n", ""), null);
  });
});
