/**
 * The content-hash cache (src/cache/store.ts) never changes a result: on every fixture a run without the
 * cache, a cold run and a warm run are identical; an edit to a module another file depends on (a type alias
 * in a deps module) changes that file's findings although its own bytes did not change; a module that
 * appears later is seen; corrupt, foreign, malformed or stale cache files are ignored; an unwritable cache
 * folder only costs speed; and the CLI (`check`, `--no-cache`, `--cache-dir`, `--staged`) keeps its cache
 * where it says and reports the same as without it. Every project and cache lives in a temporary folder.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { cacheSecret, mac } from "../../src/cache/integrity.js";
import { loadConfig } from "../../src/config/load.js";
import { runCheck } from "../../src/engine/run.js";
import type { CheckResult, Finding } from "../../src/types.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(HERE, "..", "..", "..", "tests", "fixtures");
const CLI = path.resolve(HERE, "..", "..", "src", "cli.js");
const TODAY = "2026-06-01";
/** A fixture with findings in several files, some of them through a type alias defined in another module. */
const ALIAS_FIXTURE = path.join(FIXTURES, "DBF301-annotated-alias-in-deps-module");

const names = fs
  .readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith("."))
  .map((e) => e.name)
  .sort();

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tmpDir(prefix = "dbfence-cache-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(dir, ...rel.split("/"));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
  }
}

function tmpCopy(src: string): string {
  const dir = tmpDir("dbfence-cache-copy-");
  fs.cpSync(src, dir, { recursive: true });
  return dir;
}

const strip = (r: CheckResult): unknown => ({ ...r, summary: { ...r.summary, durationMs: 0 } });

function run(dir: string, cacheDir: string | null, prefilter = true): CheckResult {
  const loaded = loadConfig({ startPath: dir });
  return runCheck({ loaded, paths: [loaded.root], today: TODAY, prefilter, cacheDir });
}

/** Runs with the cache and without it, asserts both are identical, and returns the result. */
function same(dir: string, cacheDir: string, what: string): CheckResult {
  const cached = run(dir, cacheDir);
  const fresh = run(dir, null);
  assert.deepEqual(strip(cached), strip(fresh), `${what}: the cached run differs from a run without the cache`);
  return cached;
}

const brief = (list: readonly Finding[], file?: string): string[] =>
  list.filter((f) => file === undefined || f.path === file).map((f) => `${f.path}:${f.line}:${f.column} ${f.code}`);

/** This machine's cache secret (the tests run as the user whose runs they check). */
function secret(): Buffer {
  const { key, problem } = cacheSecret();
  assert.ok(key, `a cache secret: ${problem}`);
  return key;
}

/** The JSON of a cache file (`<HMAC>\n<JSON>`). */
function cacheJson(file: string): string {
  const text = fs.readFileSync(file, "utf8");
  return text.slice(text.indexOf("\n") + 1);
}

/** A cache file's content signed with this machine's secret, as dbfence writes it. */
function signed(file: string, body: string | Buffer, key = secret()): Buffer {
  return Buffer.concat([Buffer.from(`${mac(key, path.basename(file), body)}\n`), Buffer.from(body)]);
}

/** One summary-store line signed with this machine's secret. */
function signedLine(storeFile: string, hash: string, json: string): string {
  const key = path.basename(storeFile).replace(/\.summaries$/, "");
  return `${hash} ${mac(secret(), `${key}\0${hash}`, json)} ${json}`;
}

/** The one cache file of a cache folder (`v1/<key>.json`). */
function cacheFileOf(cacheDir: string): string {
  const v1 = path.join(cacheDir, "v1");
  const files = fs.readdirSync(v1).filter((f) => f.endsWith(".json"));
  assert.equal(files.length, 1, `one cache file in ${v1}: ${files.join(", ")}`);
  return path.join(v1, files[0] as string);
}

const CONNECTOR = fs.readFileSync(path.join(ALIAS_FIXTURE, "core", "database.py"), "utf8");

/** A mini-project: the fixture's async connector, `core` and `api` packages, and `files`. */
function miniProject(files: Record<string, string>): string {
  const dir = tmpDir("dbfence-cache-project-");
  writeFiles(dir, {
    "dbfence.toml": "",
    "core/__init__.py": "",
    "core/database.py": CONNECTOR,
    "api/__init__.py": "",
    ...files,
  });
  return dir;
}

