/**
 * `dbfence init`'s look at a Python project, through the same parser and semantic layer as `check`:
 * the import roots (`src`), the connector (the module that calls `create_async_engine`,
 * `async_sessionmaker` or `sessionmaker(class_=AsyncSession)`), its session dependency and public API,
 * the FastAPI app with its lifespan and database health route. Nothing here writes a file.
 */
import fs from "node:fs";
import path from "node:path";
import { defaultConfig } from "../config/load.js";
import { connectorModules, moduleForFile } from "../engine/modules.js";
import { decodePythonSource } from "../files/decode.js";
import { discoverFiles } from "../files/discover.js";
import { compileGlobs } from "../files/globs.js";
import type { Expr, Module } from "../parser/ast.js";
import { parsePython } from "../parser/index.js";
import type { LineMap } from "../parser/lines.js";
import { walkStmts } from "../parser/walk.js";
import { analyzeModule } from "../semantic/analysis.js";
import { type AppModel, buildAppModels, type FunctionRef } from "../semantic/apps.js";
import { TypeInference } from "../semantic/infer.js";
import { CALL_RESULTS } from "../semantic/knowledge/sqlalchemy.js";
import { ProjectIndex } from "../semantic/project.js";
import { type FunctionSig, type ModuleSummary, summarizeModule } from "../semantic/summary.js";

/** A place in the project: a path relative to the root (`/` separators) and a 1-based line. */
export interface Site {
  file: string;
  line: number;
}

/** A call that creates an engine or a session factory. */
export interface FactorySite extends Site {
  module: string;
  /** `create_async_engine`, `sessionmaker(class_=AsyncSession)`, ... */
  what: string;
  async: boolean;
  /** In a test module (conftest.py, tests/, test_*.py): test fixtures may build their own. */
  test: boolean;
}

export interface NamedSite extends Site {
  name: string;
}

export interface AppFound extends Site {
  /** `app`, or `create_app().app` style names are shown as the variable name. */
  name: string;
  module: string;
  lifespan: NamedSite | null;
  startup: string | null;
  shutdown: string | null;
  health: (Site & { path: string; handler: string }) | null;
}

export interface Inspection {
  root: string;
  /** Python files read (parse failures included). */
  files: number;
  /** Files that did not decode or parse: init says so; `check` will report them (DBF900). */
  unparsable: string[];
  src: string[];
  /** For each root, a dotted import that resolves there: why it is a root. */
  srcEvidence: { root: string; module: string }[];
  /** The chosen connector modules (dotted), empty when none was found. */
  connector: string[];
  connectorFiles: string[];
  /** The async engine / session factory calls inside the chosen connector. */
  connectorSites: FactorySite[];
  /** Engine / session factory calls elsewhere (outside tests): `check` reports them (DBF102/DBF103). */
  outsideSites: FactorySite[];
  /** Engines and sessions built by tests (allowed in conftest.py by default). */
  testSites: FactorySite[];
  sessionDependency: NamedSite[];
  connectorApi: string[];
  /** Names other modules import from the connector that are not in its API (DBF101 will report them). */
  internalImports: (Site & { name: string })[];
  apps: AppFound[];
  lifecycle: { startup: string | null; shutdown: string | null };
  healthPath: string | null;
}

interface ParsedPy {
  rel: string;
  tree: Module;
  lines: LineMap;
}

const ASYNC_RESULTS = new Set(["AsyncEngine", "AsyncSessionMaker"]);
const FACTORY_RESULTS = new Set(["Engine", "AsyncEngine", "SessionMaker", "AsyncSessionMaker"]);

