/** Route handlers of a file with their database chain, computed once and shared by DBF301/DBF302. */
import type { Param } from "../../parser/ast.js";
import type { FunctionInfo } from "../../semantic/analysis.js";
import { databaseChain, isRegisteredEndpoint, routeDecorator } from "../../semantic/fastapi.js";
import type { RuleContext } from "../rule.js";

export interface RouteHandler {
  fn: FunctionInfo;
  method: string;
  /** Dependency names through which the handler receives a session, or null. */
  chain: string[] | null;
}

const cache = new WeakMap<object, RouteHandler[]>();

export function routeHandlers(ctx: RuleContext): RouteHandler[] {
  const hit = cache.get(ctx.facts);
  if (hit) return hit;
  const out: RouteHandler[] = [];
  for (const fn of ctx.facts.functions) {
    const route = routeDecorator(fn, ctx.infer);
    if (!route) continue;
    out.push({ fn, method: route.method, chain: handlerChain(fn, ctx) });
  }
  // `add_api_route("/path", endpoint)` anywhere in the project registers a function defined here.
  const decorated = new Set(out.map((h) => h.fn));
  for (const fn of ctx.facts.functions) {
    if (decorated.has(fn)) continue;
    const key = endpointKeyOf(fn, ctx.facts.module);
    if (key && isRegisteredEndpoint(ctx.infer, ctx.facts.module, key)) {
      out.push({ fn, method: "add_api_route", chain: handlerChain(fn, ctx) });
    }
  }
  cache.set(ctx.facts, out);
  return out;
}

/** `module::name`, `module:factory:name` or `module::Class.method`, as src/semantic/fastapi.ts keys endpoints. */
function endpointKeyOf(fn: FunctionInfo, module: string): string | null {
  const parent = fn.parent;
  if (fn.cls !== null) return parent === null ? `${module}::${fn.cls.name}.${fn.def.name}` : null;
  if (parent === null) return `${module}::${fn.def.name}`;
  return parent.parent === null && parent.cls === null ? `${module}:${parent.def.name}:${fn.def.name}` : null;
}

/**
 * The handler's database chain: its parameters, and for a method of a class-based view the dependencies its
 * class declares as attributes (`session: Session = Depends(get_db)`, read as `self.session`).
 */
function handlerChain(fn: FunctionInfo, ctx: RuleContext): string[] | null {
  const own = databaseChain(fn.def.params, fn.outer, ctx.infer);
  if (own || fn.cls === null) return own;
  const cls = ctx.facts.summary.symbols[fn.cls.name];
  if (cls?.kind !== "class") return null;
  const attrs: Param[] = [];
  for (const [name, entries] of Object.entries(cls.cls.attrs)) {
    for (const en of entries) {
      if (en.method !== null) continue;
      const at = en.value ?? en.annotation;
      if (!at) continue;
      attrs.push({
        name,
        category: "plain",
        annotation: en.annotation,
        default: en.value,
        start: at.start,
        end: at.end,
      });
    }
  }
  return attrs.length > 0 ? databaseChain(attrs, fn.outer, ctx.infer) : null;
}

export function describeChain(chain: readonly string[]): string {
  return chain.map((c) => `Depends(${c})`).join(" → ");
}
