/**
 * The ruff alternative of `bench/speed.ts`: ruff's WASM build (`@astral-sh/ruff-wasm-nodejs`, a dev
 * dependency) over every `.py` file of a tree, with the rules this policy would use in ruff: TID251
 * (banned-api: the sync session API, engine construction, raw drivers, the connector's internals) and
 * the ASYNC rules (blocking calls in async functions).
 *
 *   node dist/bench/ruff-wasm.js ROOT
 *
 * Walks ROOT (skipping `.git`, virtualenvs, caches and `node_modules`), reads each `.py` file as UTF-8 and
 * calls `Workspace.check(source)` once per file, on one thread (the WASM build has no file discovery, no
 * cache and no parallelism). Prints one JSON line `{ruff, files, bytes, diagnostics, filesWithDiagnostics,
 * byCode, ms, maxRssMB}` on stdout. Exit 1 when there is any diagnostic, as a linter would.
 *
 * Measured by bench/speed.ts, never by tests.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The subset of the package's typings (`ruff_wasm.d.ts`) used here. */
interface RuffDiagnostic {
  code: string | null;
  message: string;
}
interface RuffWorkspace {
  check(contents: string): RuffDiagnostic[];
}
interface RuffModule {
  Workspace: { new (options: unknown, positionEncoding: number): RuffWorkspace; version(): string };
  PositionEncoding: { Utf8: number; Utf16: number; Utf32: number };
}

const SKIP_DIRS = new Set([".git", ".venv", "venv", "__pycache__", "node_modules", ".dbfence", ".dbfence_cache"]);

/** Every `.py` file below `root`, sorted, skipping VCS, virtualenv and cache folders. */
export function pyFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(abs);
      } else if (entry.isFile() && entry.name.endsWith(".py")) {
        out.push(abs);
      }
    }
  };
  walk(root);
  return out.sort();
}

const CONNECTOR = "use the async connector (app.core.database: get_session / the session dependency)";

/**
 * Ruff settings for this policy. `banned-api` matches imports and attribute uses of these fully qualified
 * names; ruff cannot tell the connector module from the others, so a real configuration would add a
 * per-file ignore for it (kept out here: one file does not change the timing). `AsyncSession` is not banned:
 * the policy's own code imports it for annotations everywhere, and banned-api cannot tell an annotation
 * from a construction.
 */
export const RUFF_SETTINGS = {
  lint: {
    select: ["TID251", "ASYNC"],
    "flake8-tidy-imports": {
      "banned-api": {
        "sqlalchemy.orm.Session": { msg: `sync Session: ${CONNECTOR}` },
        "sqlalchemy.orm.sessionmaker": { msg: `session factory outside the connector: ${CONNECTOR}` },
        "sqlalchemy.orm.scoped_session": { msg: `session factory outside the connector: ${CONNECTOR}` },
        "sqlalchemy.orm.Query": { msg: `legacy Query API: ${CONNECTOR}` },
        "sqlalchemy.create_engine": { msg: `engine outside the connector: ${CONNECTOR}` },
        "sqlalchemy.engine.create_engine": { msg: `engine outside the connector: ${CONNECTOR}` },
        "sqlalchemy.ext.asyncio.create_async_engine": { msg: `engine outside the connector: ${CONNECTOR}` },
        "sqlalchemy.ext.asyncio.async_sessionmaker": { msg: `session factory outside the connector: ${CONNECTOR}` },
        psycopg2: { msg: `raw driver: ${CONNECTOR}` },
        psycopg: { msg: `raw driver: ${CONNECTOR}` },
        asyncpg: { msg: `raw driver: ${CONNECTOR}` },
        pymysql: { msg: `raw driver: ${CONNECTOR}` },
        sqlite3: { msg: `raw driver: ${CONNECTOR}` },
        "app.core.database.SessionLocal": { msg: `connector internal: ${CONNECTOR}` },
        "app.core.database.engine": { msg: `connector internal: ${CONNECTOR}` },
        "app.core.database.async_session_factory": { msg: `connector internal: ${CONNECTOR}` },
      },
    },
  },
};

export interface RuffReport {
  ruff: string;
  files: number;
  bytes: number;
  diagnostics: number;
  filesWithDiagnostics: number;
  byCode: Record<string, number>;
  ms: number;
  maxRssMB: number;
}

export function runRuff(root: string): RuffReport {
  const started = process.hrtime.bigint();
  const require = createRequire(import.meta.url);
  const ruff = require("@astral-sh/ruff-wasm-nodejs") as RuffModule;
  const workspace = new ruff.Workspace(RUFF_SETTINGS, ruff.PositionEncoding.Utf16);
  const byCode: Record<string, number> = {};
  let bytes = 0;
  let diagnostics = 0;
  let filesWithDiagnostics = 0;
  const files = pyFiles(root);
  for (const file of files) {
    const source = fs.readFileSync(file, "utf8");
    bytes += Buffer.byteLength(source);
    const found = workspace.check(source);
    if (found.length > 0) filesWithDiagnostics++;
    for (const d of found) {
      const code = d.code ?? "syntax-error";
      byCode[code] = (byCode[code] ?? 0) + 1;
      diagnostics++;
    }
  }
  return {
    ruff: ruff.Workspace.version(),
    files: files.length,
    bytes,
    diagnostics,
    filesWithDiagnostics,
    byCode,
    ms: Number(process.hrtime.bigint() - started) / 1e6,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2];
  if (!root) {
    process.stderr.write("usage: node dist/bench/ruff-wasm.js ROOT\n");
    process.exit(2);
  }
  const report = runRuff(path.resolve(root));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exitCode = report.diagnostics > 0 ? 1 : 0;
}
