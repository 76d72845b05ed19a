/**
 * The project's FastAPI applications, resolved across modules from the summaries' wiring facts: which
 * objects are apps and routers, their prefixes, which routers are included where (with
 * `include_router(prefix=...)`), which apps are mounted into others, and each app's full route table
 * and lifecycle hooks.
 */

import type { Call, Expr, Param } from "../parser/ast.js";
import { appClassKind } from "./app-values.js";
import type { NameContext, TypeInference } from "./infer.js";
import { APP_CLASSES } from "./knowledge/fastapi.js";
import type { FunctionSig, ModuleSummary } from "./summary.js";
import type { WiringCall, WiringEdge, WiringObject, WiringRoute } from "./wiring.js";

export interface AppObject {
  key: string;
  kind: "FastAPI" | "APIRouter";
  module: string;
  path: string;
  scope: string | null;
  call: Call;
  /** The router's own `prefix=`; null when it is not a constant we can read. */
  prefix: string | null;
  /** For an instance of a project subclass of FastAPI/APIRouter: the class (routes its methods register). */
  classKey: string | null;
}

/** A function with the module whose names it uses. */
export interface FunctionRef {
  sig: FunctionSig;
  module: string;
}

export interface ResolvedRoute {
  /** Full path from the app's root (prefixes applied); null when a piece is not constant. */
  path: string | null;
  methods: string[];
  route: WiringRoute;
  /** The handler, when it is a function we can see. */
  handler: FunctionRef | null;
}

export interface AppModel {
  app: AppObject;
  mounted: boolean;
  routes: ResolvedRoute[];
  /** False when an included router or a route could not be resolved: then "missing" findings stay silent. */
  complete: boolean;
  lifespan: FunctionRef | null | "unknown";
  startup: FunctionRef[];
  shutdown: FunctionRef[];
  /** A lifecycle hook that could not be resolved (silence rather than guess). */
  lifecycleUnknown: boolean;
}

const HTTP_METHODS: Readonly<Record<string, string>> = {
  get: "GET",
  post: "POST",
  put: "PUT",
  patch: "PATCH",
  delete: "DELETE",
  head: "HEAD",
  options: "OPTIONS",
  trace: "TRACE",
};

export function buildAppModels(infer: TypeInference): AppModel[] {
  return new AppResolver(infer).models();
}

/** The registration helpers' parameters and router classes that receive an app or router (`register_routes(app)`). */
export function appReceivers(infer: TypeInference): AppResolver {
  return new AppResolver(infer);
}

type Owned = { routes: { r: WiringRoute; mod: ModuleSummary }[]; edges: { e: WiringEdge; mod: ModuleSummary }[] };

export class AppResolver {
  private readonly objects = new Map<string, AppObject>();
  private readonly owners = new Map<string, Owned>();
  private readonly added = new Set<string>();
  /** `helper(app)`: the app (or a parameter holding one) → the helper parameters it is passed to. */
  private readonly passesTo = new Map<string, Set<string>>();
  private readonly passedInto = new Map<string, Set<string>>();
  /** Keys handed to code dbfence cannot follow (routes may be added there). */
  private readonly opaque = new Set<string>();

  constructor(private readonly infer: TypeInference) {
    for (const m of infer.project.wired()) {
      const ctx = infer.moduleContext(m.module);
      for (const o of m.wiring.objects) {
        if (!infer.project.mayCreateApp(m, o.call.func)) continue;
        const made = this.createdKind(o.call, ctx);
        if (!made) continue;
        const key = objectKey(m.module, o.scope, o.name);
        this.objects.set(key, {
          key,
          kind: made.kind,
          module: m.module,
          path: m.path,
          scope: o.scope,
          call: o.call,
          prefix: made.kind === "APIRouter" ? this.instancePrefix(o.call, ctx, made.classKey) : "",
          classKey: made.classKey,
        });
      }
    }
    for (const m of infer.project.wired()) this.addModule(m);
    this.followHandOvers();
  }

