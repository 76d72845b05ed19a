/**
 * The project index: module summaries by name, and resolution of names across modules through
 * imports and re-exports (import cycles end in "unknown", never in a loop).
 *
 * Summaries may be loaded lazily (`LazyModules`): every module name is known up front, but a summary is
 * only built or read when something asks for it. Every question the index answers is recorded in the
 * active read sets (`track`): the modules asked for (present or absent) and the whole-project facts
 * (`#wired`, `#importers`). The cache (src/cache/) keys a file's findings by exactly that read set.
 */
import type { Expr } from "../parser/ast.js";
import { APP_CLASSES } from "./knowledge/fastapi.js";
import type { ModuleSummary, SymbolDef } from "./summary.js";

export type Resolved =
  /** Something outside the project: a library module or one of its members (`sqlalchemy.orm.Session`). */
  | { kind: "external"; qname: string }
  /** A project module (a file or package). */
  | { kind: "module"; module: string }
  /** A module-level definition of a project module. */
  | { kind: "symbol"; module: string; name: string; def: SymbolDef };

/** Whole-project facts a read set can hold besides module names. */
export const WIRED_KEY = "#wired";
export const IMPORTERS_KEY = "#importers";
export const REGISTERS_KEY = "#registers";
export const WEB_KEY = "#web";

/** Modules whose summaries are produced on demand. */
export interface LazyModules {
  /** Every module name of the project (first file wins for a name, as for eager summaries). */
  readonly names: ReadonlySet<string>;
  /** Modules whose summary has FastAPI wiring facts (apps, routers, routes, edges, events). */
  readonly wired: readonly string[];
  /** Modules that register endpoints by call (`add_api_route`, `add_api_websocket_route`). */
  readonly registering: readonly string[];
  /** `from <module> import <name>` pairs of the whole project, as `module name`. */
  readonly importedNames: ReadonlySet<string>;
  /**
   * Can an import of this project module lead to FastAPI or Starlette (the module, or one it imports at
   * any depth, spells `fastapi`/`starlette`)? Absent: always yes.
   */
  readonly reachesWeb?: (module: string) => boolean;
  load(module: string): ModuleSummary | undefined;
}

export class ProjectIndex {
  private readonly modules = new Map<string, ModuleSummary>();
  private readonly lazy: LazyModules | null;
  private readonly reads: Set<string>[] = [];
  private wiredList: string[] | null = null;
  private registeringList: string[] | null = null;
  private importedNames: ReadonlySet<string> | null = null;

  constructor(summaries: Iterable<ModuleSummary> | LazyModules) {
    if (isLazy(summaries)) {
      this.lazy = summaries;
      return;
    }
    this.lazy = null;
    for (const s of summaries) {
      // Two files claiming one module name (e.g. x.py and x/__init__.py): keep the first, like Python does for packages.
      if (!this.modules.has(s.module)) this.modules.set(s.module, s);
    }
  }

  /**
   * Runs `f` recording what it reads; returns its result and the read set. Nested calls merge outward
   * unless `merge` is false (a fact the caller will stand for by a key of its own).
   */
  track<T>(f: () => T, merge = true): { value: T; reads: Set<string> } {
    const reads = new Set<string>();
    this.reads.push(reads);
    try {
      return { value: f(), reads };
    } finally {
      this.reads.pop();
      if (merge) this.note(reads);
    }
  }

  /** Adds keys to the active read sets (a memoised answer re-reports what it read when computed). */
  note(keys: Iterable<string>): void {
    const top = this.reads[this.reads.length - 1];
    if (top) for (const k of keys) top.add(k);
  }

  private read(key: string): void {
    const top = this.reads[this.reads.length - 1];
    if (top) top.add(key);
  }

  get(module: string): ModuleSummary | undefined {
    this.read(module);
    return this.summary(module);
  }

  has(module: string): boolean {
    this.read(module);
    return this.lazy ? this.lazy.names.has(module) : this.modules.has(module);
  }

  private summary(module: string): ModuleSummary | undefined {
    const hit = this.modules.get(module);
    if (hit || !this.lazy || !this.lazy.names.has(module)) return hit;
    const s = this.lazy.load(module);
    if (s) this.modules.set(module, s);
    return s;
  }