export function inspectProject(root: string): Inspection {
  const defaults = defaultConfig();
  const found = discoverFiles({
    root,
    paths: [root],
    include: defaults.include,
    exclude: defaults.exclude,
    respectGitignore: true,
  });
  const parsed: ParsedPy[] = [];
  const unparsable: string[] = [];
  for (const f of found.files) {
    if (!f.rel.endsWith(".py")) continue;
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(f.abs);
    } catch {
      unparsable.push(f.rel);
      continue;
    }
    const decoded = decodePythonSource(bytes);
    const result = decoded.ok ? parsePython(decoded.text) : null;
    if (!result?.ok) {
      unparsable.push(f.rel);
      continue;
    }
    parsed.push({ rel: f.rel, tree: result.module, lines: result.lines });
  }

  const { roots: src, evidence: srcEvidence } = findSrcRoots(parsed);
  const summaries: ModuleSummary[] = [];
  const byModule = new Map<string, ParsedPy & { summary: ModuleSummary }>();
  for (const p of parsed) {
    const { module, isPackage } = moduleForFile(p.rel, src);
    const summary = summarizeModule(module, p.rel, isPackage, p.tree, (o) => p.lines.lineOf(o));
    summaries.push(summary);
    if (!byModule.has(module)) byModule.set(module, { ...p, summary });
  }
  const project = new ProjectIndex(summaries);
  const probe = new TypeInference(project, { connectors: [], sessionDependencies: [] });
  const isTest = testMatcher();

  // Every engine / session factory built from SQLAlchemy's own factories.
  const sites: FactorySite[] = [];
  for (const m of byModule.values()) {
    const facts = analyzeModule(m.tree, m.summary, probe);
    for (const c of facts.calls) {
      if (!c.qname || !FACTORY_RESULTS.has(CALL_RESULTS[c.qname] ?? "")) continue;
      const t = probe.valueType(c.call, c.ctx);
      if (t?.t !== "db" || !FACTORY_RESULTS.has(t.db)) continue;
      const last = c.qname.split(".").pop() as string;
      const asyncClass = CALL_RESULTS[c.qname] === "SessionMaker" && t.db === "AsyncSessionMaker";
      sites.push({
        file: m.rel,
        line: m.lines.lineOf(c.call.start),
        module: m.summary.module,
        what: asyncClass ? `${last}(class_=AsyncSession)` : last,
        async: ASYNC_RESULTS.has(t.db),
        test: isTest(m.rel),
      });
    }
  }
  const testSites = sites.filter((s) => s.test);
  const connector = chooseConnector(sites.filter((s) => s.async && !s.test));
  const inConnector = (module: string): boolean => connector.some((c) => module === c || module.startsWith(`${c}.`));
  const connectorSites = sites.filter((s) => !s.test && inConnector(s.module));
  const outsideSites = sites.filter((s) => !s.test && !inConnector(s.module));
  const connectorFiles = connector.map((c) => byModule.get(c)?.rel ?? c);

  const sessionDependency: NamedSite[] = [];
  const api = new Set<string>();
  for (const c of connector) {
    const m = byModule.get(c);
    if (!m) continue;
    for (const [name, def] of Object.entries(m.summary.symbols)) {
      if (def.kind === "function") {
        if (yieldsAsyncSession(probe, c, def.sig)) {
          sessionDependency.push({ name, file: m.rel, line: m.lines.lineOf(def.sig.start) });
        }
        if (!name.startsWith("_")) api.add(name);
      } else if (def.kind === "class") {
        if (!name.startsWith("_")) api.add(name);
      } else if (def.value && (isDeclarativeBase(probe, def.value, c) || isPublicTypeAlias(probe, def, c))) {
        if (!name.startsWith("_")) api.add(name);
      }
    }
  }
  for (const d of sessionDependency) api.add(d.name);
  const connectorApi = [...api].sort();

  const internalImports: Inspection["internalImports"] = [];
  for (const m of byModule.values()) {
    if (inConnector(m.summary.module)) continue;
    for (const imp of Object.values(m.summary.imports)) {
      if (imp.name === null || !connector.includes(imp.module) || api.has(imp.name)) continue;
      if (project.has(`${imp.module}.${imp.name}`)) continue; // a submodule of the connector package
      internalImports.push({ file: m.rel, line: imp.line, name: imp.name });
    }
  }
  internalImports.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));

  const infer = new TypeInference(project, {
    connectors: connectorModules(connector, src),
    sessionDependencies: sessionDependency.map((d) => d.name),
  });
  const lines = (rel: string, offset: number): number => parsed.find((p) => p.rel === rel)?.lines.lineOf(offset) ?? 1;
  const apps = buildAppModels(infer)
    .filter((a) => !a.mounted)
    .map((a) => describeApp(a, infer, inConnector, lines));
  const first = apps[0];
  return {
    root,
    files: parsed.length + unparsable.length,
    unparsable,
    src,
    srcEvidence,
    connector,
    connectorFiles,
    connectorSites,
    outsideSites,
    testSites,
    sessionDependency,
    connectorApi,
    internalImports,
    apps,
    lifecycle: {
      startup: first?.startup ?? guessLifecycle(connectorApi, /^(init|initiali[sz]e|setup|start|connect)/i),
      shutdown: first?.shutdown ?? guessLifecycle(connectorApi, /^(shutdown|close|dispose|disconnect|stop)/i),
    },
    healthPath: apps.find((a) => a.health)?.health?.path ?? null,
  };
}

