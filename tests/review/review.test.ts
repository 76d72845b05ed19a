/**
 * `dbfence review`: the policy checklist as Markdown, end to end on copies of
 * tests/baseline/projects/shop in real git repositories made here.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { commitAll, copyProject, git, initRepo, replaceOnce, repoState, tempDir, write } from "../baseline/repo.js";
import { dbfence } from "../cli/run.js";

const ORDERS = "api/orders.py";

/** shop with api/orders.py brought in line with the policy. */
function cleanShop(dest?: string): string {
  const root = copyProject("shop", dest);
  replaceOnce(root, ORDERS, "from sqlalchemy.orm import Session\n", "");
  replaceOnce(root, ORDERS, "    session.commit()\n    session.commit()\n", "    await session.commit()\n");
  replaceOnce(root, ORDERS, "def order_count(session: Session)", "def order_count(session: AsyncSession)");
  return root;
}

/** The checklist lines (`- ✅ **Title**...`), without the findings under them. */
const items = (md: string): string[] => md.split("\n").filter((l) => /^- [✅❌➖] /u.test(l));
const mark = (md: string, title: string): string | undefined =>
  items(md)
    .find((l) => l.includes(`**${title}**`))
    ?.slice(2, 3);

const TITLES = [
  "No `SessionLocal`",
  "No `Session()`",
  "No sync DB endpoints",
  "All awaited",
  "Tests on the async fixture",
  "Health endpoint present",
];