const asyncDeps = `from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import get_db_session

DbSession = Annotated[AsyncSession, Depends(get_db_session)]
`;
const syncDeps = `from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session


def get_legacy_session() -> Iterator[Session]:
    raise NotImplementedError


DbSession = Annotated[Session, Depends(get_legacy_session)]
`;
const aliasRoutes = `from fastapi import APIRouter
from sqlalchemy import text

from api.deps import DbSession

router = APIRouter()


@router.get("/items")
async def list_items(session: DbSession) -> int:
    session.execute(text("SELECT 1"))
    return 1
`;

test("cache: editing only a dependency (a type alias in deps.py) changes its importer's findings", () => {
  const dir = miniProject({ "api/deps.py": asyncDeps, "api/routes.py": aliasRoutes });
  const cacheDir = path.join(tmpDir(), "cache");
  const routes = path.join(dir, "api", "routes.py");
  const routesBytes = fs.readFileSync(routes);

  const cold = same(dir, cacheDir, "cold, AsyncSession alias");
  assert.ok(fs.existsSync(cacheFileOf(cacheDir)), "the cold run wrote the cache");
  const warm = same(dir, cacheDir, "warm, AsyncSession alias");
  assert.deepEqual(strip(warm), strip(cold));
  const asyncRoutes = brief(warm.findings, "api/routes.py");
  assert.ok(
    asyncRoutes.some((f) => f.endsWith("DBF401")),
    `the un-awaited execute on an AsyncSession alias is DBF401: ${asyncRoutes.join(", ")}`,
  );

  fs.writeFileSync(path.join(dir, "api", "deps.py"), syncDeps);
  const sync = same(dir, cacheDir, "after deps.py became a sync Session alias");
  const syncRoutes = brief(sync.findings, "api/routes.py");
  assert.notDeepEqual(syncRoutes, asyncRoutes, "routes.py's findings follow the alias it imports");
  assert.ok(!syncRoutes.some((f) => f.endsWith("DBF401")), `no DBF401 on a sync session: ${syncRoutes.join(", ")}`);
  assert.ok(
    syncRoutes.some((f) => f.endsWith("DBF202")),
    `the parameter annotated with a Session alias: ${syncRoutes.join(", ")}`,
  );
  assert.deepEqual(fs.readFileSync(routes), routesBytes, "routes.py itself was never touched");
  assert.deepEqual(strip(same(dir, cacheDir, "warm, sync alias")), strip(sync));

  // A comment-only edit of deps.py keeps its summary: the reused findings are still the right ones.
  fs.appendFileSync(path.join(dir, "api", "deps.py"), "# the session every route receives\n");
  assert.deepEqual(brief(same(dir, cacheDir, "comment added to deps.py").findings, "api/routes.py"), syncRoutes);

  fs.writeFileSync(path.join(dir, "api", "deps.py"), asyncDeps);
  const back = same(dir, cacheDir, "deps.py back to the AsyncSession alias");
  assert.deepEqual(brief(back.findings, "api/routes.py"), asyncRoutes);
  assert.deepEqual(strip(back), strip(cold));
});

const providerModule = (decorator: string): string => `from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession


class Database:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    ${decorator}
    async def session(self):
        yield self._session


database = Database(NotImplemented)
`;
const providerJob = `from sqlalchemy import text

from api.providers import database


async def purge() -> None:
    async with database.session() as session:
        session.execute(text("DELETE FROM sessions"))
`;

test("cache: a session provider's edit (its context-manager decorator) changes the findings of files using it", () => {
  const dir = miniProject({
    "api/providers.py": providerModule("@asynccontextmanager"),
    "api/jobs.py": providerJob,
  });
  const cacheDir = path.join(tmpDir(), "cache");
  const provided = brief(same(dir, cacheDir, "cold, provider method").findings, "api/jobs.py");
  assert.deepEqual(provided, ["api/jobs.py:8:9 DBF401"], "the provider's session is an AsyncSession");
  assert.deepEqual(brief(same(dir, cacheDir, "warm, provider method").findings, "api/jobs.py"), provided);

  // Without the decorator, `session()` is an async generator: entering it binds nothing dbfence knows.
  fs.writeFileSync(path.join(dir, "api", "providers.py"), providerModule("# no decorator"));
  assert.deepEqual(brief(same(dir, cacheDir, "after the decorator was removed").findings, "api/jobs.py"), []);

  fs.writeFileSync(path.join(dir, "api", "providers.py"), providerModule("@asynccontextmanager"));
  assert.deepEqual(brief(same(dir, cacheDir, "decorator back").findings, "api/jobs.py"), provided);
});

