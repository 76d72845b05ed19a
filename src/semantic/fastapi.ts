/**
 * FastAPI knowledge: which functions are route handlers, and whether a handler or dependency uses
 * the database through its `Depends(...)` chain (function, class and callable-instance dependencies,
 * `Annotated` aliases, generator dependencies).
 */
import type { Expr, FunctionDef, Param } from "../parser/ast.js";
import type { FunctionInfo } from "./analysis.js";
import { appAnnotationKind, appClassKind, appValueKind } from "./app-values.js";
import { appReceivers } from "./apps.js";
import type { NameContext, TypeInference } from "./infer.js";
import { ENDPOINT_REGISTRATIONS, ROUTE_METHODS } from "./knowledge/fastapi.js";
import type { DbType } from "./knowledge/sqlalchemy.js";
import type { FunctionSig, ModuleSummary } from "./summary.js";

export { ROUTE_METHODS };

/** `Depends` levels followed (cycles end earlier, through `seen`); far beyond any real chain. */
export const DEPENDS_LIMIT = 64;

/** Database values a dependency can hand over: sessions and connections, async or sync. */
const SESSIONISH: ReadonlySet<DbType> = new Set(["AsyncSession", "Session", "AsyncConnection", "Connection"]);

/**
 * The route decorator of a function (`@router.get(...)`), if any: on a FastAPI app or router, an instance of
 * a project subclass of one, a router made by a project factory, or a parameter annotated as one.
 */
export function routeDecorator(fn: FunctionInfo, infer: TypeInference): { method: string } | null {
  for (const d of fn.def.decorators) {
    if (d.kind !== "Call" || d.func.kind !== "Attribute") continue;
    const owner = d.func.value;
    if (ROUTE_METHODS.has(d.func.attr) && isAppValue(owner, fn, infer)) return { method: d.func.attr };
    // A router subclass's own decorator method (`@router.get_json("/")`) that registers through `self`.
    if (customRouteMethod(owner, d.func.attr, fn, infer)) return { method: d.func.attr };
  }
  return null;
}

function isAppValue(owner: Expr, fn: FunctionInfo, infer: TypeInference): boolean {
  if (appValueKind(infer, owner, fn.outer)) return true;
  // `def register_routes(app: FastAPI): @app.get(...)`: the enclosing function's annotated parameter.
  const param = owner.kind === "Name" ? fn.parent?.def.params.find((p) => p.name === owner.id) : undefined;
  return !!param && appAnnotationKind(infer, param.annotation, fn.parent?.outer ?? fn.outer) !== null;
}

function customRouteMethod(owner: Expr, attr: string, fn: FunctionInfo, infer: TypeInference): boolean {
  const fact = infer.valueType(owner, fn.outer);
  if (fact?.t !== "instance") return false;
  const def = infer.project.get(fact.module)?.symbols[fact.cls];
  if (def?.kind !== "class" || !appClassKind(infer, fact.module, def.cls)) return false;
  const method = infer.findMethod(fact.module, def.cls, attr);
  return !!method && registersThroughSelf(method.sig);
}

/** Does a method register a route on its instance (`self.api_route(...)`, `self.add_api_route(...)`)? */
function registersThroughSelf(sig: FunctionSig): boolean {
  const self = sig.params[0]?.name;
  return sig.callees.some(
    (c) =>
      c.kind === "Attribute" &&
      c.value.kind === "Name" &&
      c.value.id === self &&
      (ROUTE_METHODS.has(c.attr) || Object.hasOwn(ENDPOINT_REGISTRATIONS, c.attr)),
  );
}

/**
 * The chain through which a function's parameters receive a database session (`['get_repo',
 * 'get_db_session']`), or null when none does.
 */
export function databaseChain(params: readonly Param[], ctx: NameContext, infer: TypeInference): string[] | null {
  return new DependencyWalker(infer).params(params, ctx, 0);
}

class DependencyWalker {
  private readonly seen = new Set<string>();
  constructor(private readonly infer: TypeInference) {}

  params(params: readonly Param[], ctx: NameContext, depth: number): string[] | null {
    for (const p of params) {
      const chain = this.param(p, ctx, depth);
      if (chain) return chain;
    }
    return null;
  }

