/** Route handlers of a file with their database chain, computed once and shared by DBF301/DBF302. */
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
    out.push({ fn, method: route.method, chain: databaseChain(fn.def.params, fn.outer, ctx.infer) });
  }
  // `add_api_route("/path", endpoint)` anywhere in the project registers a function defined here.
  const decorated = new Set(out.map((h) => h.fn));
  for (const fn of ctx.facts.functions) {
    if (fn.cls !== null || decorated.has(fn)) continue;
    const parent = fn.parent;
    const key =
      parent === null
        ? `${ctx.facts.module}::${fn.def.name}`
        : parent.parent === null && parent.cls === null
          ? `${ctx.facts.module}:${parent.def.name}:${fn.def.name}`
          : null;
    if (key && isRegisteredEndpoint(ctx.infer, ctx.facts.module, key)) {
      out.push({ fn, method: "add_api_route", chain: databaseChain(fn.def.params, fn.outer, ctx.infer) });
    }
  }
  cache.set(ctx.facts, out);
  return out;
}

export function describeChain(chain: readonly string[]): string {
  return chain.map((c) => `Depends(${c})`).join(" → ");
}
