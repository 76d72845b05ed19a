/**
 * Internal consistency of the SQLAlchemy library knowledge (src/semantic/knowledge/sqlalchemy.ts): the rule
 * catalog (../shared/spec/RULES.md, DBF401/DBF402) names the same methods as the data, and the data agrees with
 * itself. Needs no SQLAlchemy checkout; the check against SQLAlchemy's real API is scripts/check_knowledge.py
 * (docs/knowledge.md). The last test runs that script on a tiny synthetic source tree.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  ASYNC_SESSION_SYNC_METHODS,
  ASYNC_SESSION_TYPES,
  CALL_RESULTS,
  CLASS_TYPES,
  COROUTINE_METHODS,
  type DbType,
  METHOD_RESULTS,
  SESSION_TYPES,
  STATEMENT_METHODS,
  STATEMENT_RUNNERS,
} from "../../src/semantic/knowledge/sqlalchemy.js";

/** Every DbType, exactly: `satisfies Record<DbType, true>` fails to compile on a missing or an extra key. */
const DB_TYPE_KEYS = {
  AsyncSession: true,
  AsyncConnection: true,
  AsyncEngine: true,
  AsyncResult: true,
  AsyncScalarResult: true,
  AsyncMappingResult: true,
  AsyncSessionMaker: true,
  Session: true,
  Connection: true,
  Engine: true,
  SessionMaker: true,
  DriverConnection: true,
  DriverCursor: true,
} satisfies Record<DbType, true>;
const DB_TYPES: ReadonlySet<string> = new Set(Object.keys(DB_TYPE_KEYS));

/** The repository root: the nearest folder above this test file with a package.json. */
function repositoryRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(folder, "package.json"))) {
    const parent = path.dirname(folder);
    if (parent === folder) assert.fail("package.json not found above the test file");
    folder = parent;
  }
  return folder;
}

const RULES_MD = path.resolve(repositoryRoot(), "..", "shared", "spec", "RULES.md");

function rulesRow(code: string): string {
  if (!fs.existsSync(RULES_MD)) {
    assert.fail(
      `the rule catalog ${RULES_MD} is missing: these tests compare the DBF401/DBF402 method lists of ` +
        "../shared/spec/RULES.md with src/semantic/knowledge/sqlalchemy.ts, so the shared spec must be checked out " +
        "next to this repository (CI has it)",
    );
  }
  const row = fs
    .readFileSync(RULES_MD, "utf8")
    .split("\n")
    .find((line) => line.startsWith(`| ${code} |`));
  assert.ok(row, `no '| ${code} |' row in ${RULES_MD}`);
  return row;
}

/** The "reports" cell (third column) of a catalog row. */
function reportsCell(row: string): string {
  const cells = row.split("|").map((c) => c.trim());
  // ["", code, name, reports, does-not-report, ""]
  const cell = cells[3];
  assert.ok(cell, `malformed catalog row: ${row}`);
  return cell;
}

const identifiers = (text: string): string[] => [...text.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]!);
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/**
 * The DbTypes a DBF401 catalog heading describes: "AsyncResult family" is the three result types; otherwise
 * the heading's " / "-separated class names (last word each: "SQLModel AsyncSession" → AsyncSession), looked up
 * among dbfence's `sqlalchemy.ext.asyncio.*` CLASS_TYPES. So the catalog may list AsyncScalarResult on its own.
 */
function headingTypes(heading: string): DbType[] {
  if (/\bfamily\b/.test(heading)) return ["AsyncResult", "AsyncScalarResult", "AsyncMappingResult"];
  const types = new Set<DbType>();
  for (const piece of heading.split("/")) {
    const name = piece.trim().split(/\s+/).pop() ?? "";
    const type = CLASS_TYPES[`sqlalchemy.ext.asyncio.${name}`];
    assert.ok(type, `DBF401 heading "${heading}": ${name} is not a sqlalchemy.ext.asyncio class dbfence knows`);
    types.add(type);
  }
  return [...types];
}

