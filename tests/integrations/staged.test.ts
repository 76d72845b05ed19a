/**
 * `dbfence check --staged` and `dbfence install-hook`: the staged content is what is checked (not the
 * working tree), only staged Python files are reported, the rest of the staged project provides
 * cross-file facts, and the hook blocks a commit exactly when the check fails.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { checkCommand } from "../../src/cli/check.js";
import { HOOK_MARKER, hookScript, shellQuote } from "../../src/cli/install-hook.js";
import { splitCheckArgs, valueOptions } from "../../src/cli/staged.js";
import { checkJson, dbfence } from "../cli/run.js";
import { EXAMPLES, git, gitEnv, gitInit, tmpCopy, writeFiles } from "../init/helpers.js";

const DRIVER = "\nimport psycopg2\n";

/** A repository holding the example backend in `app/`, everything committed. */
function repo(): string {
  const top = tmpCopy(path.join(EXAMPLES, "plant-backend"), "dbfence-staged-");
  const inner = path.join(top, "app");
  fs.mkdirSync(inner);
  for (const entry of fs.readdirSync(top)) {
    if (entry !== "app") fs.renameSync(path.join(top, entry), path.join(inner, entry));
  }
  gitInit(top);
  assert.equal(git(top, ["add", "-A"]).status, 0);
  assert.equal(git(top, ["commit", "-q", "-m", "plant backend"]).status, 0);
  return top;
}

const append = (file: string, text: string): void => fs.appendFileSync(file, text);

describe("check --staged", () => {
  test("checks the staged content, not the working tree, and reports only staged files", async () => {
    const top = repo();
    const skills = path.join(top, "app", "api", "skills.py");
    const clean = fs.readFileSync(skills, "utf8");
    append(skills, DRIVER);
    git(top, ["add", "app/api/skills.py"]);
    fs.writeFileSync(skills, clean); // the working tree is clean again; the index is not
    // An unstaged violation elsewhere is none of this commit's business.
    append(path.join(top, "app", "api", "agents.py"), DRIVER);

    const run = await checkJson(["--staged"], top, { env: gitEnv() });
    assert.equal(run.status, 1, run.stderr);
    assert.deepEqual(
      run.json.findings.map((f) => `${f.path}:${f.line} ${f.code}`),
      [`api/skills.py:${clean.split("\n").length + 1} DBF104`],
    );
    assert.equal(run.json.root, path.join(top, "app"), "the export's path never shows");
    assert.equal(run.json.summary.files, 1);

    // The same from inside the project, and with an explicit path outside the staged file: nothing.
    const inner = await checkJson(["--staged", "api"], path.join(top, "app"), { env: gitEnv() });
    assert.equal(inner.json.findings.length, 1);
    const elsewhere = await dbfence(["check", "--staged", "models"], path.join(top, "app"), { env: gitEnv() });
    assert.equal(elsewhere.status, 0);
    assert.match(elsewhere.stderr, /no staged Python files/);
    assert.equal(fs.readFileSync(skills, "utf8"), clean, "the working tree is untouched");
    assert.match(git(top, ["diff", "--cached", "--name-only"]).stdout, /^app\/api\/skills\.py$/m);
  });

  test("a clean staged file passes while the working tree still holds a violation", async () => {
    const top = repo();
    const skills = path.join(top, "app", "api", "skills.py");
    append(skills, "\n\nasync def noop() -> None:\n    return None\n");
    git(top, ["add", "-A"]);
    append(skills, DRIVER);
    const run = await dbfence(["check", "--staged", "--format", "sarif"], top, { env: gitEnv() });
    assert.equal(run.status, 0, run.stdout);
    const sarif = JSON.parse(run.stdout) as { runs: { originalUriBaseIds: { "%SRCROOT%": { uri: string } } }[] };
    // Interface v2: SARIF paths are relative to the working directory (here the repository's top).
    assert.ok(sarif.runs[0]?.originalUriBaseIds["%SRCROOT%"].uri.endsWith(`${path.basename(top)}/`));
  });

  test("cross-file facts come from the rest of the staged project", async () => {
    const top = repo();
    writeFiles(path.join(top, "app"), {
      "api/deps.py": "from sqlalchemy.orm import Session as Db  # dbfence: ignore[DBF201] alias module for the test\n",
    });
    git(top, ["add", "-A"]);
    git(top, ["commit", "-q", "-m", "deps"]);
    writeFiles(path.join(top, "app"), {
      "api/reports.py": "from api.deps import Db\n\n\ndef total(db: Db) -> int:\n    return 0\n",
    });
    git(top, ["add", "app/api/reports.py"]);
    const run = await checkJson(["--staged"], top, { env: gitEnv() });
    assert.deepEqual(
      run.json.findings.map((f) => `${f.path}:${f.line} ${f.code}`),
      ["api/reports.py:4 DBF202"],
      "the alias defined in an unchanged file is known",
    );
  });

  test("a dbfence.toml that is not in the index yet still configures the check", async () => {
    const top = repo();
    git(top, ["rm", "-q", "--cached", "app/dbfence.toml"]);
    fs.writeFileSync(path.join(top, "app", "dbfence.toml"), 'ignore = ["DBF104"]\n');
    append(path.join(top, "app", "api", "skills.py"), DRIVER);
    git(top, ["add", "app/api/skills.py"]);
    const run = await checkJson(["--staged"], top, { env: gitEnv() });
    assert.equal(run.status, 0);
    assert.equal(run.json.root, path.join(top, "app"));
  });

  test("without any config the repository top is the project root, as for `dbfence check` there", async () => {
    const top = tmpCopy(path.join(EXAMPLES, "plant-backend"), "dbfence-staged-");
    fs.rmSync(path.join(top, "dbfence.toml"));
    gitInit(top);
    git(top, ["add", "-A"]);
    git(top, ["commit", "-q", "-m", "unconfigured"]);
    append(path.join(top, "api", "agents.py"), "\nfrom core.database import engine\n");
    git(top, ["add", "-A"]);
    const run = await checkJson(["--staged"], path.join(top, "api"), { env: gitEnv() });
    assert.deepEqual(
      run.json.findings.map((f) => `${f.path} ${f.code}`),
      ["api/agents.py DBF101"],
    );
    assert.equal(run.json.root, top);
  });

  test("usage: outside a repository, with --diff, with a path outside the repository", async () => {
    const outside = tmpCopy(path.join(EXAMPLES, "plant-backend"));
    const noRepo = await dbfence(["check", "--staged"], outside, { env: gitEnv() });
    assert.equal(noRepo.status, 2);
    assert.match(noRepo.stderr, /--staged needs git and a repository/);
    const top = repo();
    assert.equal((await dbfence(["check", "--staged", "--diff", "HEAD"], top, { env: gitEnv() })).status, 2);
    assert.equal((await dbfence(["check", "--staged", outside], top, { env: gitEnv() })).status, 2);
  });

  test("check's value options are read from its help, so no option is taken for a PATH", () => {
    const options = valueOptions(checkCommand.help);
    for (const name of ["format", "config", "select", "ignore"]) assert.ok(options.has(name), name);
    for (const name of ["strict", "statistics", "staged", "no-color"]) assert.ok(!options.has(name), name);
    const split = splitCheckArgs(
      ["--staged", "--format", "json", "api", "--config=ci/dbfence.toml", "--strict", "--", "-odd.py"],
      options,
    );
    assert.deepEqual(split.positionals, ["api", "-odd.py"]);
    assert.deepEqual(split.options, ["--format", "json", "--config", "ci/dbfence.toml", "--strict"]);
    assert.equal(split.options[split.configAt], "ci/dbfence.toml");
  });
});