/** Test code: files the default `test-fixture-modules` name, or under tests/, or test_*.py / *_test.py. */
function testMatcher(): (rel: string) => boolean {
  const fixtures = compileGlobs(defaultConfig().testFixtureModules);
  return (rel) => {
    if (fixtures.matches(rel, false)) return true;
    const parts = rel.split("/");
    const base = parts[parts.length - 1] as string;
    return parts.slice(0, -1).some((p) => p === "tests" || p === "test") || /^test_.*\.py$|_test\.py$/.test(base);
  };
}

/** Standard-library names a project folder may shadow by accident (`utils/json.py`): no evidence alone. */
const STDLIB_NAMES = new Set(
  "abc argparse ast asyncio base64 collections contextlib copy csv dataclasses datetime decimal enum functools hashlib http inspect io itertools json logging math operator os pathlib pickle platform queue random re secrets select shutil signal socket sqlite3 ssl string struct subprocess sys tempfile threading time traceback types typing unittest uuid warnings weakref zoneinfo".split(
    " ",
  ),
);

/**
 * Import roots from the project's own absolute imports: a folder is a root when a dotted name some
 * file imports is a module or package inside it (`import core.database` and `<dir>/core/database.py`
 * exists). A regular package (a folder with `__init__.py`) is never a root. Without any evidence the
 * project root is the only root.
 */
export function findSrcRoots(files: readonly { rel: string; tree: Module }[]): {
  roots: string[];
  evidence: { root: string; module: string }[];
} {
  const dirs = new Set<string>([""]);
  const entries = new Set<string>(); // every module path without extension and every folder, relative
  for (const f of files) {
    const parts = f.rel.replace(/\.pyi?$/, "").split("/");
    for (let i = 1; i <= parts.length; i++) {
      entries.add(parts.slice(0, i).join("/"));
      if (i < parts.length) dirs.add(parts.slice(0, i).join("/"));
    }
  }
  const imported = new Set<string>();
  for (const f of files) {
    walkStmts(
      f.tree.body,
      (s) => {
        if (s.kind === "Import") for (const a of s.names) imported.add(a.name);
        else if (s.kind === "ImportFrom" && s.level === 0 && s.module) imported.add(s.module);
      },
      true,
    );
  }
  // Folders that hold an entry of a given name: the only candidates for a dotted name starting with it.
  const parentsOf = new Map<string, string[]>();
  for (const e of entries) {
    const cut = e.lastIndexOf("/");
    const name = e.slice(cut + 1);
    const list = parentsOf.get(name) ?? [];
    list.push(cut < 0 ? "" : e.slice(0, cut));
    parentsOf.set(name, list);
  }
  const roots = new Map<string, string>();
  for (const dotted of [...imported].sort()) {
    const first = dotted.split(".")[0] as string;
    if (!dotted.includes(".") && STDLIB_NAMES.has(dotted)) continue;
    for (const dir of parentsOf.get(first) ?? []) {
      if (!dirs.has(dir) || entries.has(joinRel(dir, "__init__"))) continue;
      if (!entries.has(joinRel(dir, dotted.split(".").join("/")))) continue;
      const known = roots.get(dir);
      if (known === undefined || dotted.split(".").length > known.split(".").length) roots.set(dir, dotted);
    }
  }
  if (roots.size === 0) return { roots: ["."], evidence: [] };
  const shown = (d: string): string => (d === "" ? "." : d);
  const list = [...roots.keys()].sort((a, b) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1));
  return { roots: list.map(shown), evidence: list.map((d) => ({ root: shown(d), module: roots.get(d) as string })) };
}

function joinRel(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

/**
 * The connector: the module with the most async engine / session factory calls; modules of the same
 * package that build them too belong to it (`db/engine.py` + `db/session.py`).
 */
function chooseConnector(sites: readonly FactorySite[]): string[] {
  const counts = new Map<string, number>();
  for (const s of sites) counts.set(s.module, (counts.get(s.module) ?? 0) + 1);
  const ranked = [...counts.entries()].sort(
    (a, b) => b[1] - a[1] || a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1),
  );
  const best = ranked[0]?.[0];
  if (best === undefined) return [];
  const parent = best.includes(".") ? best.slice(0, best.lastIndexOf(".")) : null;
  const same = ranked
    .map(([m]) => m)
    .filter((m) => m === best || (parent !== null && m.slice(0, m.lastIndexOf(".")) === parent));
  return same.sort();
}

/** A function that yields or returns an AsyncSession and is not a context manager: a FastAPI dependency. */
function yieldsAsyncSession(infer: TypeInference, module: string, sig: FunctionSig): boolean {
  const ctx = infer.moduleContext(module);
  const contextManager = sig.decorators.some((d) => /contextmanager$/.test(infer.qname(d, ctx) ?? ""));
  if (contextManager) return false;
  const t = infer.returnType(module, sig, true) ?? infer.producedType(module, sig);
  return t?.t === "db" && t.db === "AsyncSession";
}

