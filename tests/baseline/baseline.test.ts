/**
 * `dbfence baseline` and `check` with a baseline, end to end on copies of tests/baseline/projects/shop:
 * edits above and below baselined findings keep them hidden, new findings show, fixed ones become
 * stale entries, and a broken baseline file is a usage error.
 *
 * shop's findings: api/orders.py:5 DBF201, :19 DBF401, :20 DBF401 (the same text twice), :23 DBF202.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { jsonOutputSchema } from "../../src/reporters/json-schema.js";
import { checkJson, dbfence, where } from "../cli/run.js";
import { compileDraft07 } from "../reporters/ajv.js";
import { copyProject, insertLines, read, replaceOnce, write } from "./repo.js";

const ORDERS = "api/orders.py";

interface BaselineDoc {
  version: number;
  tool: { name: string; version: string };
  entries: { fingerprint: string; code: string; path: string; line: number; message: string }[];
}

const baselineOf = (root: string, file = ".dbfence-baseline.json"): BaselineDoc =>
  JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as BaselineDoc;

/** A copy of shop with its baseline written. */
async function baselined(): Promise<string> {
  const root = copyProject("shop");
  const r = await dbfence(["baseline"], root);
  assert.equal(r.status, 0, r.stderr);
  return root;
}

describe("dbfence baseline", { concurrency: true }, () => {
  test("writes a versioned, sorted file with one entry per finding", async () => {
    const root = copyProject("shop");
    const r = await dbfence(["baseline"], root);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "Wrote .dbfence-baseline.json: 4 entries in 1 file.\n");
    assert.equal(r.stderr, "");
    const doc = baselineOf(root);
    assert.equal(doc.version, 1);
    assert.equal(doc.tool.name, "dbfence");
    assert.deepEqual(Object.keys(doc), ["version", "tool", "entries"]);
    assert.deepEqual(
      doc.entries.map((e) => `${e.path}:${e.line} ${e.code}`),
      [`${ORDERS}:5 DBF201`, `${ORDERS}:19 DBF401`, `${ORDERS}:20 DBF401`, `${ORDERS}:23 DBF202`],
    );
    for (const e of doc.entries) {
      assert.match(e.fingerprint, /^[0-9a-f]{64}$/);
      assert.deepEqual(Object.keys(e), ["fingerprint", "code", "path", "line", "message"]);
    }
    // The two identical `session.commit()` findings differ by their occurrence index.
    assert.equal(new Set(doc.entries.map((e) => e.fingerprint)).size, 4);
    assert.ok(read(root, ".dbfence-baseline.json").endsWith("}\n"));
  });

  test("is deterministic: writing it twice gives the same bytes", async () => {
    const root = await baselined();
    const first = read(root, ".dbfence-baseline.json");
    await dbfence(["baseline"], root);
    assert.equal(read(root, ".dbfence-baseline.json"), first);
  });

  test("never records DBF900", async () => {
    const root = copyProject("shop");
    write(root, "api/broken.py", "def broken(:\n");
    const r = await dbfence(["baseline"], root);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /1 finding of DBF900\/DBF903 not recorded/);
    assert.ok(baselineOf(root).entries.every((e) => e.code !== "DBF900"));
    const check = await checkJson([], root);
    assert.deepEqual(where(check.json), ["api/broken.py:1 DBF900"]);
  });

  test("--baseline FILE writes elsewhere, and check reads it with the same option", async () => {
    const root = copyProject("shop");
    assert.equal((await dbfence(["baseline", "--baseline", "ci/known.json"], root)).status, 0);
    assert.equal(fs.existsSync(path.join(root, ".dbfence-baseline.json")), false);
    assert.equal(baselineOf(root, "ci/known.json").entries.length, 4);
    assert.equal((await dbfence(["check"], root)).status, 1, "the default file does not exist");
    const r = await dbfence(["check", "--baseline", "ci/known.json"], root);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /4 findings in the baseline \(ci\/known\.json\) not shown\./);
  });

  test("with PATHS, keeps the entries of other files", async () => {
    const root = copyProject("shop");
    write(root, "api/legacy.py", "import asyncpg\n");
    await dbfence(["baseline"], root);
    write(root, "api/legacy.py", "import asyncpg\nimport psycopg2\n");
    const r = await dbfence(["baseline", ORDERS], root);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /5 entries in 2 files \(4 from this run, 1 kept for files outside PATHS\)/);
    assert.deepEqual(
      baselineOf(root)
        .entries.filter((e) => e.path === "api/legacy.py")
        .map((e) => e.line),
      [1],
    );
  });
});