test("cache: on every fixture, no cache = cold cache = warm cache (also without the prefilter)", async (t) => {
  for (const name of names) {
    await t.test(name, () => {
      const dir = path.join(FIXTURES, name);
      const cacheDir = path.join(tmpDir(), "cache");
      const none = strip(run(dir, null));
      assert.deepEqual(strip(run(dir, cacheDir)), none, "cold");
      assert.ok(fs.existsSync(cacheFileOf(cacheDir)));
      assert.deepEqual(strip(run(dir, cacheDir)), none, "warm");
      assert.deepEqual(strip(run(dir, cacheDir, false)), none, "warm, prefilter off");
      assert.deepEqual(strip(run(dir, cacheDir)), none, "warm again after a run without the prefilter");
      assert.deepEqual(strip(run(dir, path.join(tmpDir(), "cache"), false)), none, "cold, prefilter off");
    });
  }
});

/**
 * The stored form (src/cache/store.ts): files are positional arrays, `[blob, module, isPackage, summary, flags,
 * imports, names, error, comments, check]` with check = `[findings, reads]`.
 */
type StoredFile = unknown[];
interface StoredCache {
  key: string;
  project: unknown;
  keys: [string, string][];
  files: Record<string, StoredFile>;
}
const checkOf = (f: StoredFile | undefined): [unknown[], number[]] | null =>
  (f?.[9] as [unknown[], number[]] | null | undefined) ?? null;