describe("dbfence review", { concurrency: true }, () => {
  test("a project that follows the policy: six ✅, exit 0", async () => {
    const root = cleanShop();
    const r = await dbfence(["review"], root);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^## dbfence review\n\n✅ \*\*All 6 checks pass\.\*\*\n/);
    assert.deepEqual(
      items(r.stdout).map((l) => l.slice(0, 4) + l.slice(4).replace(/\*\* .*$/, "**")),
      TITLES.map((t) => `- ✅ **${t}**`),
    );
    assert.match(
      r.stdout,
      /✅ \*\*Tests on the async fixture\*\* — 1 test receives an AsyncSession from `db_session` \(`tests\/conftest\.py:10`\)/,
    );
  });

  test("without --diff every finding counts: ❌ with path:line under its item, exit 1", async () => {
    const root = copyProject("shop");
    const r = await dbfence(["review"], root);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /❌ \*\*2 of 6 checks fail\.\*\*/);
    assert.equal(mark(r.stdout, "No `Session()`"), "❌");
    assert.equal(mark(r.stdout, "All awaited"), "❌");
    assert.equal(mark(r.stdout, "No `SessionLocal`"), "✅");
    const awaited = r.stdout.slice(r.stdout.indexOf("**All awaited**"));
    assert.match(awaited, /— 2 new findings\n {2}- `api\/orders\.py:19` \*\*DBF401\*\* AsyncSession\.commit\(\)/);
  });

  test("--diff: a branch adding one missing await fails only 'All awaited'; old findings are listed apart", async () => {
    const root = copyProject("shop");
    initRepo(root);
    git(root, "checkout", "-q", "-b", "feature");
    fs.appendFileSync(
      path.join(root, ORDERS),
      '\n\n@router.delete("/orders/{order_id}")\nasync def delete_order(order_id: int, session: AsyncSession = Depends(get_db_session)) -> None:\n    session.flush()\n',
    );
    commitAll(root, "delete");
    const before = repoState(root);
    const sha = git(root, "rev-parse", "main").trim().slice(0, 12);
    const r = await dbfence(["review", "--diff", "main"], root);
    assert.equal(repoState(root), before);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(
      r.stdout.includes(`❌ **1 of 6 checks fails because of new findings** since \`main\` (${sha}).`),
      r.stdout,
    );
    assert.ok(
      r.stdout.includes(
        "- ❌ **All awaited** <sub>DBF401 DBF402 DBF403 DBF404</sub> — 1 new finding; 2 findings already at `main`",
      ),
      r.stdout,
    );
    assert.match(r.stdout, /\n {2}- `api\/orders\.py:29` \*\*DBF401\*\* AsyncSession\.flush\(\) is a coroutine/);
    assert.doesNotMatch(r.stdout, /\n {2}- `api\/orders\.py:19`/, "old findings are not listed under the items");
    assert.ok(
      r.stdout.includes("- ❌ **No `Session()`** <sub>DBF103 DBF201 DBF202</sub> — 2 findings already at `main`"),
    );
    assert.match(r.stdout, /<details><summary>4 findings already at main \(not introduced by this change\)<\/summary>/);
    assert.equal(mark(r.stdout, "Tests on the async fixture"), "✅");
    assert.equal(mark(r.stdout, "Health endpoint present"), "✅");
  });

  test("--diff with no new checklist findings: exit 0, other new findings still listed", async () => {
    const root = copyProject("shop");
    initRepo(root);
    write(root, "api/export.py", "import psycopg2\n");
    const r = await dbfence(["review", "--diff", "HEAD"], root);
    assert.equal(r.status, 0, r.stdout);
    assert.match(
      r.stdout,
      /✅ \*\*No new findings on the checklist\*\* since `HEAD` \([0-9a-f]{12}\); 2 checks still fail/,
    );
    assert.match(r.stdout, /\*\*Other new findings\*\*[^\n]*\n\n- `api\/export\.py:1` \*\*DBF104\*\* /);
  });

  test("health endpoint removed on the branch: ❌ Health endpoint present", async () => {
    const root = cleanShop();
    initRepo(root);
    replaceOnce(root, "main.py", "app.include_router(health.router)\n", "");
    const r = await dbfence(["review", "--diff", "main"], root);
    assert.equal(r.status, 1);
    assert.equal(mark(r.stdout, "Health endpoint present"), "❌");
    assert.match(r.stdout, /\n {2}- `main\.py:19` \*\*DBF601\*\* /);
  });

  test("DBF103 goes to 'No Session()' for Session(...) and to 'No SessionLocal' for factories", async () => {
    const root = cleanShop();
    write(
      root,
      "services/reports.py",
      "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n\nfrom core.database import engine as e\n\nReportSession = async_sessionmaker()\n\n\ndef one() -> AsyncSession:\n    return AsyncSession()\n",
    );
    const r = await dbfence(["review"], root);
    const local = r.stdout.slice(r.stdout.indexOf("**No `SessionLocal`**"), r.stdout.indexOf("**No `Session()`**"));
    const direct = r.stdout.slice(r.stdout.indexOf("**No `Session()`**"), r.stdout.indexOf("**No sync DB endpoints**"));
    assert.match(local, /services\/reports\.py:3` \*\*DBF101\*\*/);
    assert.match(local, /services\/reports\.py:5` \*\*DBF103\*\* async_sessionmaker\(\.\.\.\)/);
    assert.match(direct, /services\/reports\.py:9` \*\*DBF103\*\* AsyncSession\(\.\.\.\)/);
    assert.doesNotMatch(local, /AsyncSession\(\.\.\.\)/);
  });

  test("rules switched off in the config: ➖", async () => {
    const root = cleanShop();
    write(root, "dbfence.toml", 'ignore = ["DBF4"]\n');
    const r = await dbfence(["review"], root);
    assert.equal(r.status, 0);
    assert.equal(mark(r.stdout, "All awaited"), "➖");
    assert.match(r.stdout, /✅ \*\*All 5 checked items pass\*\* \(1 switched off\)\./);
  });

  test("with a baseline: baselined findings do not fail an item and are counted in the footer", async () => {
    const root = copyProject("shop");
    await dbfence(["baseline"], root);
    const r = await dbfence(["review"], root);
    assert.equal(r.status, 0, r.stdout);
    assert.ok(r.stdout.includes("- ✅ **All awaited** <sub>DBF401 DBF402 DBF403 DBF404</sub> — 2 in the baseline"));
    assert.match(
      r.stdout,
      /<sub>dbfence [^ ]+ · 4 findings in the baseline \(\.dbfence-baseline\.json\) not counted<\/sub>\n$/,
    );
    const all = await dbfence(["review", "--no-baseline"], root);
    assert.equal(all.status, 1);
  });

  test("--link-base links each path:line to the file in the repository (subfolder included)", async () => {
    const top = tempDir();
    const root = copyProject("shop", path.join(top, "backend"));
    initRepo(top);
    const r = await dbfence(["review", "--link-base", "https://github.com/acme/shop/blob/abc123/"], root);
    assert.ok(
      r.stdout.includes("[`api/orders.py:19`](https://github.com/acme/shop/blob/abc123/backend/api/orders.py#L19)"),
      r.stdout,
    );
  });

  test("output is Markdown-safe: messages cannot open HTML or emphasis", async () => {
    const root = cleanShop();
    write(root, "api/weird.py", "import asyncpg as a_b_  # <b>*x*</b>\n");
    const r = await dbfence(["review"], root);
    assert.doesNotMatch(r.stdout, /<b>/);
  });
});

describe("review: tests on the async fixture", { concurrency: true }, () => {
  test("no tests at all", async () => {
    const root = cleanShop();
    fs.rmSync(path.join(root, "tests"), { recursive: true });
    const r = await dbfence(["review"], root);
    assert.equal(r.status, 1);
    assert.equal(mark(r.stdout, "Tests on the async fixture"), "❌");
    assert.match(r.stdout, /— 1 new problem\n {2}- no tests found \(pytest files test\\_\\\*\.py or \\\*\\_test\.py/);
  });

  test("sync fixtures and the tests using them are reported; annotated AsyncSession parameters count", async () => {
    const root = cleanShop();
    write(
      root,
      "tests/conftest.py",
      [
        "import pytest",
        "from sqlalchemy import create_engine",
        "from sqlalchemy.orm import Session, sessionmaker",
        "",
        'engine = create_engine("sqlite://")',
        "TestingSession = sessionmaker(bind=engine)",
        "",
        "",
        "@pytest.fixture",
        "def db():",
        "    session = TestingSession()",
        "    yield session",
        "    session.close()",
        "",
        "",
        '@pytest.fixture(name="plain_session")',
        "def _plain_session() -> Session:",
        "    return Session(engine)",
        "",
      ].join("\n"),
    );
    write(
      root,
      "tests/test_orders.py",
      [
        "from sqlalchemy.ext.asyncio import AsyncSession",
        "",
        "",
        "def test_count(db) -> None:",
        "    assert db is not None",
        "",
        "",
        "class TestOrders:",
        "    def test_plain(self, plain_session) -> None:",
        "        assert plain_session",
        "",
        "",
        "async def test_annotated(session: AsyncSession) -> None:",
        "    assert session",
        "",
      ].join("\n"),
    );
    const r = await dbfence(["review"], root);
    const tests = r.stdout.slice(r.stdout.indexOf("**Tests on the async fixture**"), r.stdout.indexOf("**Health"));
    assert.equal(mark(r.stdout, "Tests on the async fixture"), "❌");
    assert.deepEqual(
      tests
        .split("\n")
        .filter((l) => l.startsWith("  - "))
        .map((l) => l.replace(/;.*/, "")),
      [
        "  - `tests/conftest.py:10` fixture 'db' provides a sync Session",
        "  - `tests/conftest.py:17` fixture 'plain_session' provides a sync Session",
        "  - `tests/test_orders.py:4` test_count receives a sync Session through fixture 'db' (tests/conftest.py:10)",
        "  - `tests/test_orders.py:9` test_plain receives a sync Session through fixture 'plain_session' (tests/conftest.py:17)",
      ],
    );
    assert.doesNotMatch(tests, /no test receives an AsyncSession/, "test_annotated receives one");
  });

  test("an async fixture nobody uses", async () => {
    const root = cleanShop();
    write(root, "tests/test_orders.py", "def test_nothing() -> None:\n    assert True\n");
    const r = await dbfence(["review"], root);
    assert.match(
      r.stdout,
      /no test receives an AsyncSession: the async session fixture 'db_session' \(tests\/conftest\.py:10\) is not used by any test/,
    );
  });

  test("--diff: a new test on a sync session is a new problem; the same problem on the base is not", async () => {
    const root = cleanShop();
    write(
      root,
      "tests/test_legacy.py",
      "from sqlalchemy.orm import Session\n\n\ndef test_old(s: Session) -> None:\n    pass\n",
    );
    initRepo(root);
    const same = await dbfence(["review", "--diff", "main"], root);
    assert.equal(same.status, 0, same.stdout);
    assert.match(same.stdout, /❌ \*\*Tests on the async fixture\*\* — 1 problem already at `main`\n/);
    write(
      root,
      "tests/test_new.py",
      "from sqlalchemy.orm import Session\n\n\ndef test_new(s: Session) -> None:\n    pass\n",
    );
    const r = await dbfence(["review", "--diff", "main"], root);
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /— 1 new problem; 1 problem already at `main`\n {2}- `tests\/test_new\.py:4` test_new receives a sync Session as parameter 's'/,
    );
  });
});

describe("review usage errors (exit 2)", { concurrency: true }, () => {
  test("--link-base that is not a URL", async () => {
    const r = await dbfence(["review", "--link-base", "javascript:alert(1)"], cleanShop());
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /--link-base must be an http\(s\) URL/);
  });

  test("--diff outside git, or with an unknown revision", async () => {
    const outside = await dbfence(["review", "--diff", "main"], cleanShop());
    assert.equal(outside.status, 2);
    assert.equal(outside.stdout, "");
    assert.match(outside.stderr, /not inside a git repository/);
    const root = cleanShop();
    initRepo(root);
    const unknown = await dbfence(["review", "--diff", "nope"], root);
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr, "dbfence: --diff: unknown git revision 'nope'\n");
  });
});