/** `DbSession = Annotated[AsyncSession, Depends(get_db_session)]` and `type X = ...`: meant to be imported. */
function isPublicTypeAlias(
  infer: TypeInference,
  def: { value: Expr | null; typeAlias: boolean },
  module: string,
): boolean {
  if (def.typeAlias) return true;
  const v = def.value;
  return v?.kind === "Subscript" && /(^|\.)Annotated$/.test(infer.qname(v.value, infer.moduleContext(module)) ?? "");
}

function isDeclarativeBase(infer: TypeInference, call: Expr, module: string): boolean {
  if (call.kind !== "Call") return false;
  const q = infer.qname(call.func, infer.moduleContext(module)) ?? "";
  return /(^|\.)declarative_base$/.test(q);
}

function describeApp(
  a: AppModel,
  infer: TypeInference,
  inConnector: (module: string) => boolean,
  lineOf: (rel: string, offset: number) => number,
): AppFound {
  const connectorCall = (fn: FunctionRef, afterYield: boolean | null): string | null => {
    const ctx = infer.moduleContext(fn.module);
    for (const aw of fn.sig.awaits) {
      if (afterYield !== null && aw.afterYield !== afterYield) continue;
      const r = infer.dealias(infer.resolveExpr(aw.func, ctx));
      if (r?.kind === "symbol" && r.def.kind === "function" && inConnector(r.module)) return r.name;
    }
    return null;
  };
  const lifespan = a.lifespan !== null && a.lifespan !== "unknown" ? a.lifespan : null;
  let startup = lifespan ? connectorCall(lifespan, false) : null;
  let shutdown = lifespan ? connectorCall(lifespan, true) : null;
  for (const h of a.startup) startup ??= connectorCall(h, null);
  for (const h of a.shutdown) shutdown ??= connectorCall(h, null);

  const usesConnector = (fn: FunctionRef | null): boolean => {
    if (!fn) return false;
    const ctx = infer.moduleContext(fn.module);
    const session = fn.sig.params.some((p) => {
      const t = infer.paramType(p, ctx);
      return t?.t === "db" && t.db === "AsyncSession";
    });
    return (
      session ||
      fn.sig.callees.some((c) => {
        const r = infer.resolveExpr(c, ctx);
        return r?.kind === "symbol" && inConnector(r.module);
      })
    );
  };
  const candidates = a.routes.filter(
    (r) => r.path !== null && r.methods.includes("GET") && /health|ready|live/i.test(r.path),
  );
  const score = (r: (typeof candidates)[number]): number =>
    (usesConnector(r.handler) ? 2 : 0) + (/db|database|sql/i.test(r.path ?? "") ? 1 : 0);
  // A health route that neither uses the connector nor names the database is no database check.
  const best = [...candidates].filter((r) => score(r) > 0).sort((x, y) => score(y) - score(x))[0];
  const healthFile = best ? (infer.project.get(best.handler?.module ?? "")?.path ?? null) : null;
  const modulePath = (module: string): string => infer.project.get(module)?.path ?? module;
  return {
    name: a.app.scope ? `${a.app.scope}()` : (appName(a, infer) ?? "app"),
    module: a.app.module,
    file: a.app.path,
    line: lineOf(a.app.path, a.app.call.start),
    lifespan: lifespan
      ? {
          name: lifespan.sig.name,
          file: modulePath(lifespan.module),
          line: lineOf(modulePath(lifespan.module), lifespan.sig.start),
        }
      : null,
    startup,
    shutdown,
    health:
      best && best.path !== null
        ? {
            path: best.path,
            handler: best.handler?.sig.name ?? "?",
            file: healthFile ?? a.app.path,
            line: best.handler && healthFile ? lineOf(healthFile, best.handler.sig.start) : 1,
          }
        : null,
  };
}

function appName(a: AppModel, infer: TypeInference): string | null {
  const m = infer.project.get(a.app.module);
  const o = m?.wiring.objects.find((x) => x.call === a.app.call);
  return o?.name ?? null;
}

/** A connector function whose name says what it is for, when the app does not show it. */
function guessLifecycle(api: readonly string[], pattern: RegExp): string | null {
  const hits = api.filter((n) => pattern.test(n) && n.endsWith("database"));
  const any = hits.length > 0 ? hits : api.filter((n) => pattern.test(n));
  return any.length === 1 ? (any[0] as string) : null;
}

export function relativeTo(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join("/") || ".";
}
