/** Route handlers of a file with their database chain, computed once and shared by DBF301/DBF302. */
import type { FunctionInfo } from "../../semantic/analysis.js";
import { databaseChain, routeDecorator } from "../../semantic/fastapi.js";
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
  // `router.add_api_route("/path", endpoint)` registers a function defined elsewhere in the module.
  for (const site of ctx.facts.calls) {
    if (site.method !== "add_api_route" && site.method !== "add_api_websocket_route") continue;
    if (site.receiver?.t !== "app") continue;
    const endpoint =
      site.call.args.find((a) => a.name === "endpoint")?.value ??
      site.call.args.filter((a) => a.name === null)[1]?.value;
    if (endpoint?.kind !== "Name") continue;
    const fn = ctx.facts.functions.find((f) => f.def.name === endpoint.id && f.parent === site.fn && f.cls === null);
    if (!fn || out.some((h) => h.fn === fn)) continue;
    out.push({ fn, method: site.method, chain: databaseChain(fn.def.params, fn.outer, ctx.infer) });
  }
  cache.set(ctx.facts, out);
  return out;
}

export function describeChain(chain: readonly string[]): string {
  return chain.map((c) => `Depends(${c})`).join(" → ");
}
