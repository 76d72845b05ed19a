/**
 * `dbfence check --diff REV` in real git repositories made here: only findings introduced since REV,
 * the base version read from git without touching the repository, and clear usage errors.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { jsonOutputSchema } from "../../src/reporters/json-schema.js";
import { checkJson, dbfence, where } from "../cli/run.js";
import { compileDraft07 } from "../reporters/ajv.js";
import { commitAll, copyProject, git, initRepo, insertLines, replaceOnce, repoState, tempDir, write } from "./repo.js";

const ORDERS = "api/orders.py";
const MISSING_AWAIT = `

@router.delete("/orders/{order_id}")
async def delete_order(order_id: int, session: AsyncSession = Depends(get_db_session)) -> None:
    session.flush()
`;

/** shop committed on main, then a feature branch that shifts the old findings and adds one. */
function featureBranch(): string {
  const root = copyProject("shop");
  initRepo(root);
  git(root, "checkout", "-q", "-b", "feature");
  insertLines(root, ORDERS, 2, ["import logging", "", "logger = logging.getLogger(__name__)"]);
  fs.appendFileSync(path.join(root, ORDERS), MISSING_AWAIT);
  commitAll(root, "delete orders");
  return root;
}

describe("check --diff", { concurrency: true }, () => {
  test("reports only the finding the branch introduced", async () => {
    const root = featureBranch();
    const all = await checkJson([], root);
    assert.equal(all.json.findings.length, 5);
    const r = await checkJson(["--diff", "main"], root);
    assert.equal(r.status, 1);
    assert.deepEqual(where(r.json), [`${ORDERS}:32 DBF401`]);
    assert.match(r.json.findings[0]?.message ?? "", /flush\(\)/);
    const validate = compileDraft07(jsonOutputSchema);
    assert.ok(validate(r.json), JSON.stringify(validate.errors));
    assert.equal(r.json.summary.findings, 1);
    assert.equal(r.stderr, "");
  });

  test("text output names the revision and what it hid", async () => {
    const root = featureBranch();
    const sha = git(root, "rev-parse", "main").trim().slice(0, 12);
    const r = await dbfence(["check", "--diff", "main"], root);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^api\/orders\.py:32:5: DBF401 /);
    assert.match(r.stdout, /\nFound 1 error and 0 warnings in 9 files\.\n/);
    assert.ok(r.stdout.endsWith(`\n4 findings already at main (${sha}) not shown.\n`), r.stdout);
  });

  test("leaves HEAD, the branch, the index and the working tree alone", async () => {
    const root = featureBranch();
    write(root, "api/wip.py", "import asyncpg\n");
    git(root, "add", "api/wip.py");
    fs.appendFileSync(path.join(root, "main.py"), "# unstaged edit\n");
    const before = repoState(root);
    // The cache folder (.dbfence_cache/, ignored by its own .gitignore) is the only thing a check may add.
    const entries = (): number =>
      fs.readdirSync(root, { recursive: true }).filter((e) => !String(e).startsWith(".dbfence_cache")).length;
    const files = entries();
    await dbfence(["check", "--diff", "main"], root);
    assert.equal(repoState(root), before);
    assert.equal(entries(), files);
  });

  test("compares the working tree, uncommitted and untracked files included", async () => {
    const root = copyProject("shop");
    initRepo(root);
    write(root, "api/wip.py", "import asyncpg\n");
    replaceOnce(root, ORDERS, "    return 0\n", "    return session.query(Base).count()\n");
    const r = await checkJson(["--diff", "HEAD"], root);
    assert.deepEqual(where(r.json), [`${ORDERS}:24 DBF203`, "api/wip.py:1 DBF104"]);
  });

  test("no new findings: exit 0, even with findings on the base", async () => {
    const root = copyProject("shop");
    initRepo(root);
    insertLines(root, ORDERS, 1, ["# a comment that moves every finding"]);
    const r = await dbfence(["check", "--diff", "HEAD"], root);
    assert.equal(r.status, 0, r.stdout);
    assert.match(
      r.stdout,
      /^All checks passed! \(9 files\)\n4 findings already at HEAD \([0-9a-f]{12}\) not shown\.\n$/,
    );
  });

  test("fixed findings simply disappear; a revision by hash or relative name works", async () => {
    const root = featureBranch();
    replaceOnce(root, ORDERS, "    session.flush()\n", "    await session.flush()\n");
    for (const rev of ["HEAD", "HEAD~1", git(root, "rev-parse", "main").trim()]) {
      const r = await checkJson(["--diff", rev], root);
      assert.deepEqual(where(r.json), [], rev);
      assert.equal(r.status, 0, rev);
    }
  });

  test("a project in a subfolder of the repository, with the repository's .gitignore", async () => {
    const top = tempDir();
    const root = copyProject("shop", path.join(top, "services", "shop"));
    write(top, ".gitignore", "generated/\n");
    write(root, "generated/models.py", "import asyncpg\n");
    write(top, "README.md", "monorepo\n");
    initRepo(top);
    git(top, "checkout", "-q", "-b", "feature");
    fs.appendFileSync(path.join(root, ORDERS), MISSING_AWAIT);
    write(root, "generated/more.py", "import psycopg2\n");
    commitAll(top, "feature");
    const r = await checkJson(["--diff", "main"], root);
    assert.deepEqual(where(r.json), [`${ORDERS}:29 DBF401`]);
    // From the top of the repository with PATHS: the same answer.
    const fromTop = await checkJson(["--diff", "main", "services/shop"], top);
    assert.deepEqual(where(fromTop.json), [`${ORDERS}:29 DBF401`]);
  });

  test("symbolic links resolve in the base as in the working tree, also out of the project", async () => {
    const top = tempDir();
    const root = copyProject("shop", path.join(top, "shop"));
    write(top, "shared/legacy_sql.py", "import asyncpg\n");
    fs.symlinkSync(path.join("..", "..", "shared", "legacy_sql.py"), path.join(root, "api", "legacy.py"));
    initRepo(top);
    const all = await checkJson([], root);
    assert.ok(where(all.json).includes("api/legacy.py:1 DBF104"), where(all.json).join());
    const r = await checkJson(["--diff", "main"], root);
    assert.deepEqual(where(r.json), []);
  });

  test("a project that did not exist at the revision: everything is new", async () => {
    const top = tempDir();
    write(top, "README.md", "empty\n");
    initRepo(top);
    const root = copyProject("shop", path.join(top, "shop"));
    const r = await checkJson(["--diff", "main"], root);
    assert.equal(r.json.findings.length, 4);
  });

  test("uses the current config for both sides, so a config change does not hide findings", async () => {
    const root = copyProject("shop");
    write(root, "dbfence.toml", 'ignore = ["DBF4"]\n');
    initRepo(root);
    write(root, "dbfence.toml", "");
    const r = await checkJson(["--diff", "main"], root);
    assert.deepEqual(where(r.json), [], "the DBF401 findings were there at main, config aside");
  });

  test("works with a baseline: only findings in neither", async () => {
    const root = featureBranch();
    git(root, "checkout", "-q", "main");
    assert.equal((await dbfence(["baseline"], root)).status, 0);
    git(root, "checkout", "-q", "feature");
    replaceOnce(root, ORDERS, "import logging", "import logging\nimport sqlite3");
    const r = await checkJson(["--diff", "main"], root);
    assert.deepEqual(where(r.json), [`${ORDERS}:3 DBF104`, `${ORDERS}:33 DBF401`]);
  });
});

describe("check --diff usage errors (exit 2, nothing on stdout)", { concurrency: true }, () => {
  test("outside a git repository", async () => {
    const root = copyProject("shop");
    const r = await dbfence(["check", "--format", "json", "--diff", "main"], root);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^dbfence: --diff: '.*' is not inside a git repository\n$/);
  });

  test("an unknown revision", async () => {
    const root = copyProject("shop");
    initRepo(root);
    const r = await dbfence(["check", "--format", "json", "--diff", "no-such-branch"], root);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "dbfence: --diff: unknown git revision 'no-such-branch'\n");
  });

  test("something that looks like an option", async () => {
    const root = copyProject("shop");
    initRepo(root);
    const r = await dbfence(["check", "--diff=--output=x"], root);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--diff needs a git revision/);
  });
});