test("cache: corrupt, malformed, foreign and stale cache files are ignored, never trusted", () => {
  const dir = tmpCopy(ALIAS_FIXTURE);
  const cacheDir = path.join(tmpDir(), "cache");
  const expected = strip(run(dir, null));
  assert.deepEqual(strip(run(dir, cacheDir)), expected, "cold");
  const file = cacheFileOf(cacheDir);
  const valid = fs.readFileSync(file);
  const parsed = JSON.parse(cacheJson(file)) as StoredCache;
  const withFindings = Object.entries(parsed.files).filter(([, f]) => (checkOf(f)?.[0].length ?? 0) > 0);
  assert.ok(withFindings.length >= 2, "the cache holds findings of several files");

  const emptied = edit(parsed, (c) => {
    for (const f of Object.values(c.files)) {
      const check = checkOf(f);
      if (check) check[0] = [];
    }
    c.project = null;
  });
  // The emptied cache signed with this machine's secret is trusted (its blobs and read sets hold): it says
  // something else. (This proves the checks below are what rejects the other variants.)
  fs.writeFileSync(file, signed(file, JSON.stringify(emptied)));
  assert.notDeepEqual(strip(run(dir, cacheDir)), expected, "a valid cache is used");
  // Each variant is signed (so what rejects it is the check named), except those about the signature.
  const variants: Record<string, string | Buffer> = {
    "emptied findings, unsigned (a committed cache)": JSON.stringify(emptied),
    "emptied findings, with the old signature": Buffer.concat([
      valid.subarray(0, valid.indexOf(10) + 1),
      Buffer.from(JSON.stringify(emptied)),
    ]),
    "emptied findings, signed with another machine's secret": signed(
      file,
      JSON.stringify(emptied),
      Buffer.alloc(32, 7),
    ),
    garbage: Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x7b, 0x22, 0x01, 0x02, 0xc3, 0x28]),
    "garbage, signed": signed(file, Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x7b, 0x22, 0x01, 0x02, 0xc3, 0x28])),
    "truncated JSON": valid.subarray(0, Math.floor(valid.length / 2)),
    "truncated JSON, signed": signed(file, cacheJson(file).slice(0, 100)),
    empty: "",
    "JSON of the wrong shape": JSON.stringify({ ...parsed, files: 3 }),
    "a finding of the wrong shape": JSON.stringify(
      edit(parsed, (c) => {
        for (const [, f] of Object.entries(c.files)) {
          const check = checkOf(f);
          if (check?.[0].length) check[0][0] = { code: 1 };
        }
      }),
    ),
    // A foreign cache (another build or configuration) matches every blob but may hold other findings.
    "another key, with emptied findings": JSON.stringify({ ...emptied, key: "0".repeat(40) }),
    "another format, with emptied findings": JSON.stringify({ ...emptied, format: 0 }),
    "stale blobs with emptied findings": JSON.stringify(
      edit(parsed, (c) => {
        for (const [rel] of withFindings) {
          const f = c.files[rel];
          const check = checkOf(f);
          if (!f || !check) continue;
          f[0] = "0123456789abcdef0123456789abcdef01234567";
          check[0] = [];
        }
      }),
    ),
    "read sets that point nowhere, with emptied findings": JSON.stringify(
      edit(parsed, (c) => {
        for (const [rel] of withFindings) {
          const check = checkOf(c.files[rel]);
          if (!check) continue;
          check[1] = [c.keys.length + 5];
          check[0] = [];
        }
      }),
    ),
  };
  // Read sets worth something else now: only files whose findings depend on another module can be told.
  const dependent = withFindings.filter(([, f]) => (checkOf(f)?.[1].length ?? 0) > 0);
  if (dependent.length > 0) {
    variants["read-set values that changed, with emptied findings"] = JSON.stringify(
      edit(parsed, (c) => {
        c.keys = c.keys.map(([k]) => [k, "changed"]);
        for (const [rel] of dependent) {
          const check = checkOf(c.files[rel]);
          if (check) check[0] = [];
        }
      }),
    );
  }
  for (const [what, content] of Object.entries(variants)) {
    const toSign = / JSON|wrong shape|another key|another format|stale|point nowhere|read-set/.test(what);
    fs.writeFileSync(file, toSign && typeof content === "string" ? signed(file, content) : content);
    let got: CheckResult | undefined;
    assert.doesNotThrow(() => {
      got = run(dir, cacheDir);
    }, what);
    assert.deepEqual(strip(got as CheckResult), expected, what);
    // The run rewrote a valid cache: the next one still agrees.
    assert.deepEqual(strip(run(dir, cacheDir)), expected, `${what}, then warm`);
  }

  // (f) A cache entry for older content: the source changes after caching (a new un-awaited call).
  fs.writeFileSync(file, valid);
  const orders = path.join(dir, "api", "orders.py");
  const before = fs.readFileSync(orders, "utf8");
  fs.appendFileSync(
    orders,
    '\n\n@router.get("/late")\nasync def late(session: SessionDep) -> None:\n    session.rollback()\n',
  );
  const newer = same(dir, cacheDir, "orders.py edited after caching");
  const lateLine = before.split("\n").length + 4;
  assert.ok(
    brief(newer.findings, "api/orders.py").includes(`api/orders.py:${lateLine}:5 DBF401`),
    `the new call is reported: ${brief(newer.findings, "api/orders.py").join(", ")}`,
  );
  assert.notDeepEqual(strip(newer), expected);
  // And back: the old content's findings again.
  fs.writeFileSync(orders, before);
  assert.deepEqual(strip(same(dir, cacheDir, "orders.py restored")), expected);

  // (g) A cache written under another configuration: every file is unchanged, the driver list is not.
  fs.writeFileSync(path.join(dir, "dbfence.toml"), 'drivers = ["asyncpg", "fastapi"]\n');
  const reconfigured = same(dir, cacheDir, "another driver list");
  assert.ok(
    reconfigured.findings.some((f) => f.code === "DBF104" && f.path === "api/orders.py"),
    `fastapi is now a driver: ${brief(reconfigured.findings)}`,
  );
  fs.writeFileSync(path.join(dir, "dbfence.toml"), "");
  assert.deepEqual(strip(same(dir, cacheDir, "configuration restored")), expected);
});

function edit(c: StoredCache, change: (copy: StoredCache) => void): StoredCache {
  const copy = structuredClone(c);
  change(copy);
  return copy;
}