  /** What an object creation makes: a FastAPI class, or a project subclass of one. */
  private createdKind(call: Call, ctx: NameContext): { kind: AppObject["kind"]; classKey: string | null } | null {
    const kind = APP_CLASSES[this.infer.qname(call.func, ctx) ?? ""];
    if (kind) return { kind, classKey: null };
    const r = this.infer.dealias(this.infer.resolveExpr(call.func, ctx));
    if (r?.kind !== "symbol" || r.def.kind !== "class") return null;
    const sub = appClassKind(this.infer, r.module, r.def.cls);
    return sub ? { kind: sub, classKey: classKey(r.module, r.name) } : null;
  }

  /** A router's prefix: `prefix=`; for a project subclass with its own `__init__`, unknown unless given. */
  private instancePrefix(call: Call, ctx: NameContext, cls: string | null): string | null {
    if (cls === null) return this.stringArg(call, "prefix", ctx, "");
    const r = this.infer.dealias(this.infer.resolveExpr(call.func, ctx));
    const init =
      r?.kind === "symbol" && r.def.kind === "class" ? this.infer.findMethod(r.module, r.def.cls, "__init__") : null;
    return this.stringArg(call, "prefix", ctx, init ? null : "", true);
  }

  /** Routes and wiring edges of a module, grouped by the object they are registered on. */
  private addModule(mod: ModuleSummary): void {
    if (this.added.has(mod.module)) return;
    this.added.add(mod.module);
    const entry = (key: string): Owned => {
      let en = this.owners.get(key);
      if (!en) {
        en = { routes: [], edges: [] };
        this.owners.set(key, en);
      }
      return en;
    };
    for (const r of mod.wiring.routes) {
      const key = this.keyOf(r.owner, mod, r.scope);
      if (key) entry(key).routes.push({ r, mod });
    }
    for (const e of mod.wiring.edges) {
      const key = this.keyOf(e.owner, mod, e.scope);
      if (key) entry(key).edges.push({ e, mod });
    }
  }