describe("install-hook", () => {
  test("the hook blocks a commit staging a violation and lets a clean one through", async () => {
    const top = repo();
    const install = await dbfence(["install-hook"], path.join(top, "app"), { env: gitEnv() });
    assert.equal(install.status, 0, install.stderr);
    const hook = path.join(top, ".git", "hooks", "pre-commit");
    assert.ok(fs.readFileSync(hook, "utf8").includes(HOOK_MARKER));
    assert.ok((fs.statSync(hook).mode & 0o111) !== 0, "executable");

    const skills = path.join(top, "app", "api", "skills.py");
    append(skills, DRIVER);
    git(top, ["add", "-A"]);
    const blocked = git(top, ["commit", "-m", "raw driver"]);
    assert.notEqual(blocked.status, 0, "the commit is blocked");
    assert.match(blocked.stdout + blocked.stderr, /DBF104/);
    assert.equal(git(top, ["rev-list", "--count", "HEAD"]).stdout.trim(), "1");

    git(top, ["checkout", "--", "."]);
    git(top, ["reset", "-q", "--hard"]);
    append(skills, "\n\nasync def noop() -> None:\n    return None\n");
    git(top, ["add", "-A"]);
    const ok = git(top, ["commit", "-m", "clean change"]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal(git(top, ["rev-list", "--count", "HEAD"]).stdout.trim(), "2");
  });

  test("a hook dbfence did not write is kept unless --force, which backs it up; its own is rewritten", async () => {
    const top = repo();
    const hooks = path.join(top, ".git", "hooks");
    fs.mkdirSync(hooks, { recursive: true });
    fs.writeFileSync(path.join(hooks, "pre-commit"), "#!/bin/sh\necho theirs\n");
    const refused = await dbfence(["install-hook"], top, { env: gitEnv() });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /was not written by dbfence; use --force/);
    assert.equal(fs.readFileSync(path.join(hooks, "pre-commit"), "utf8"), "#!/bin/sh\necho theirs\n");
    const forced = await dbfence(["install-hook", "--force"], top, { env: gitEnv() });
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(fs.readFileSync(path.join(hooks, "pre-commit.dbfence-backup"), "utf8"), "#!/bin/sh\necho theirs\n");
    const again = await dbfence(["install-hook", "--", "--strict"], top, { env: gitEnv() });
    assert.equal(again.status, 0, again.stderr);
    assert.match(fs.readFileSync(path.join(hooks, "pre-commit"), "utf8"), /check --staged '--strict'/);
  });

  test("core.hooksPath is honoured; outside a repository it is a usage error", async () => {
    const top = repo();
    git(top, ["config", "core.hooksPath", ".githooks"]);
    const run = await dbfence(["install-hook"], top, { env: gitEnv() });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(fs.existsSync(path.join(top, ".githooks", "pre-commit")));
    const outside = tmpCopy(path.join(EXAMPLES, "plant-backend-legacy"));
    assert.equal((await dbfence(["install-hook"], outside, { env: gitEnv() })).status, 2);
    assert.equal((await dbfence(["install-hook", "--", "--staged"], top, { env: gitEnv() })).status, 2);
  });

  test("the script quotes paths and falls back to dbfence on PATH", () => {
    const script = hookScript("/opt/node 20/bin/node", "/it's/cli.js", ["--select", "DBF1"]);
    assert.match(script, /^#!\/bin\/sh\n/);
    assert.ok(script.includes(`node='/opt/node 20/bin/node'`));
    assert.ok(script.includes(`cli=${shellQuote("/it's/cli.js")}`));
    assert.ok(script.includes(`exec dbfence check --staged '--select' 'DBF1'`));
    assert.equal(shellQuote("a'b"), `'a'\\''b'`);
  });
});