test("cache: a module that appears (and disappears) later is seen by the files importing it", () => {
  // routes.py has a seed word of its own; jobs.py is only reached by the prefilter through its import.
  const routes = `from sqlalchemy import text

from api.helpers import make_session


async def refresh() -> None:
    session = make_session()
    session.execute(text("REFRESH MATERIALIZED VIEW totals"))
`;
  const jobs = `from api.helpers import make_session


async def nightly() -> None:
    session = make_session()
    session.commit()
`;
  const helpers = `from sqlalchemy.ext.asyncio import AsyncSession


def make_session() -> AsyncSession:
    raise NotImplementedError
`;
  const dir = miniProject({ "api/routes.py": routes, "api/jobs.py": jobs });
  const cacheDir = path.join(tmpDir(), "cache");
  const without = same(dir, cacheDir, "cold, no helpers.py");
  same(dir, cacheDir, "warm, no helpers.py");

  writeFiles(dir, { "api/helpers.py": helpers });
  const withHelpers = same(dir, cacheDir, "helpers.py created");
  for (const rel of ["api/routes.py", "api/jobs.py"]) {
    const now = brief(withHelpers.findings, rel);
    assert.notDeepEqual(now, brief(without.findings, rel), `${rel} follows the new module`);
    assert.ok(
      now.some((f) => f.endsWith("DBF401")),
      `${rel}: the call on the AsyncSession make_session returns: ${now.join(", ")}`,
    );
  }
  same(dir, cacheDir, "warm, with helpers.py");

  fs.rmSync(path.join(dir, "api", "helpers.py"));
  assert.deepEqual(strip(same(dir, cacheDir, "helpers.py removed")), strip(without));
});

test("cache: whole-project facts (add_api_route registrations, app lifecycle) are tracked too", () => {
  const dir = tmpCopy(path.join(FIXTURES, "DBF301-factory-app-websocket-and-add-route"));
  const cacheDir = path.join(tmpDir(), "cache");
  const main = path.join(dir, "main.py");
  const original = fs.readFileSync(main, "utf8");
  const start = same(dir, cacheDir, "cold");
  assert.deepEqual(strip(same(dir, cacheDir, "warm")), strip(start));
  const exportsAt = brief(start.findings, "api/exports.py");
  assert.ok(
    exportsAt.some((f) => f.endsWith("DBF301")),
    `export_csv is a registered endpoint: ${exportsAt}`,
  );

  // main.py no longer registers export_csv (defined in the unchanged api/exports.py).
  const registration = '    app.add_api_route("/export.csv", export_csv, methods=["GET"])\n';
  assert.ok(original.includes(registration));
  fs.writeFileSync(main, original.replace(registration, ""));
  const unregistered = same(dir, cacheDir, "export_csv no longer registered");
  assert.notDeepEqual(brief(unregistered.findings, "api/exports.py"), exportsAt, "api/exports.py follows main.py");

  // The shutdown hook is dropped: a project-level finding appears.
  const shutdown = "    await shutdown_database()\n";
  assert.ok(original.includes(shutdown));
  fs.writeFileSync(main, original.replace(shutdown, ""));
  const noShutdown = same(dir, cacheDir, "no shutdown hook");
  assert.ok(
    noShutdown.findings.some((f) => f.code === "DBF602"),
    `the missing shutdown is DBF602: ${brief(noShutdown.findings)}`,
  );

  fs.writeFileSync(main, original);
  assert.deepEqual(strip(same(dir, cacheDir, "main.py restored")), strip(start));
});

test("cache: the summary store is used when the whole-project pass runs again, and a damaged one is not trusted", () => {
  const dir = tmpCopy(path.join(FIXTURES, "DBF301-factory-app-websocket-and-add-route"));
  const cacheDir = path.join(tmpDir(), "cache");
  const main = path.join(dir, "main.py");
  const live = path.join(dir, "api", "live.py");
  const original = fs.readFileSync(main, "utf8");
  const liveText = fs.readFileSync(live, "utf8");
  const start = same(dir, cacheDir, "cold");
  const storeFile = cacheFileOf(cacheDir).replace(/\.json$/, ".summaries");
  assert.ok(fs.existsSync(storeFile), "wired modules' summaries are stored");
  const stored = fs.readFileSync(storeFile, "utf8");
  const lines = stored.split("\n").filter(Boolean);
  assert.ok(lines.length >= 2, `several wired modules stored: ${lines.length}`);

  // An edit that makes the whole-project pass run again (the health route goes), with the store intact,
  // then with the store damaged in every way: each time the result is the one without the cache.
  const noHealth = original.replace('@app.get("/health/db")', '@app.get("/status")');
  assert.notEqual(noHealth, original);
  const [first, second] = lines as [string, string];
  const hashOf = (l: string): string => l.slice(0, 40);
  const jsonOf = (l: string): string => l.slice(42 + 64);
  const sign = (hash: string, json: string): string => signedLine(storeFile, hash, json);
  const damaged: Record<string, string> = {
    intact: stored,
    garbage: "\u0000\u00ff not a store\n",
    "truncated in a line": stored.slice(0, Math.floor(stored.length / 2)),
    "summaries swapped between modules": [
      sign(hashOf(first), jsonOf(second)),
      sign(hashOf(second), jsonOf(first)),
      ...lines.slice(2),
    ].join("\n"),
    "summaries swapped, unsigned": [
      `${hashOf(first)} ${"0".repeat(64)} ${jsonOf(second)}`,
      `${hashOf(second)} ${"0".repeat(64)} ${jsonOf(first)}`,
      ...lines.slice(2),
    ].join("\n"),
    "JSON that is not a summary": lines.map((l) => sign(hashOf(l), '{"module": 3}')).join("\n"),
  };
  for (const [what, content] of Object.entries(damaged)) {
    fs.writeFileSync(main, original);
    fs.writeFileSync(live, liveText);
    assert.deepEqual(strip(same(dir, cacheDir, `${what}: restored`)), strip(start));
    fs.writeFileSync(storeFile, content);
    fs.writeFileSync(main, noHealth);
    const edited = same(dir, cacheDir, `${what}: health route renamed`);
    assert.ok(
      edited.findings.some((f) => f.code === "DBF601"),
      `${what}: no /health/db route is DBF601: ${brief(edited.findings)}`,
    );
    // A route edit in a router module (its summary changes): the pass runs again, reading the store.
    fs.writeFileSync(live, `${liveText}\n\n# an edit\nLATE = 1\n`);
    same(dir, cacheDir, `${what}: a router edited`);
  }
});