  /**
   * Follows apps handed to helpers: `register_routes(app)` makes the helper's parameter hold the app, and
   * what the helper registers on it belongs to the app; a parameter handed on is followed in turn.
   */
  private followHandOvers(): void {
    const queue: { call: WiringCall; mod: ModuleSummary; only: string | null }[] = [];
    for (const mod of this.infer.project.wired()) {
      for (const call of mod.wiring.calls) queue.push({ call, mod, only: null });
    }
    const reached = new Set<string>();
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { call, mod, only } = item;
      const args: { key: string; index: number | null; keyword: string | null }[] = [];
      for (const a of call.args) {
        if (only !== null && a.name !== only) continue;
        const key = this.keyOf({ kind: "Name", start: 0, end: 0, id: a.name }, mod, call.scope);
        // From object creations, only apps and routers are followed; a parameter only once it holds one.
        if (key && (only !== null || this.objects.has(key) || this.isAppClassKey(key))) {
          args.push({ key, index: a.index, keyword: a.keyword });
        }
      }
      if (args.length === 0) continue;
      const target = this.callee(call.func, mod);
      if (target === "library") continue;
      if (target === null) {
        for (const a of args) this.opaque.add(a.key);
        continue;
      }
      for (const a of args) {
        const param = paramFor(target.params, a.index, a.keyword);
        if (!param) continue;
        const pkey = paramKey(target.module, target.scope, param);
        link(this.passesTo, a.key, pkey);
        link(this.passedInto, pkey, a.key);
        if (reached.has(pkey)) continue;
        reached.add(pkey);
        const pmod = this.infer.project.get(target.module);
        if (!pmod) continue;
        this.addModule(pmod);
        for (const c of pmod.wiring.calls)
          if (c.scope === target.scope) queue.push({ call: c, mod: pmod, only: param });
      }
    }
  }

  /** The project function (or class `__init__`) a call runs, "library" for library code, null when unknown. */
  private callee(
    func: Expr,
    mod: ModuleSummary,
  ): { module: string; scope: string; params: Param[] } | "library" | null {
    // A builtin (`print(app)`, `isinstance(app, FastAPI)`): bound neither at module level nor by an import.
    if (func.kind === "Name" && !Object.hasOwn(mod.symbols, func.id) && !Object.hasOwn(mod.imports, func.id)) {
      return mod.isPackage ? null : "library";
    }
    const r = this.infer.dealias(this.infer.resolveExpr(func, this.infer.moduleContext(mod.module)));
    if (r?.kind === "external") return "library";
    if (r?.kind !== "symbol") return null;
    if (r.def.kind === "function") return { module: r.module, scope: r.name, params: r.def.sig.params };
    if (r.def.kind === "class") {
      const init = this.infer.findMethod(r.module, r.def.cls, "__init__");
      if (!init) return "library";
      const owner = this.classOfMethod(init.module, init.sig);
      return owner ? { module: init.module, scope: `${owner}.__init__`, params: init.sig.params.slice(1) } : null;
    }
    return null;
  }

  private classOfMethod(module: string, sig: FunctionSig): string | null {
    const m = this.infer.project.get(module);
    for (const [name, def] of Object.entries(m?.symbols ?? {})) {
      if (def.kind === "class" && def.cls.methods[sig.name] === sig) return name;
    }
    return null;
  }

  private isAppClassKey(key: string): boolean {
    const c = parseClassKey(key);
    if (!c) return false;
    const def = this.infer.project.get(c.module)?.symbols[c.name];
    return def?.kind === "class" && appClassKind(this.infer, c.module, def.cls) !== null;
  }

  models(): AppModel[] {
    const mounted = new Set<string>();
    for (const [, owned] of this.owners) {
      for (const { e, mod } of owned.edges) {
        if (e.kind !== "mount") continue;
        const target = mountTarget(e.call);
        const key = target ? this.keyOf(target, mod, e.scope) : null;
        if (key) mounted.add(key);
      }
    }
    const out: AppModel[] = [];
    for (const app of this.objects.values()) {
      if (app.kind !== "FastAPI") continue;
      const routes: ResolvedRoute[] = [];
      const state = { complete: true };
      this.collectRoutes(app.key, "", routes, new Set(), state, false);
      out.push({ app, mounted: mounted.has(app.key), routes, complete: state.complete, ...this.lifecycle(app) });
    }
    return out;
  }

  /**
   * Do the routes registered on this helper parameter or router class belong to an app or router? (A
   * parameter some call passes one to; a project subclass of APIRouter/FastAPI.)
   */
  holdsApp(key: string, seen: Set<string> = new Set()): boolean {
    if (seen.has(key)) return false;
    seen.add(key);
    if (this.objects.has(key) || this.isAppClassKey(key)) return true;
    for (const from of this.passedInto.get(key) ?? []) if (this.holdsApp(from, seen)) return true;
    return false;
  }

  /** Every route registration grouped under a key other than an app object's: helpers' parameters, classes. */
  *indirectRoutes(): Iterable<{ key: string; r: WiringRoute; mod: ModuleSummary }> {
    for (const [key, owned] of this.owners) {
      if (this.objects.has(key)) continue;
      for (const { r, mod } of owned.routes) yield { key, r, mod };
    }
  }

  /** The key of the app/router object an expression names, as seen from `module` (and `scope`). */
  private keyOf(e: Expr, m: ModuleSummary, scope: string | null, depth = 0): string | null {
    if (depth > 8) return null;
    if (e.kind === "Name" && scope !== null) {
      const local = objectKey(m.module, scope, e.id);
      if (this.objects.has(local)) return local;
      const made = lastObject(m, scope, e.id);
      if (made) return this.keyOf(made.call, m, scope, depth + 1);
      const p = this.scopeParam(m, scope, e.id);
      if (p) return p;
    }
    if (e.kind === "Call") return this.callKey(e, m, depth);
    const r = this.infer.resolveExpr(e, this.infer.moduleContext(m.module));
    if (r?.kind !== "symbol") return null;
    const key = objectKey(r.module, null, r.name);
    if (this.objects.has(key)) return key;
    // `app = create_app()` at module level: the app the factory returns.
    if (r.def.kind === "assign" && r.def.value?.kind === "Call") {
      const owner = this.infer.project.get(r.module);
      return owner ? this.keyOf(r.def.value, owner, null, depth + 1) : null;
    }
    return null;
  }

  /** An instance of a router class (`ExportRouter()`), or what a project factory returns (`create_admin_app()`). */
  private callKey(call: Call, m: ModuleSummary, depth: number): string | null {
    const r = this.infer.dealias(this.infer.resolveExpr(call.func, this.infer.moduleContext(m.module)));
    if (r?.kind !== "symbol") return null;
    if (r.def.kind === "class") {
      return appClassKind(this.infer, r.module, r.def.cls) ? classKey(r.module, r.name) : null;
    }
    if (r.def.kind !== "function") return null;
    const fm = this.infer.project.get(r.module);
    if (!fm) return null;
    for (const v of r.def.sig.returnValues) {
      const key = this.keyOf(v, fm, r.name, depth + 1);
      if (key) return key;
    }
    return null;
  }

  /** A parameter of the scope's function: the class itself for a method's `self`. */
  private scopeParam(m: ModuleSummary, scope: string, name: string): string | null {
    const dot = scope.indexOf(".");
    if (dot < 0) {
      const def = m.symbols[scope];
      return def?.kind === "function" && def.sig.params.some((p) => p.name === name)
        ? paramKey(m.module, scope, name)
        : null;
    }
    const cls = scope.slice(0, dot);
    const def = m.symbols[cls];
    const sig = def?.kind === "class" ? def.cls.methods[scope.slice(dot + 1)] : undefined;
    if (!sig) return null;
    const isStatic = sig.decorators.some((d) => d.kind === "Name" && d.id === "staticmethod");
    if (!isStatic && sig.params[0]?.name === name) return classKey(m.module, cls);
    return sig.params.some((p) => p.name === name) ? paramKey(m.module, scope, name) : null;
  }

  private collectRoutes(
    key: string,
    prefix: string | null,
    out: ResolvedRoute[],
    seen: Set<string>,
    state: { complete: boolean },
    included: boolean,
  ): void {
    if (seen.has(key)) return;
    seen.add(key);
    if (this.opaque.has(key)) state.complete = false;
    const obj = this.objects.get(key);
    const base = join(prefix, obj ? obj.prefix : "");
    const owned = this.owners.get(key) ?? { routes: [], edges: [] };
    for (const { r, mod } of owned.routes) {
      const routeCtx = this.infer.moduleContext(mod.module);
      const path = this.stringArg(r.call, "path", routeCtx, null);
      out.push({
        path: join(base, path),
        methods: this.methods(r, routeCtx),
        route: r,
        handler: this.handlerSig(r.handler, mod, r.scope),
      });
    }
    for (const { e, mod } of owned.edges) this.followEdge(e, mod, base, out, seen, state);
    // Routes registered on the object by the class's own methods (`self.add_api_route(...)`).
    if (obj?.classKey) this.collectRoutes(obj.classKey, base, out, seen, state, false);
    // Registered by helpers it is passed to.
    for (const p of this.passesTo.get(key) ?? []) this.collectRoutes(p, base, out, seen, state, false);
    // A helper's parameter that is included or mounted: the routers passed to it.
    if (included && parseParamKey(key)) {
      for (const from of this.passedInto.get(key) ?? []) this.collectRoutes(from, base, out, seen, state, true);
    }
  }

  private followEdge(
    e: WiringEdge,
    mod: ModuleSummary,
    base: string | null,
    out: ResolvedRoute[],
    seen: Set<string>,
    state: { complete: boolean },
  ): void {
    const ctx = this.infer.moduleContext(mod.module);
    const target =
      e.kind === "mount"
        ? mountTarget(e.call)
        : (e.call.args.find((a) => a.name === "router")?.value ?? e.call.args.find((a) => a.name === null)?.value);
    const child = target ? this.keyOf(target, mod, e.scope) : null;
    if (!child) {
      // Mounting a library ASGI app (`StaticFiles(...)`) adds no route of the project's.
      if (
        e.kind === "mount" &&
        target?.kind === "Call" &&
        this.infer.resolveExpr(target.func, ctx)?.kind === "external"
      )
        return;
      state.complete = false;
      return;
    }
    const edgePrefix =
      e.kind === "mount" ? this.stringArg(e.call, "path", ctx, null) : this.stringArg(e.call, "prefix", ctx, "", true);
    // `include_router(ExportRouter(prefix=...))`: the instance's own prefix too.
    const own = target?.kind === "Call" && isClassKey(child) ? this.instancePrefix(target, ctx, child) : "";
    this.collectRoutes(child, join(join(base, edgePrefix), own), out, seen, state, true);
  }

  private methods(r: WiringRoute, ctx: NameContext): string[] {
    const http = HTTP_METHODS[r.method];
    if (http) return [http];
    if (r.method === "websocket" || r.method === "add_api_websocket_route") return ["WEBSOCKET"];
    const list = r.call.args.find((a) => a.name === "methods")?.value;
    if (!list) return ["GET"];
    if (list.kind !== "Sequence") return [];
    return list.items.map((i) =>
      i.kind === "Str" && i.value !== null ? i.value.toUpperCase() : (this.constant(i, ctx) ?? "?"),
    );
  }

  private handlerSig(h: FunctionSig | Expr, m: ModuleSummary, scope: string | null, depth = 0): FunctionRef | null {
    if ("params" in h && "isAsync" in h) return { sig: h, module: m.module };
    const e = h as Expr;
    if (e.kind === "Name" && scope !== null) {
      const local = m.wiring.localFunctions[scope]?.[e.id];
      if (local) return { sig: local, module: m.module };
    }
    // `self.list_items`: a method of the class whose method registers it.
    if (e.kind === "Attribute" && e.value.kind === "Name" && scope !== null) {
      const owner = this.scopeParam(m, scope, e.value.id);
      const c = owner ? parseClassKey(owner) : null;
      const def = c ? this.infer.project.get(c.module)?.symbols[c.name] : undefined;
      if (c && def?.kind === "class") return this.infer.findMethod(c.module, def.cls, e.attr);
    }
    // A handler or lifespan made by a project factory (`add_event_handler("startup", make_startup(app))`).
    if (e.kind === "Call" && depth < 4) {
      const f = this.infer.dealias(this.infer.resolveExpr(e.func, this.infer.moduleContext(m.module)));
      const fm = f?.kind === "symbol" && f.def.kind === "function" ? this.infer.project.get(f.module) : undefined;
      if (!fm || f?.kind !== "symbol" || f.def.kind !== "function") return null;
      for (const v of f.def.sig.returnValues) {
        const made = this.handlerSig(v, fm, f.name, depth + 1);
        if (made) return made;
      }
      return null;
    }
    const r = this.infer.resolveExpr(e, this.infer.moduleContext(m.module));
    return r?.kind === "symbol" && r.def.kind === "function" ? { sig: r.def.sig, module: r.module } : null;
  }

  /** The app and what holds it on the way: helper parameters it is passed to, its router class. */
  private reach(key: string, out: Set<string> = new Set()): Set<string> {
    if (out.has(key)) return out;
    out.add(key);
    const cls = this.objects.get(key)?.classKey;
    if (cls) this.reach(cls, out);
    for (const p of this.passesTo.get(key) ?? []) this.reach(p, out);
    return out;
  }

  private lifecycle(app: AppObject): Pick<AppModel, "lifespan" | "startup" | "shutdown" | "lifecycleUnknown"> {
    const m = this.infer.project.get(app.module) as ModuleSummary;
    let unknown = false;
    const startup: FunctionRef[] = [];
    const shutdown: FunctionRef[] = [];
    const add = (event: string | null, h: FunctionSig | Expr, mod: ModuleSummary, scope: string | null): void => {
      const sig = this.handlerSig(h, mod, scope);
      if (!sig || event === null) unknown = true;
      else if (event === "startup") startup.push(sig);
      else if (event === "shutdown") shutdown.push(sig);
    };
    for (const [kw, event] of [
      ["on_startup", "startup"],
      ["on_shutdown", "shutdown"],
    ] as const) {
      const list = app.call.args.find((a) => a.name === kw)?.value;
      if (list?.kind === "Sequence") for (const h of list.items) add(event, h, m, app.scope);
      else if (list) unknown = true;
    }
    const holders = this.reach(app.key);
    for (const module of this.added) {
      const mod = this.infer.project.get(module);
      for (const ev of mod?.wiring.events ?? []) {
        const owner = this.keyOf(ev.owner, mod as ModuleSummary, ev.scope);
        if (owner === null || !holders.has(owner)) continue;
        const ctx = this.infer.moduleContext(module);
        add(ev.event ? this.constant(ev.event, ctx) : null, ev.handler, mod as ModuleSummary, ev.scope);
      }
    }
    let lifespan: AppModel["lifespan"] = null;
    const ls = app.call.args.find((a) => a.name === "lifespan")?.value;
    if (ls && !(ls.kind === "Constant" && ls.value === "None")) {
      lifespan = this.handlerSig(ls, m, app.scope) ?? "unknown";
    }
    return { lifespan, startup, shutdown, lifecycleUnknown: unknown };
  }

  /** A string argument (positional index 0 or keyword), `fallback` when absent, null when not constant. */
  private stringArg(
    call: Call,
    name: string,
    ctx: NameContext,
    fallback: string | null,
    keywordOnly = false,
  ): string | null {
    const arg =
      call.args.find((a) => a.name === name)?.value ??
      (keywordOnly ? undefined : call.args.find((a) => a.name === null)?.value);
    if (!arg) return fallback;
    return this.constant(arg, ctx);
  }

  /** A constant string: a literal, `+` of constants, or a name bound to one (also imported). */
  private constant(e: Expr, ctx: NameContext, depth = 0): string | null {
    if (depth > 10) return null;
    if (e.kind === "Str") return e.value;
    if (e.kind === "BinOp" && e.op === "+") {
      const l = this.constant(e.left, ctx, depth + 1);
      const r = this.constant(e.right, ctx, depth + 1);
      return l !== null && r !== null ? l + r : null;
    }
    if (e.kind === "Name" || e.kind === "Attribute") {
      const r = this.infer.resolveExpr(e, ctx);
      if (r?.kind === "symbol" && r.def.kind === "assign" && r.def.value) {
        return this.constant(r.def.value, this.infer.moduleContext(r.module), depth + 1);
      }
    }
    return null;
  }
}