describe("check with a baseline", { concurrency: true }, () => {
  test("hides the baselined findings, exits 0 and says how many it hid", async () => {
    const root = await baselined();
    const r = await dbfence(["check"], root);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      "All checks passed! (9 files)\n4 findings in the baseline (.dbfence-baseline.json) not shown.\n",
    );
    assert.equal(r.stderr, "");
  });

  test("json output stays schema v1 and counts only what it reports", async () => {
    const root = await baselined();
    replaceOnce(root, ORDERS, "    return 0\n", "    return session.query(Base).count()\n");
    const { status, json } = await checkJson([], root);
    assert.equal(status, 1);
    const validate = compileDraft07(jsonOutputSchema);
    assert.ok(validate(json), JSON.stringify(validate.errors, null, 2));
    assert.deepEqual(where(json), [`${ORDERS}:24 DBF203`]);
    assert.deepEqual(
      { findings: json.summary.findings, errors: json.summary.errors, warnings: json.summary.warnings },
      { findings: 1, errors: 1, warnings: 0 },
    );
  });

  test("edits above and below the findings keep them baselined", async () => {
    const root = await baselined();
    // Above everything: a longer docstring and another import.
    replaceOnce(
      root,
      ORDERS,
      '"""Orders: still half on the sync API."""\n',
      '"""Orders.\n\nStill half on the sync API.\n"""\nimport logging\n',
    );
    // Between findings: a new, clean handler right after the imports and before close_orders.
    replaceOnce(
      root,
      ORDERS,
      '@router.post("/orders/close")',
      '@router.get("/orders/count")\nasync def count_orders(session: AsyncSession = Depends(get_db_session)) -> int:\n    return len(list(await session.scalars(select(Base))))\n\n\nlogger = logging.getLogger(__name__)\n\n\n@router.post("/orders/close")',
    );
    // Spacing outside a finding's span is not an edit of it.
    replaceOnce(
      root,
      ORDERS,
      "def order_count(session: Session) -> int:",
      "def order_count(session:   Session) -> int:",
    );
    // Below everything.
    insertLines(root, ORDERS, 1000, ["", "", "def helper() -> None:", "    pass", ""]);
    const moved = await checkJson(["--no-baseline"], root);
    assert.deepEqual(where(moved.json), [
      `${ORDERS}:9 DBF201`,
      `${ORDERS}:31 DBF401`,
      `${ORDERS}:32 DBF401`,
      `${ORDERS}:35 DBF202`,
    ]);
    const r = await dbfence(["check"], root);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^All checks passed!/);
    assert.equal(r.stderr, "", "no stale entries");
  });

  test("a new finding is reported among baselined ones, with its real line", async () => {
    const root = await baselined();
    insertLines(root, ORDERS, 1, ["import sqlite3"]);
    replaceOnce(
      root,
      ORDERS,
      "    session.commit()\n    session.commit()\n",
      "    session.commit()\n    session.flush()\n    session.commit()\n",
    );
    const { status, json } = await checkJson([], root);
    assert.equal(status, 1);
    assert.deepEqual(where(json), [`${ORDERS}:1 DBF104`, `${ORDERS}:21 DBF401`]);
    assert.match(json.findings[1]?.message ?? "", /flush\(\)/);
  });

  test("one more copy of a baselined line is one new finding (occurrence index)", async () => {
    const root = await baselined();
    replaceOnce(
      root,
      ORDERS,
      "    session.commit()\n    session.commit()\n",
      "    session.commit()\n    session.commit()\n    session.commit()\n",
    );
    const { json } = await checkJson([], root);
    assert.deepEqual(where(json), [`${ORDERS}:21 DBF401`]);
  });

  test("a fixed finding leaves a stale entry, reported on stderr; baseline shrinks the file", async () => {
    const root = await baselined();
    replaceOnce(
      root,
      ORDERS,
      "    session.commit()\n    session.commit()\n",
      "    await session.commit()\n    session.commit()\n",
    );
    replaceOnce(
      root,
      ORDERS,
      "def order_count(session: Session) -> int:",
      "def order_count(session: AsyncSession) -> int:",
    );
    const r = await dbfence(["check"], root);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      "All checks passed! (9 files)\n2 findings in the baseline (.dbfence-baseline.json) not shown.\n",
    );
    assert.equal(
      r.stderr,
      "dbfence: 2 baseline entries no longer match a finding; run `dbfence baseline` to shrink .dbfence-baseline.json:\n" +
        `  ${ORDERS}:20 DBF401 AsyncSession.commit() is a coroutine and is not awaited, so it never runs; add 'await'\n` +
        `  ${ORDERS}:23 DBF202 parameter annotated with the sync Session; annotate it as AsyncSession and receive it from the connector's get_db_session\n`,
    );
    // json and other formats print the same notice on stderr; stdout stays the report.
    const j = await checkJson([], root);
    assert.equal(j.json.findings.length, 0);
    assert.match(j.stderr, /2 baseline entries no longer match/);
    await dbfence(["baseline"], root);
    assert.equal(baselineOf(root).entries.length, 2);
    const again = await dbfence(["check"], root);
    assert.equal(again.stderr, "");
  });

  test("entries outside the checked PATHS or rules are not stale", async () => {
    const root = copyProject("shop");
    write(root, "api/legacy.py", "import asyncpg\n");
    await dbfence(["baseline"], root);
    const onlyOrders = await dbfence(["check", ORDERS], root);
    assert.equal(onlyOrders.status, 0, onlyOrders.stdout);
    assert.equal(onlyOrders.stderr, "");
    const onlyAwait = await dbfence(["check", "--select", "DBF4"], root);
    assert.equal(onlyAwait.status, 0);
    assert.equal(onlyAwait.stderr, "");
    assert.match(onlyAwait.stdout, /2 findings in the baseline/);
    fs.rmSync(path.join(root, "api", "legacy.py"));
    const r = await dbfence(["check"], root);
    assert.match(r.stderr, /1 baseline entry no longer matches a finding/);
    assert.match(r.stderr, /api\/legacy\.py:1 DBF104/);
  });

  test("--no-baseline reports everything", async () => {
    const root = await baselined();
    const { status, json } = await checkJson(["--no-baseline"], root);
    assert.equal(status, 1);
    assert.equal(json.findings.length, 4);
  });

  test("a renamed file's findings are new (the path is part of the fingerprint)", async () => {
    const root = await baselined();
    fs.renameSync(path.join(root, "api", "orders.py"), path.join(root, "api", "order_routes.py"));
    replaceOnce(root, "main.py", "from api import health, orders", "from api import health, order_routes as orders");
    const r = await checkJson([], root);
    assert.equal(r.json.findings.length, 4);
    assert.match(r.stderr, /4 baseline entries no longer match/);
  });
});

describe("a bad baseline is a usage error (exit 2, nothing on stdout)", { concurrency: true }, () => {
  const cases: [string, string[], string | null, RegExp][] = [
    ["a missing --baseline file", ["--baseline", "nope.json"], null, /nope\.json: baseline file not found/],
    ["invalid JSON", [], "{not json", /\.dbfence-baseline\.json: not valid JSON/],
    ["another version", [], '{"version": 2, "entries": []}', /'version' must be 1, got 2/],
    [
      "entries that are not entries",
      [],
      '{"version": 1, "entries": [{"code": 1}]}',
      /entries\[0\]\.fingerprint must be a string/,
    ],
    ["--baseline with --no-baseline", ["--baseline", "x.json", "--no-baseline"], null, /exclude each other/],
  ];
  for (const [what, args, content, message] of cases) {
    test(what, async () => {
      const root = copyProject("shop");
      if (content !== null) write(root, ".dbfence-baseline.json", content);
      const r = await dbfence(["check", "--format", "json", ...args], root);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
    });
  }
});