  /** Modules with FastAPI wiring facts (apps, routers, routes, include/mount edges, events). */
  wired(): ModuleSummary[] {
    this.read(WIRED_KEY);
    this.wiredList ??= this.lazy ? [...this.lazy.wired] : this.eagerWired();
    const out: ModuleSummary[] = [];
    for (const m of this.wiredList) {
      const s = this.get(m);
      if (s) out.push(s);
    }
    return out;
  }

  private eagerWired(): string[] {
    const tops = topLevelNames(this.modules.keys());
    return [...this.modules.values()].filter((m) => hasWiring(m, tops)).map((m) => m.module);
  }

  /**
   * May this object creation in module `m` create a FastAPI app or router? False only when that is
   * impossible: the class name is imported from a library and is none of APP_CLASSES, is not bound at
   * module level, or is imported from a project module that cannot reach FastAPI (`reachesWeb`). The app
   * model asks before resolving the name, which would otherwise load the summary it is imported from.
   */
  mayCreateApp(m: ModuleSummary, func: Expr): boolean {
    if (!mayCreateApp(func, m, this.tops())) return false;
    const web = this.lazy?.reachesWeb;
    if (!web) return true;
    this.read(WEB_KEY);
    const root = rootName(func);
    const binding = root !== null && Object.hasOwn(m.imports, root) ? m.imports[root] : undefined;
    if (!binding || Object.hasOwn(m.symbols, root as string)) return true;
    // Imported from a library: already known to be one of APP_CLASSES.
    if (!this.tops().has(binding.module.split(".")[0] as string)) return true;
    return web(binding.module) || (binding.name !== null && web(`${binding.module}.${binding.name}`));
  }

  private topsCache: Set<string> | null = null;
  private tops(): Set<string> {
    this.topsCache ??= topLevelNames(this.lazy ? this.lazy.names : this.modules.keys());
    return this.topsCache;
  }

  /** Modules that register endpoints by call (`add_api_route`, `add_api_websocket_route`). */
  registering(): ModuleSummary[] {
    this.read(REGISTERS_KEY);
    this.registeringList ??= this.lazy
      ? [...this.lazy.registering]
      : [...this.modules.values()].filter((m) => registersEndpoints(m)).map((m) => m.module);
    const out: ModuleSummary[] = [];
    for (const m of this.registeringList) {
      const s = this.get(m);
      if (s) out.push(s);
    }
    return out;
  }

  /** Does some module of the project import `name` from `module` (`from module import name`)? */
  isImportedFrom(module: string, name: string): boolean {
    this.read(IMPORTERS_KEY);
    if (!this.importedNames) {
      if (this.lazy) this.importedNames = this.lazy.importedNames;
      else {
        const pairs = new Set<string>();
        for (const m of this.modules.values()) for (const p of importedNamePairs(m)) pairs.add(p);
        this.importedNames = pairs;
      }
    }
    return this.importedNames.has(`${module} ${name}`);
  }

  /** What `import <module>` refers to. */
  resolveModule(module: string): Resolved {
    return this.has(module) ? { kind: "module", module } : { kind: "external", qname: module };
  }

  /** What `<module>.<name>` refers to, following imports and re-exports. */
  resolveMember(module: string, name: string, seen: Set<string> = new Set()): Resolved | null {
    const key = `${module}\0${name}`;
    if (seen.has(key)) return null;
    seen.add(key);
    const summary = this.get(module);
    if (!summary) return { kind: "external", qname: `${module}.${name}` };
    const def = summary.symbols[name];
    if (def) return { kind: "symbol", module, name, def };
    const imp = summary.imports[name];
    if (imp) {
      if (imp.name === null) return this.resolveModule(imp.module);
      const sub = `${imp.module}.${imp.name}`;
      // `from pkg import x`: what pkg/__init__ binds to `x` wins over the submodule pkg/x.py (a re-export
      // like `from .session import session` replaces the submodule binding), as at runtime.
      if (this.has(sub) && !this.bindsName(imp.module, imp.name)) return { kind: "module", module: sub };
      return this.resolveMember(imp.module, imp.name, seen);
    }
    const sub = `${module}.${name}`;
    if (this.has(sub)) return { kind: "module", module: sub };
    return null;
  }