function objectKey(module: string, scope: string | null, name: string): string {
  return `${module}:${scope ?? ""}:${name}`;
}

/** Every instance of a router class: what its methods register on `self`. */
function classKey(module: string, cls: string): string {
  return `${module}:#class:${cls}`;
}

function isClassKey(key: string): boolean {
  return parseClassKey(key) !== null;
}

function parseClassKey(key: string): { module: string; name: string } | null {
  const at = key.indexOf(":#class:");
  return at < 0 ? null : { module: key.slice(0, at), name: key.slice(at + 8) };
}

/** A parameter of a function (a registration helper) or method. */
function paramKey(module: string, scope: string, param: string): string {
  return `${module}:${scope}:#${param}`;
}

function parseParamKey(key: string): boolean {
  return /:[^:]+:#[^:]+$/.test(key) && !isClassKey(key);
}

function link(map: Map<string, Set<string>>, from: string, to: string): void {
  let set = map.get(from);
  if (!set) {
    set = new Set();
    map.set(from, set);
  }
  set.add(to);
}

/** The last object creation bound to `name` in a scope, when it is not an app object itself. */
function lastObject(m: ModuleSummary, scope: string, name: string): WiringObject | null {
  let found: WiringObject | null = null;
  for (const o of m.wiring.objects) if (o.scope === scope && o.name === name) found = o;
  return found;
}

/** `mount("/admin", app)` / `mount(path="/admin", app=app)`: the mounted app. */
function mountTarget(call: Call): Expr | undefined {
  return call.args.find((a) => a.name === "app")?.value ?? call.args.filter((a) => a.name === null)[1]?.value;
}

/** The parameter an argument binds (by position among plain parameters, or by keyword). */
function paramFor(params: readonly Param[], index: number | null, keyword: string | null): string | null {
  if (keyword !== null) return params.some((p) => p.name === keyword && p.category === "plain") ? keyword : null;
  if (index === null) return null;
  const plain = params.filter((p) => p.category === "plain" && p.name !== "");
  return plain[index]?.name ?? null;
}

function join(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return `${a}${b}`;
}

export type { WiringObject };