/** DBF401's coroutine lists: `**Heading** (note) — `a`, `b`; **Next** — ...`, up to ". Also". */
function dbf401Lists(): Map<string, string[]> {
  const cell = reportsCell(rulesRow("DBF401"));
  const start = cell.indexOf("**");
  assert.ok(start >= 0, "DBF401 row: no **Type** — list");
  const end = cell.indexOf(". Also", start);
  const lists = new Map<string, string[]>();
  for (const part of cell.slice(start, end < 0 ? undefined : end).split(/;\s*(?=\*\*)/)) {
    const m = /^\*\*(.+?)\*\*([^—]*)—(.*)$/s.exec(part.trim());
    assert.ok(m, `DBF401 row: cannot read the list '${part.slice(0, 60)}...'`);
    lists.set(m[1]!.trim(), identifiers(m[3]!));
  }
  return lists;
}

/** DbType → the DBF401 list the catalog gives for it. */
function dbf401ByType(): Map<DbType, { heading: string; methods: string[] }[]> {
  const byType = new Map<DbType, { heading: string; methods: string[] }[]>();
  for (const [heading, methods] of dbf401Lists()) {
    for (const type of headingTypes(heading)) byType.set(type, [...(byType.get(type) ?? []), { heading, methods }]);
  }
  return byType;
}

test("RULES.md DBF401 gives exactly one coroutine list per type of COROUTINE_METHODS, and no other", () => {
  const byType = dbf401ByType();
  assert.deepEqual(sorted(byType.keys()), sorted(Object.keys(COROUTINE_METHODS)));
  for (const [type, lists] of byType) {
    assert.equal(lists.length, 1, `${type} is listed under ${lists.map((l) => `**${l.heading}**`).join(" and ")}`);
  }
});

for (const type of Object.keys(DB_TYPE_KEYS) as DbType[]) {
  if (!COROUTINE_METHODS[type]) continue;
  test(`RULES.md DBF401 list for ${type} equals COROUTINE_METHODS.${type}`, () => {
    const lists = dbf401ByType().get(type);
    assert.ok(lists?.[0], `the DBF401 row has no list for ${type}`);
    const { heading, methods } = lists[0];
    assert.equal(new Set(methods).size, methods.length, `duplicates in the DBF401 **${heading}** list`);
    assert.deepEqual(sorted(methods), sorted(COROUTINE_METHODS[type] ?? []), `DBF401 **${heading}** vs ${type}`);
  });
}

