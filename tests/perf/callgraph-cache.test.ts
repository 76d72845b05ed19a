/**
 * Parameters inferred from their callers (src/semantic/callgraph.ts) are whole-project facts: a helper's
 * findings depend on modules that call it, which the helper does not import. The cache must notice when a
 * caller in another module changes what it passes, when a new caller appears and when one goes away; and
 * the results are the same with and without the cache, on one thread and on workers.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import { runCheck } from "../../src/engine/run.js";
import type { CheckResult } from "../../src/types.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(HERE, "..", "..", "..", "tests", "fixtures");
const CONNECTOR = fs.readFileSync(
  path.join(FIXTURES, "DBF301-annotated-alias-in-deps-module", "core", "database.py"),
  "utf8",
);
const TODAY = "2026-06-01";

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tmpDir(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-callers-")));
  made.push(dir);
  return dir;
}

function write(dir: string, rel: string, text: string): void {
  const abs = path.join(dir, ...rel.split("/"));
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, text);
}

const strip = (r: CheckResult): unknown => ({ ...r, summary: { ...r.summary, durationMs: 0 } });

function run(dir: string, cacheDir: string | null, jobs = 1): CheckResult {
  const loaded = loadConfig({ startPath: dir });
  return runCheck({ loaded, paths: [loaded.root], today: TODAY, cacheDir, jobs, parallelMinBytes: 0 });
}

/** Cached on one thread, cached on two workers, uncached: all identical. Returns the helper's findings. */
function helperFindings(dir: string, cacheDir: string, what: string): string[] {
  const cached = run(dir, cacheDir);
  const fresh = run(dir, null);
  assert.deepEqual(strip(cached), strip(fresh), `${what}: cached run differs from a run without the cache`);
  assert.deepEqual(strip(run(dir, cacheDir, 2)), strip(fresh), `${what}: two workers with the cache differ`);
  assert.deepEqual(strip(run(dir, null, 2)), strip(fresh), `${what}: two workers differ`);
  return fresh.findings.filter((f) => f.path === "services/ledger.py").map((f) => `${f.line} ${f.code}`);
}

// A helper in a module without any database import: its parameter is a session only through its callers.
const LEDGER = `async def post_entry(session, amount):
    session.add(amount)
    session.flush()
`;
const caller = (name: string, passes: "session" | "client"): string => `import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.ledger import post_entry


async def ${name}(session: AsyncSession) -> None:
    async with httpx.AsyncClient() as client:
        await post_entry(${passes}, 1)
`;

test("callers: a caller in another module changing what it passes changes the helper's findings, cached or not", () => {
  const dir = tmpDir();
  for (const [rel, text] of Object.entries({
    "dbfence.toml": "",
    "core/__init__.py": "",
    "core/database.py": CONNECTOR,
    "services/__init__.py": "",
    "services/ledger.py": LEDGER,
    "api/__init__.py": "",
    "api/deposits.py": caller("deposit", "session"),
    "api/refunds.py": caller("refund", "session"),
  }))
    write(dir, rel, text);
  const cacheDir = path.join(tmpDir(), "cache");
  const ledger = fs.readFileSync(path.join(dir, "services", "ledger.py"));

  assert.deepEqual(helperFindings(dir, cacheDir, "cold, every call passes a session"), ["3 DBF401"]);
  assert.deepEqual(helperFindings(dir, cacheDir, "warm"), ["3 DBF401"]);

  write(dir, "api/refunds.py", caller("refund", "client"));
  assert.deepEqual(helperFindings(dir, cacheDir, "refunds.py passes an httpx client"), []);
  write(dir, "api/refunds.py", caller("refund", "session"));
  assert.deepEqual(helperFindings(dir, cacheDir, "refunds.py restored"), ["3 DBF401"]);

  // A new caller elsewhere, then gone again.
  write(
    dir,
    "api/misc.py",
    "from services import ledger\n\n\nasync def noop() -> None:\n    await ledger.post_entry(None, 0)\n",
  );
  assert.deepEqual(helperFindings(dir, cacheDir, "a new module passes None"), []);
  fs.rmSync(path.join(dir, "api", "misc.py"));
  assert.deepEqual(helperFindings(dir, cacheDir, "that module removed"), ["3 DBF401"]);

  // No caller left passing a session: nothing is inferred.
  fs.rmSync(path.join(dir, "api", "deposits.py"));
  fs.rmSync(path.join(dir, "api", "refunds.py"));
  assert.deepEqual(helperFindings(dir, cacheDir, "no callers"), []);
  assert.deepEqual(fs.readFileSync(path.join(dir, "services", "ledger.py")), ledger, "ledger.py was never touched");
});

test("callers: the prefilter keeps a helper module that only its callers make a session user (40+ files)", () => {
  const dir = tmpDir();
  const files: Record<string, string> = {
    "dbfence.toml": "",
    "core/__init__.py": "",
    "core/database.py": CONNECTOR,
    "services/__init__.py": "",
    "services/ledger.py": LEDGER,
    "services/relay.py":
      "from services.ledger import post_entry\n\n\nasync def relay(db, amount):\n    await post_entry(db, amount)\n    db.commit()\n",
    "api/__init__.py": "",
    "api/deposits.py": caller("deposit", "session").replace(
      "from services.ledger import post_entry",
      "from services.relay import relay as post_entry",
    ),
  };
  // Modules without any seed word, so that the prefilter has files to skip.
  for (let i = 0; i < 40; i++) files[`util/m${i}.py`] = `def helper_${i}(x):\n    return x + ${i}\n`;
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  const loaded = loadConfig({ startPath: dir });
  const withFilter = runCheck({ loaded, paths: [loaded.root], today: TODAY, prefilter: true });
  const without = runCheck({ loaded, paths: [loaded.root], today: TODAY, prefilter: false });
  assert.deepEqual(strip(withFilter), strip(without));
  assert.deepEqual(
    withFilter.findings.map((f) => `${f.path}:${f.line} ${f.code}`),
    ["services/ledger.py:3 DBF401", "services/relay.py:6 DBF401"],
    "the session reaches relay() from deposits.py and post_entry() from relay()",
  );
});