  /** Whether a module's own code binds `name` (a definition, or an import other than `from . import name`). */
  private bindsName(module: string, name: string): boolean {
    const m = this.get(module);
    if (!m) return false;
    if (m.symbols[name]) return true;
    const imp = m.imports[name];
    return !!imp && !(imp.name === name && imp.module === module);
  }

  /** Member access on something already resolved (`a.b` where `a` is resolved). */
  resolveAttribute(base: Resolved, attr: string): Resolved | null {
    switch (base.kind) {
      case "external":
        return { kind: "external", qname: `${base.qname}.${attr}` };
      case "module":
        return this.resolveMember(base.module, attr);
      case "symbol":
        return null;
    }
  }
}

function isLazy(x: Iterable<ModuleSummary> | LazyModules): x is LazyModules {
  return typeof (x as LazyModules).load === "function";
}

/**
 * Can the module's wiring facts matter to the app model: routes, include/mount edges, lifecycle events,
 * or an object creation whose class may be a FastAPI app or router? An object is left out only when its
 * class name is imported straight from a library (a module outside the project's top-level packages
 * `projectTops`) and is not one of APP_CLASSES, or is not bound at module level at all: `log =
 * logging.getLogger()`, `client = TestClient(app)` or `body = response.json()` cannot create an app, and a
 * module of only such objects needs no parse for the app model.
 */
export function hasWiring(m: ModuleSummary, projectTops: ReadonlySet<string>): boolean {
  const w = m.wiring;
  if (w.routes.length > 0 || w.edges.length > 0 || w.events.length > 0) return true;
  return w.objects.some((o) => mayCreateApp(o.call.func, m, projectTops));
}

function rootName(func: Expr): string | null {
  let cur = func;
  while (cur.kind === "Attribute") cur = cur.value;
  return cur.kind === "Name" ? cur.id : null;
}

function mayCreateApp(func: Expr, m: ModuleSummary, projectTops: ReadonlySet<string>): boolean {
  const chain: string[] = [];
  let cur = func;
  while (cur.kind === "Attribute") {
    chain.unshift(cur.attr);
    cur = cur.value;
  }
  if (cur.kind !== "Name") return true;
  // The app model resolves class names at module level (TypeInference.moduleContext): a module-level
  // definition may alias an app class; in a package, an unbound name may be a submodule
  // (`from .web import x` binds `web` in the package: `web.FastAPI()`); otherwise a name bound neither
  // at module level nor by an import (a function's local, a builtin) never resolves to one.
  if (Object.hasOwn(m.symbols, cur.id)) return true;
  const binding = Object.hasOwn(m.imports, cur.id) ? m.imports[cur.id] : undefined;
  if (!binding) return m.isPackage;
  if (projectTops.has(binding.module.split(".")[0] as string)) return true;
  const qname = [binding.name === null ? binding.module : `${binding.module}.${binding.name}`, ...chain].join(".");
  return Object.hasOwn(APP_CLASSES, qname);
}

/** The top-level package (or module) names of a project's modules. */
export function topLevelNames(modules: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const m of modules) out.add(m.split(".")[0] as string);
  return out;
}

/** Does the module register an endpoint by call (a route whose handler is an expression, not a decorated def)? */
export function registersEndpoints(m: ModuleSummary): boolean {
  return m.wiring.routes.some((r) => !("params" in r.handler));
}

/** The `module name` pairs of a module's `from module import name` bindings (neither holds a space). */
export function importedNamePairs(m: ModuleSummary): string[] {
  const out: string[] = [];
  for (const b of Object.values(m.imports)) if (b.name !== null) out.push(`${b.module} ${b.name}`);
  return out;
}

/** The qualified name of a resolved thing, for matching library knowledge and messages. */
export function qualifiedName(r: Resolved | null): string | null {
  if (!r) return null;
  switch (r.kind) {
    case "external":
      return r.qname;
    case "module":
      return r.module;
    case "symbol":
      return `${r.module}.${r.name}`;
  }
}