test("RULES.md DBF402 list equals ASYNC_SESSION_SYNC_METHODS", () => {
  const cell = reportsCell(rulesRow("DBF402"));
  const paren = /\(([^)]*`[^)]*)\)/.exec(cell);
  assert.ok(paren, "DBF402 row: no (`method`, ...) list");
  const listed = identifiers(paren[1]!);
  assert.equal(new Set(listed).size, listed.length, "duplicates in the DBF402 list");
  assert.deepEqual(sorted(listed), sorted(ASYNC_SESSION_SYNC_METHODS));
});

test("no method is both a coroutine and a sync method of AsyncSession", () => {
  const both = sorted(ASYNC_SESSION_SYNC_METHODS).filter((m) => COROUTINE_METHODS.AsyncSession?.has(m));
  assert.deepEqual(both, []);
});

test("begin()/begin_nested() are neither coroutine methods nor DBF402 sync methods (awaitable context managers)", () => {
  for (const m of ["begin", "begin_nested"]) {
    assert.ok(!ASYNC_SESSION_SYNC_METHODS.has(m), `${m} in ASYNC_SESSION_SYNC_METHODS`);
    for (const [type, methods] of Object.entries(COROUTINE_METHODS)) assert.ok(!methods?.has(m), `${type}.${m}`);
  }
});

test("every METHOD_RESULTS receiver and result is a DbType", () => {
  for (const [receiver, methods] of Object.entries(METHOD_RESULTS)) {
    assert.ok(DB_TYPES.has(receiver), `METHOD_RESULTS key ${receiver} is not a DbType`);
    for (const [method, result] of Object.entries(methods ?? {})) {
      assert.ok(DB_TYPES.has(result), `METHOD_RESULTS.${receiver}.${method} = ${result} is not a DbType`);
    }
  }
});

test("every other table names DbTypes only", () => {
  for (const [type] of Object.entries(COROUTINE_METHODS)) assert.ok(DB_TYPES.has(type), `COROUTINE_METHODS.${type}`);
  for (const [name, type] of Object.entries(CLASS_TYPES)) assert.ok(DB_TYPES.has(type), `CLASS_TYPES[${name}]`);
  for (const [name, type] of Object.entries(CALL_RESULTS)) assert.ok(DB_TYPES.has(type), `CALL_RESULTS[${name}]`);
  for (const set of [ASYNC_SESSION_TYPES, STATEMENT_RUNNERS, SESSION_TYPES]) {
    for (const type of set) assert.ok(DB_TYPES.has(type), `${type} in a type set`);
  }
});

test("coroutine methods are only listed for async types, and every async type has some", () => {
  for (const type of Object.keys(COROUTINE_METHODS)) {
    assert.ok(ASYNC_SESSION_TYPES.has(type as DbType), `COROUTINE_METHODS.${type} is not in ASYNC_SESSION_TYPES`);
  }
  for (const type of ASYNC_SESSION_TYPES) {
    assert.ok((COROUTINE_METHODS[type]?.size ?? 0) > 0, `ASYNC_SESSION_TYPES ${type} has no coroutine methods`);
  }
});

test("a method whose awaited result has a type is a coroutine or a sync method of that type, not both", () => {
  // METHOD_RESULTS gives the type after `await` for coroutines; a sync method listed there must not also be DBF402.
  for (const [receiver, methods] of Object.entries(METHOD_RESULTS)) {
    for (const method of Object.keys(methods ?? {})) {
      if (receiver === "AsyncSession") assert.ok(!ASYNC_SESSION_SYNC_METHODS.has(method), `AsyncSession.${method}`);
    }
  }
});

test("statement methods that are coroutines on AsyncSession/AsyncConnection are listed as such", () => {
  for (const method of STATEMENT_METHODS) {
    if (method === "exec") {
      assert.ok(COROUTINE_METHODS.AsyncSession?.has(method), "AsyncSession.exec (SQLModel)");
      continue;
    }
    for (const type of ["AsyncSession", "AsyncConnection"] as const) {
      assert.ok(COROUTINE_METHODS[type]?.has(method), `${type}.${method}`);
    }
  }
});

// --- scripts/check_knowledge.py on a synthetic source tree ---------------------------------------

const SYNTHETIC: Readonly<Record<string, string>> = {
  "sa/lib/sqlalchemy/__init__.py": '__version__ = "9.9.9"\n',
  "sa/lib/sqlalchemy/ext/asyncio/base.py": [
    "class ReversibleProxy(Generic[_PT]):",
    "    def _assign_proxied(self, target): ...",
    "class StartableContext(Awaitable[_T_co], abc.ABC):",
    "    async def start(self, is_ctxmanager=False): ...",
    "    def __await__(self): ...",
    "    async def __aenter__(self): ...",
    "class ProxyComparable(ReversibleProxy[_PT]):",
    "    pass",
    "",
  ].join("\n"),
  "sa/lib/sqlalchemy/ext/asyncio/session.py": [
    "from ...orm import Session",
    "from .base import ReversibleProxy, StartableContext",
    "@util.create_proxy_methods(Session, 'x', 'y', classmethods=['object_session'], methods=['add', 'expire'],",
    "    attributes=['dirty'])",
    "class AsyncSession(ReversibleProxy[Session]):",
    "    async def execute(self, statement): ...",
    "    async def commit(self): ...",
    "    def begin(self) -> AsyncSessionTransaction: ...",
    "    async def run_sync(self, fn): ...",
    "    @property",
    "    def info(self): ...",
    "class async_sessionmaker(Generic[_AS]):",
    "    def begin(self) -> _AsyncSessionContextManager[_AS]: ...",
    "class _AsyncSessionContextManager(Generic[_AS]):",
    "    async def __aenter__(self): ...",
    "class AsyncSessionTransaction(ReversibleProxy[SessionTransaction], StartableContext['AsyncSessionTransaction']):",
    "    async def commit(self): ...",
    "",
  ].join("\n"),
  "sa/lib/sqlalchemy/ext/asyncio/scoping.py": [
    "from .session import AsyncSession",
    "@create_proxy_methods(AsyncSession, 'x', 'y', classmethods=[], methods=['add', 'commit', 'execute', 'begin'],",
    "    attributes=[])",
    "class async_scoped_session(Generic[_AS]):",
    "    async def remove(self): ...",
    "",
  ].join("\n"),
  "sa/lib/sqlalchemy/ext/asyncio/engine.py": [
    "import contextlib",
    "from .base import ProxyComparable, StartableContext",
    "class AsyncConnection(ProxyComparable[Connection], StartableContext['AsyncConnection']):",
    "    async def execute(self, statement): ...",
    "    async def get_isolation_level(self): ...",
    "    @asyncstartablecontext",
    "    async def stream(self, statement):",
    "        yield 1",
    "    def begin(self) -> AsyncTransaction: ...",
    "class AsyncEngine(ProxyComparable[Engine]):",
    "    @contextlib.asynccontextmanager",
    "    async def begin(self) -> AsyncIterator[AsyncConnection]:",
    "        yield None",
    "    def connect(self) -> AsyncConnection: ...",
    "    async def dispose(self): ...",
    "class AsyncTransaction(ProxyComparable[Transaction], StartableContext['AsyncTransaction']):",
    "    pass",
    "",
  ].join("\n"),
  "sa/lib/sqlalchemy/ext/asyncio/result.py": [
    "class AsyncCommon(FilterResult[_R]):",
    "    async def close(self): ...",
    "class AsyncResult(_WithKeys, AsyncCommon[Row[_TP]]):",
    "    async def all(self): ...",
    "    async def partitions(self, size=None):",
    "        yield []",
    "    def scalars(self, index=0) -> AsyncScalarResult[Any]: ...",
    "class AsyncScalarResult(AsyncCommon[_R]):",
    "    async def all(self): ...",
    "class AsyncMappingResult(_WithKeys, AsyncCommon[RowMapping]):",
    "    async def all(self): ...",
    "class AsyncTupleResult(AsyncCommon[_R], util.TypingOnly):",
    "    if TYPE_CHECKING:",
    "        async def all(self): ...",
    "        async def partitions(self, size=None) -> AsyncIterator[Sequence[_R]]: ...",
    "",
  ].join("\n"),
  "sqlmodel/sqlmodel/__init__.py": '__version__ = "0.0.0"\n',
  "sqlmodel/sqlmodel/ext/asyncio/session.py": [
    "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession",
    "class AsyncSession(_AsyncSession):",
    "    async def exec(self, statement): ...",
    "",
  ].join("\n"),
};

function python(): string | null {
  for (const exe of ["python3", "python"]) {
    if (spawnSync(exe, ["--version"]).status === 0) return exe;
  }
  return null;
}

test("check_knowledge.py classifies defs, proxy lists, bases and begin() of a synthetic SQLAlchemy tree", (t) => {
  const exe = python();
  if (!exe) {
    t.skip("no python3 on PATH");
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-knowledge-"));
  try {
    for (const [rel, text] of Object.entries(SYNTHETIC)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    const script = path.join(repositoryRoot(), "scripts", "check_knowledge.py");
    const run = spawnSync(exe, [script, path.join(dir, "sa"), path.join(dir, "sqlmodel"), "--json"], {
      encoding: "utf8",
    });
    assert.equal(run.status, 1, `differences expected (exit 1); stderr: ${run.stderr}`);
    const out = JSON.parse(run.stdout);
    const cls = (q: string) => out.classes.find((c: { class: string }) => c.class === q);

    const session = cls("sqlalchemy.ext.asyncio.session.AsyncSession");
    assert.deepEqual(session.coroutines, ["commit", "execute", "run_sync"]);
    assert.deepEqual(session.sync, ["add", "begin", "expire", "object_session"]);
    assert.deepEqual(session.proxied, ["add", "expire", "object_session"]);

    // async_scoped_session: proxied names take their kind from AsyncSession; run_sync is not proxied.
    const scoped = cls("sqlalchemy.ext.asyncio.scoping.async_scoped_session");
    assert.equal(scoped.dbtype, "AsyncSession");
    assert.deepEqual(scoped.coroutines, ["commit", "execute", "remove"]);
    assert.deepEqual(scoped.sync, ["add", "begin"]);

    // SQLModel's AsyncSession inherits SQLAlchemy's across packages.
    const sqlmodel = cls("sqlmodel.ext.asyncio.session.AsyncSession");
    assert.deepEqual(sqlmodel.coroutines, ["commit", "exec", "execute", "run_sync"]);

    const conn = cls("sqlalchemy.ext.asyncio.engine.AsyncConnection");
    assert.deepEqual(conn.coroutines, ["execute", "get_isolation_level", "start", "stream"]);
    assert.deepEqual(conn.awaitable_cm, ["stream"]);
    const engine = cls("sqlalchemy.ext.asyncio.engine.AsyncEngine");
    assert.deepEqual(engine.coroutines, ["dispose"]);
    assert.deepEqual(engine.async_cm, ["begin"]);

    const result = cls("sqlalchemy.ext.asyncio.result.AsyncResult");
    assert.deepEqual(result.coroutines, ["all", "close"]);
    assert.deepEqual(result.async_gen, ["partitions"]);
    const tuple = cls("sqlalchemy.ext.asyncio.result.AsyncTupleResult");
    assert.equal(tuple.dbtype, "AsyncResult");
    assert.deepEqual(tuple.async_gen, ["partitions"]);
    assert.deepEqual(tuple.typing_only, ["all", "partitions"]);

    const lacking = out.lacking_coroutines.map((d: { type: string; method: string }) => `${d.type}.${d.method}`);
    assert.ok(lacking.includes("AsyncConnection.get_isolation_level"), lacking.join(", "));
    const extra = out.extra_coroutines.map((d: { type: string; method: string }) => `${d.type}.${d.method}`);
    assert.ok(extra.includes("AsyncSession.flush"), extra.join(", "));
    assert.ok(!extra.includes("AsyncSession.exec") && !extra.includes("AsyncSession.remove"), extra.join(", "));
    assert.ok(extra.includes("AsyncConnection.stream") === false, "awaitable-cm counts as a coroutine");
    assert.deepEqual(out.dbf402_async, []);

    const begin = (q: string) =>
      out.begin.find((b: { class: string; method: string }) => `${b.class}.${b.method}` === q);
    assert.equal(begin("sqlalchemy.ext.asyncio.session.AsyncSession.begin").usage, "await or async with");
    assert.equal(begin("sqlalchemy.ext.asyncio.engine.AsyncConnection.begin").usage, "await or async with");
    assert.equal(begin("sqlalchemy.ext.asyncio.engine.AsyncEngine.begin").kind, "async-cm");
    assert.equal(begin("sqlalchemy.ext.asyncio.session.async_sessionmaker.begin").usage, "async with");

    const report = spawnSync(exe, [script, path.join(dir, "sa"), "--report"], { encoding: "utf8" });
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stdout, /== Coroutine methods dbfence lacks/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