test("cache: modules named like Object's members (toString, __proto__, constructor) are plain keys", () => {
  for (const name of ["toString", "__proto__", "constructor", "hasOwnProperty"]) {
    const dir = miniProject({
      [`${name}.py`]:
        "from sqlalchemy.orm import sessionmaker\n\nfrom core.database import engine\n\nSessionLocal = sessionmaker(engine)\n",
      "user.py": `import ${name}\n\n\ndef f():\n    return ${name}.SessionLocal().query(int).all()\n`,
    });
    const cacheDir = path.join(tmpDir(), "cache");
    const cold = same(dir, cacheDir, `${name}: cold`);
    assert.ok(
      cold.findings.some((f) => f.path === "user.py" && f.code === "DBF203"),
      `${name}: the sync query through the module is found: ${brief(cold.findings)}`,
    );
    assert.ok(!cold.notices.some((n) => /internal error/.test(n)), `${name}: ${cold.notices.join("; ")}`);
    assert.deepEqual(strip(same(dir, cacheDir, `${name}: warm`)), strip(cold));
    // The module stops being a session factory: user.py (unchanged) must follow.
    fs.writeFileSync(path.join(dir, `${name}.py`), "SessionLocal = dict\n");
    const edited = same(dir, cacheDir, `${name}: edited`);
    assert.ok(!edited.findings.some((f) => f.path === "user.py"), `${name}: ${brief(edited.findings)}`);
  }
});

test("cache: a cache folder that cannot be created costs only speed", () => {
  const dir = tmpCopy(ALIAS_FIXTURE);
  const blocker = path.join(tmpDir(), "file.txt");
  fs.writeFileSync(blocker, "a regular file, not a folder\n");
  const cacheDir = path.join(blocker, "cache");
  const expected = strip(run(dir, null));
  for (const what of ["first", "second"]) {
    let got: CheckResult | undefined;
    assert.doesNotThrow(() => {
      got = run(dir, cacheDir);
    }, what);
    assert.deepEqual(strip(got as CheckResult), expected, what);
  }
  assert.equal(fs.readFileSync(blocker, "utf8"), "a regular file, not a folder\n");
  assert.ok(!fs.existsSync(path.join(dir, ".dbfence_cache")), "no cache appeared elsewhere");
});

/** The environment for the CLI and git: no user or system git configuration, no cache override. */
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "a",
    GIT_AUTHOR_EMAIL: "a@b",
    GIT_COMMITTER_NAME: "a",
    GIT_COMMITTER_EMAIL: "a@b",
  };
  for (const k of ["DBFENCE_CACHE_DIR", "NO_COLOR", "FORCE_COLOR", "DBFENCE_DEBUG", "GIT_DIR", "GIT_INDEX_FILE"])
    delete e[k];
  return e;
}

interface JsonRun {
  status: number | null;
  stdout: string;
  stderr: string;
  json: { findings: Finding[]; summary: Record<string, unknown> } & Record<string, unknown>;
}