  private param(p: Param, ctx: NameContext, depth: number): string[] | null {
    // Inline `= Depends(x)`, or `DB = Depends(x)` at module level then `session: AsyncSession = DB`.
    const fromDefault = this.infer.dependsOrAlias(p.default, ctx);
    if (fromDefault) {
      if (fromDefault.target) return this.dependency(fromDefault.target, fromDefault.ctx, depth);
      return this.dependency(annotatedBase(p.annotation, ctx, this.infer), ctx, depth);
    }
    const fromAnnotated = this.infer.annotatedDepends(p.annotation, ctx);
    if (fromAnnotated) {
      const target = fromAnnotated.target ?? annotatedBase(p.annotation, ctx, this.infer);
      return this.dependency(target, fromAnnotated.target ? fromAnnotated.ctx : ctx, depth);
    }
    return null;
  }

  private dependency(target: Expr | null | undefined, ctx: NameContext, depth: number): string[] | null {
    if (!target) return null;
    if (depth > DEPENDS_LIMIT) {
      this.infer.noteLimit(ctx.module, target.start, `a Depends chain deeper than ${DEPENDS_LIMIT} levels`);
      return null;
    }
    // `Depends(Checker("admin"))`: an instance built inline; FastAPI calls its `__call__`.
    if (target.kind === "Call") return this.callableInstance(target.func, ctx, depth, null);
    const r = this.infer.dealias(this.infer.resolveExpr(target, ctx));
    if (r?.kind !== "symbol") return null;
    const key = `${r.module}.${r.name}`;
    if (this.seen.has(key)) return null;
    this.seen.add(key);
    const mctx = this.infer.moduleContext(r.module);
    if (r.def.kind === "function") {
      const sig = r.def.sig;
      if (this.infer.isSessionDependency(target, ctx) || this.handsOverSession(r.module, sig)) return [r.name];
      const inner = this.params(sig.params, mctx, depth + 1);
      return inner ? [r.name, ...inner] : null;
    }
    if (r.def.kind === "class") {
      // FastAPI calls the class: its `__init__`, possibly inherited from a project base class.
      const init = this.infer.findMethod(r.module, r.def.cls, "__init__");
      const inner = init
        ? this.params(init.sig.params.slice(1), this.infer.moduleContext(init.module), depth + 1)
        : null;
      return inner ? [r.name, ...inner] : null;
    }
    // A callable instance: `checker = Checker(...)`, then `Depends(checker)` calls `Checker.__call__`.
    if (r.def.kind === "assign" && r.def.value?.kind === "Call")
      return this.callableInstance(r.def.value.func, mctx, depth, r.name);
    return null;
  }

  private callableInstance(classExpr: Expr, ctx: NameContext, depth: number, name: string | null): string[] | null {
    const cls = this.infer.dealias(this.infer.resolveExpr(classExpr, ctx));
    if (cls?.kind !== "symbol" || cls.def.kind !== "class") return null;
    const call = this.infer.findMethod(cls.module, cls.def.cls, "__call__");
    const inner = call ? this.params(call.sig.params.slice(1), this.infer.moduleContext(call.module), depth + 1) : null;
    return inner ? [name ?? `${cls.name}(...)`, ...inner] : null;
  }

  /** A dependency whose return/yield annotation, or whose yielded value, is a session. */
  private handsOverSession(module: string, sig: FunctionSig): boolean {
    const declared = this.infer.returnType(module, sig, true);
    if (declared?.t === "db" && SESSIONISH.has(declared.db)) return true;
    const ctx = this.infer.moduleContext(module);
    for (const y of [...sig.yields, ...sig.returnValues]) {
      const value = y.kind === "Name" && sig.locals[y.id] ? (sig.locals[y.id] as Expr) : y;
      const f = this.infer.valueType(value, ctx);
      if (f?.t === "db" && SESSIONISH.has(f.db)) return true;
    }
    return false;
  }
}

