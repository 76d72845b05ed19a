/**
 * The project's FastAPI applications, resolved across modules from the summaries' wiring facts: which
 * objects are apps and routers, their prefixes, which routers are included where (with
 * `include_router(prefix=...)`), which apps are mounted into others, and each app's full route table
 * and lifecycle hooks.
 */

import type { Call, Expr } from "../parser/ast.js";
import type { NameContext, TypeInference } from "./infer.js";
import { APP_CLASSES } from "./knowledge/fastapi.js";
import type { FunctionSig, ModuleSummary } from "./summary.js";
import type { WiringEdge, WiringObject, WiringRoute } from "./wiring.js";

export interface AppObject {
  key: string;
  kind: "FastAPI" | "APIRouter";
  module: string;
  path: string;
  scope: string | null;
  call: Call;
  /** The router's own `prefix=`; null when it is not a constant we can read. */
  prefix: string | null;
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

class AppResolver {
  private readonly objects = new Map<string, AppObject>();

  constructor(private readonly infer: TypeInference) {
    for (const m of infer.project.wired()) {
      const ctx = infer.moduleContext(m.module);
      for (const o of m.wiring.objects) {
        if (!infer.project.mayCreateApp(m, o.call.func)) continue;
        const kind = APP_CLASSES[infer.qname(o.call.func, ctx) ?? ""];
        if (!kind) continue;
        const key = objectKey(m.module, o.scope, o.name);
        this.objects.set(key, {
          key,
          kind,
          module: m.module,
          path: m.path,
          scope: o.scope,
          call: o.call,
          prefix: kind === "APIRouter" ? this.stringArg(o.call, "prefix", ctx, "") : "",
        });
      }
    }
  }

  models(): AppModel[] {
    const mounted = new Set<string>();
    for (const m of this.infer.project.wired()) {
      for (const e of m.wiring.edges) {
        if (e.kind !== "mount") continue;
        const target =
          e.call.args.find((a) => a.name === "app")?.value ?? e.call.args.filter((a) => a.name === null)[1]?.value;
        const key = target ? this.keyOf(target, m, e.scope) : null;
        if (key) mounted.add(key);
      }
    }
    const out: AppModel[] = [];
    for (const app of this.objects.values()) {
      if (app.kind !== "FastAPI") continue;
      const routes: ResolvedRoute[] = [];
      const state = { complete: true };
      this.collectRoutes(app.key, "", routes, new Set(), state);
      out.push({ app, mounted: mounted.has(app.key), routes, complete: state.complete, ...this.lifecycle(app) });
    }
    return out;
  }

  /** The key of the app/router object an expression names, as seen from `module` (and factory `scope`). */
  private keyOf(e: Expr, m: ModuleSummary, scope: string | null): string | null {
    if (e.kind === "Name" && scope !== null && this.objects.has(objectKey(m.module, scope, e.id))) {
      return objectKey(m.module, scope, e.id);
    }
    const r = this.infer.resolveExpr(e, this.infer.moduleContext(m.module));
    if (r?.kind !== "symbol") return null;
    const key = objectKey(r.module, null, r.name);
    return this.objects.has(key) ? key : null;
  }

  private collectRoutes(
    key: string,
    prefix: string | null,
    out: ResolvedRoute[],
    seen: Set<string>,
    state: { complete: boolean },
  ): void {
    if (seen.has(key)) return;
    seen.add(key);
    const obj = this.objects.get(key) as AppObject;
    const base = join(prefix, obj.prefix);
    const owned = this.byOwner().get(key) ?? { routes: [], includes: [] };
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
    for (const { e, mod } of owned.includes) {
      const routerExpr =
        e.call.args.find((a) => a.name === "router")?.value ?? e.call.args.find((a) => a.name === null)?.value;
      const child = routerExpr ? this.keyOf(routerExpr, mod, e.scope) : null;
      if (!child) {
        state.complete = false;
        continue;
      }
      const includePrefix = this.stringArg(e.call, "prefix", this.infer.moduleContext(mod.module), "", true);
      this.collectRoutes(child, join(base, includePrefix), out, seen, state);
    }
  }

  private owners: Map<
    string,
    { routes: { r: WiringRoute; mod: ModuleSummary }[]; includes: { e: WiringEdge; mod: ModuleSummary }[] }
  > | null = null;

  /** Routes and include edges grouped by the object they are registered on, resolved once. */
  private byOwner(): NonNullable<AppResolver["owners"]> {
    if (this.owners) return this.owners;
    const owners: NonNullable<AppResolver["owners"]> = new Map();
    const entry = (key: string) => {
      let en = owners.get(key);
      if (!en) {
        en = { routes: [], includes: [] };
        owners.set(key, en);
      }
      return en;
    };
    for (const mod of this.infer.project.wired()) {
      for (const r of mod.wiring.routes) {
        const key = this.keyOf(r.owner, mod, r.scope);
        if (key) entry(key).routes.push({ r, mod });
      }
      for (const e of mod.wiring.edges) {
        if (e.kind !== "include") continue;
        const key = this.keyOf(e.owner, mod, e.scope);
        if (key) entry(key).includes.push({ e, mod });
      }
    }
    this.owners = owners;
    return owners;
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

  private handlerSig(h: FunctionSig | Expr, m: ModuleSummary, scope: string | null): FunctionRef | null {
    if ("params" in h && "isAsync" in h) return { sig: h, module: m.module };
    const e = h as Expr;
    if (e.kind === "Name" && scope !== null) {
      const local = m.wiring.localFunctions[scope]?.[e.id];
      if (local) return { sig: local, module: m.module };
    }
    const r = this.infer.resolveExpr(e, this.infer.moduleContext(m.module));
    return r?.kind === "symbol" && r.def.kind === "function" ? { sig: r.def.sig, module: r.module } : null;
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
    for (const mod of this.infer.project.wired()) {
      for (const ev of mod.wiring.events) {
        if (this.keyOf(ev.owner, mod, ev.scope) !== app.key) continue;
        add(ev.event ? this.constant(ev.event, this.infer.moduleContext(mod.module)) : null, ev.handler, mod, ev.scope);
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

function join(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return `${a}${b}`;
}

export type { WiringObject };