function cli(args: string[], cwd: string): JsonRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: env(), encoding: "utf8", timeout: 60_000 });
  const what = `dbfence ${args.join(" ")} in ${cwd}`;
  assert.ok(r.status === 0 || r.status === 1, `${what} exited ${r.status}:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|^ {4}at /m, what);
  let json: JsonRun["json"];
  try {
    json = JSON.parse(r.stdout) as JsonRun["json"];
  } catch {
    assert.fail(`${what} did not print JSON:\n${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

const noDuration = (j: JsonRun["json"]): unknown => ({ ...j, summary: { ...j.summary, durationMs: 0 } });

function git(cwd: string, args: string[]): string {
  const r = spawnSync(
    "git",
    [
      "-c",
      "user.email=a@b",
      "-c",
      "user.name=a",
      "-c",
      "commit.gpgsign=false",
      "-c",
      "core.hooksPath=/dev/null",
      ...args,
    ],
    { cwd, env: env(), encoding: "utf8" },
  );
  assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

test("cache: the CLI keeps its cache in .dbfence_cache, --cache-dir or nowhere (--no-cache), same output", () => {
  const dir = tmpCopy(ALIAS_FIXTURE);
  const first = cli(["check", "--format", "json"], dir);
  assert.equal(first.status, 1, "the fixture has findings");
  assert.ok(first.json.findings.length > 0);
  const cache = path.join(dir, ".dbfence_cache");
  assert.ok(fs.existsSync(cacheFileOf(cache)), "the default cache is at the project root");
  const ignore = fs.readFileSync(path.join(cache, ".gitignore"), "utf8");
  assert.ok(ignore.split("\n").includes("*"), `.gitignore ignores everything: ${ignore}`);
  const second = cli(["check", "--format", "json"], dir);
  assert.equal(second.status, first.status);
  assert.deepEqual(noDuration(second.json), noDuration(first.json));
  assert.equal(
    second.stdout.replace(/"durationMs":\s*\d+/, ""),
    first.stdout.replace(/"durationMs":\s*\d+/, ""),
    "byte-identical output but for the duration",
  );

  const bare = tmpCopy(ALIAS_FIXTURE);
  const none = cli(["check", "--format", "json", "--no-cache"], bare);
  assert.ok(!fs.existsSync(path.join(bare, ".dbfence_cache")), "--no-cache writes no cache");
  assert.deepEqual(noDuration({ ...none.json, root: "" }), noDuration({ ...first.json, root: "" }));

  const elsewhere = tmpCopy(ALIAS_FIXTURE);
  const x = path.join(tmpDir(), "x");
  const there = cli(["check", "--format", "json", "--cache-dir", x], elsewhere);
  assert.ok(fs.existsSync(cacheFileOf(x)), "--cache-dir DIR holds the cache");
  assert.ok(!fs.existsSync(path.join(elsewhere, ".dbfence_cache")), "and the project root holds none");
  assert.deepEqual(noDuration({ ...there.json, root: "" }), noDuration({ ...first.json, root: "" }));
  const again = cli(["check", "--format", "json", "--cache-dir", x], elsewhere);
  assert.deepEqual(noDuration(again.json), noDuration(there.json));
});

test("cache: check --staged uses the working tree's cache and reports the staged content exactly", () => {
  const top = tmpCopy(ALIAS_FIXTURE);
  git(top, ["init", "-q"]);
  git(top, ["add", "-A"]);
  git(top, ["commit", "-q", "-m", "fixture"]);
  const warm = cli(["check", "--format", "json"], top);
  assert.ok(fs.existsSync(cacheFileOf(path.join(top, ".dbfence_cache"))), "the check warmed the cache");
  assert.equal(git(top, ["status", "--porcelain"]), "", "the cache is ignored by git");

  const orders = path.join(top, "api", "orders.py");
  const head = fs.readFileSync(orders, "utf8");
  assert.ok(head.includes("    session.commit()  # expect: DBF401"));
  // Staged: the old missing await fixed, a new one added at the end.
  const staged = `${head.replace("    session.commit()  # expect: DBF401", "    await session.commit()")}\n\n@router.get("/late")\nasync def late(session: SessionDep) -> None:\n    session.rollback()\n`;
  fs.writeFileSync(orders, staged);
  git(top, ["add", "api/orders.py"]);
  // The working tree goes back to HEAD's content: only the index holds the change.
  fs.writeFileSync(orders, head);

  const cached = cli(["check", "--staged", "--format", "json"], top);
  const uncached = cli(["check", "--staged", "--no-cache", "--format", "json"], top);
  assert.deepEqual(noDuration(cached.json), noDuration(uncached.json), "--staged: with and without the cache");
  assert.equal(cached.status, uncached.status);

  const commitLine = head.split("\n").findIndex((l) => l.includes("session.commit()  # expect: DBF401")) + 1;
  const lateLine = staged.split("\n").findIndex((l) => l.includes("session.rollback()")) + 1;
  const got = brief(cached.json.findings, "api/orders.py");
  const atHead = brief(warm.json.findings, "api/orders.py");
  assert.ok(atHead.includes(`api/orders.py:${commitLine}:5 DBF401`), `HEAD's missing await: ${atHead.join(", ")}`);
  assert.ok(!got.includes(`api/orders.py:${commitLine}:5 DBF401`), `fixed in the index: ${got.join(", ")}`);
  assert.ok(got.includes(`api/orders.py:${lateLine}:5 DBF401`), `added in the index: ${got.join(", ")}`);
  assert.deepEqual(
    cached.json.findings.filter((f) => f.path !== "api/orders.py"),
    [],
    "only staged files are reported",
  );

  // The same content checked as a working tree (in a fresh copy, without a cache) gives the same findings.
  const asTree = tmpCopy(ALIAS_FIXTURE);
  fs.writeFileSync(path.join(asTree, "api", "orders.py"), staged);
  const tree = cli(["check", "--format", "json", "--no-cache", "api/orders.py"], asTree);
  assert.deepEqual(brief(tree.json.findings), got);
  assert.equal(fs.readFileSync(orders, "utf8"), head, "the working tree is untouched");

  // The working tree's deps.py (not staged) turns the alias sync, and a check caches what follows from it:
  // the staged check still reads deps.py from the index, where the alias is an AsyncSession.
  const deps = path.join(top, "api", "deps.py");
  const alias = "SessionDep = Annotated[AsyncSession, Depends(get_db_session)]";
  const depsHead = fs.readFileSync(deps, "utf8");
  assert.ok(depsHead.includes(alias));
  fs.writeFileSync(
    deps,
    depsHead.replace(
      alias,
      "from sqlalchemy.orm import Session\n\n\ndef get_legacy() -> Session:\n    raise NotImplementedError\n\n\nSessionDep = Annotated[Session, Depends(get_legacy)]",
    ),
  );
  const syncTree = cli(["check", "--format", "json"], top);
  assert.notDeepEqual(brief(syncTree.json.findings, "api/orders.py"), atHead, "the working tree's alias is sync");
  const cachedAgain = cli(["check", "--staged", "--format", "json"], top);
  assert.deepEqual(noDuration(cachedAgain.json), noDuration(uncached.json), "--staged ignores unstaged dependencies");
  assert.deepEqual(
    noDuration(cli(["check", "--staged", "--no-cache", "--format", "json"], top).json),
    noDuration(uncached.json),
  );
});

test("cache: check --staged reads a symbolically linked module as what it points to", () => {
  const outside = tmpDir("dbfence-cache-linked-");
  writeFiles(outside, {
    "db.py":
      "from sqlalchemy.orm import sessionmaker\n\nfrom core.database import engine\n\nSessionLocal = sessionmaker(engine)\n",
  });
  const top = miniProject({
    "user.py": "from db import SessionLocal\n\n\ndef f():\n    return SessionLocal().query(int).all()\n",
  });
  fs.symlinkSync(path.join(outside, "db.py"), path.join(top, "db.py"));
  git(top, ["init", "-q"]);
  git(top, ["add", "-A"]);
  git(top, ["commit", "-q", "-m", "init"]);
  fs.appendFileSync(path.join(top, "user.py"), "\n\ndef g():\n    return SessionLocal().query(str).all()\n");
  git(top, ["add", "user.py"]);
  const asChecked = cli(["check", "--format", "json", "--no-cache", "user.py"], top);
  const staged = cli(["check", "--staged", "--format", "json"], top);
  const uncached = cli(["check", "--staged", "--no-cache", "--format", "json"], top);
  assert.ok(
    asChecked.json.findings.filter((f) => f.code === "DBF203").length === 2,
    `both queries: ${brief(asChecked.json.findings)}`,
  );
  assert.deepEqual(brief(staged.json.findings), brief(asChecked.json.findings));
  assert.deepEqual(brief(uncached.json.findings), brief(asChecked.json.findings));
});