/** `Annotated[T, Depends()]` or `x: T = Depends()`: the dependency is `T` itself. */
function annotatedBase(annotation: Expr | null, ctx: NameContext, infer: TypeInference): Expr | null {
  if (!annotation) return null;
  if (annotation.kind === "Subscript" && (infer.qname(annotation.value, ctx) ?? "").endsWith(".Annotated")) {
    return annotation.items[0] ?? null;
  }
  return annotation;
}

export function isAsyncDef(def: FunctionDef): boolean {
  return def.isAsync;
}

const endpointCache = new WeakMap<object, Set<string>>();

/** Gives the project the registered endpoints computed earlier (the cache), instead of computing them. */
export function seedRegisteredEndpoints(project: object, set: Set<string>): void {
  endpointCache.set(project, set);
}

/**
 * Is the function with this key (`module::name`, `module:factory:name`) registered with `add_api_route`?
 * The read set gets `#endpoints:<module>`: the answer changes only when that module's registrations do.
 */
export function isRegisteredEndpoint(infer: TypeInference, module: string, key: string): boolean {
  infer.project.note([`#endpoints:${module}`]);
  const set = endpointCache.get(infer.project) ?? infer.project.track(() => registeredEndpoints(infer), false).value;
  return set.has(key);
}

/**
 * Functions registered with `add_api_route`/`add_api_websocket_route` anywhere in the project, and route
 * handlers whose registration dbfence only sees across modules: decorated on a helper's parameter that some
 * call passes an app to (`register_routes(app)`), or on `self` of a router class. Keys: `module::name`
 * (module level), `module:factory:name` (defined inside a top-level function), `module::Class.method`.
 */
export function registeredEndpoints(infer: TypeInference): Set<string> {
  const hit = endpointCache.get(infer.project);
  if (hit) return hit;
  const out = new Set<string>();
  for (const m of infer.project.registering()) {
    for (const r of m.wiring.routes) {
      if ("params" in r.handler) continue;
      const key = endpointKey(r.handler as Expr, m, r.scope, infer);
      if (key) out.add(key);
    }
  }
  if (infer.project.wired().some((m) => m.wiring.calls.length > 0 || m.wiring.routes.some((r) => r.scope !== null))) {
    const apps = appReceivers(infer);
    for (const { key, r, mod } of apps.indirectRoutes()) {
      if (!apps.holdsApp(key)) continue;
      if ("isAsync" in r.handler) {
        if (r.scope !== null && !r.scope.includes(".")) out.add(`${mod.module}:${r.scope}:${r.handler.name}`);
        continue;
      }
      const k = endpointKey(r.handler as Expr, mod, r.scope, infer);
      if (k) out.add(k);
    }
  }
  endpointCache.set(infer.project, out);
  return out;
}

/** The key of a function given as an endpoint expression (a name, a module attribute, `self.method`). */
function endpointKey(e: Expr, m: ModuleSummary, scope: string | null, infer: TypeInference): string | null {
  if (e.kind === "Name" && scope !== null && m.wiring.localFunctions[scope]?.[e.id])
    return `${m.module}:${scope}:${e.id}`;
  // `self.list_items` in a method: the method of the class (or of the project base class defining it).
  if (e.kind === "Attribute" && e.value.kind === "Name" && scope?.includes(".")) {
    const [cls, method] = scope.split(".") as [string, string];
    const def = m.symbols[cls];
    const sig = def?.kind === "class" ? def.cls.methods[method] : undefined;
    if (def?.kind === "class" && sig?.params[0]?.name === e.value.id) {
      const found = infer.findMethod(m.module, def.cls, e.attr);
      const owner = found ? classDefining(infer, found.module, found.sig) : null;
      return owner ? `${found?.module}::${owner}.${e.attr}` : null;
    }
  }
  const target = infer.dealias(infer.resolveExpr(e, infer.moduleContext(m.module)));
  return target?.kind === "symbol" && target.def.kind === "function" ? `${target.module}::${target.name}` : null;
}

function classDefining(infer: TypeInference, module: string, sig: FunctionSig): string | null {
  for (const [name, def] of Object.entries(infer.project.get(module)?.symbols ?? {})) {
    if (def.kind === "class" && def.cls.methods[sig.name] === sig) return name;
  }
  return null;
}
