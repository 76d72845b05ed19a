/**
 * Route handlers: the union of the handlers in the resolved route tables of the project's FastAPI apps
 * and of every function registered as a route where it is defined (`@router.get(...)`, or passed to
 * `add_api_route` / `add_api_websocket_route`), so a router that no app includes still counts. Each
 * function counts once, however many routes it serves.
 *
 * A handler **uses the database** when a parameter receives the connector's session (as counted for
 * usage points), or a session or connection through `Depends(...)` (any depth, sync or async — what
 * DBF301 follows), when its body calls a function the
 * connector defines (`await health_check_database()`), or when its body calls a method of a database
 * object (engine, session, connection, driver connection or cursor).
 */

import { connectorFunction } from "../rules/wiring/connector-calls.js";
import { buildAppModels } from "../semantic/apps.js";
import { databaseChain, registeredEndpoints, routeDecorator } from "../semantic/fastapi.js";
import type { FunctionIndex, ProjectFunction } from "./functions.js";
import type { AnalysedProject } from "./project.js";
import { directSessionParameter } from "./usage.js";

export interface RouteHandler {
  path: string;
  line: number;
  name: string;
  async: boolean;
  usesDatabase: boolean;
  /** `GET /api/skills/` for each app route it serves (`?` for a piece that is not a constant); empty when no app reaches it. */
  routes: string[];
}

export interface RouteHandlers {
  total: number;
  async: number;
  sync: number;
  usingDatabase: number;
  /** Handlers no app's route table reaches (a router never included, or an include dbfence cannot resolve). */
  outsideApps: number;
  /** `async / total × 100`, one decimal; 100 when there are no handlers (`none` is then true). */
  asyncPercent: number;
  none: boolean;
  list: RouteHandler[];
}

export function routeHandlers(project: AnalysedProject, functions: FunctionIndex): RouteHandlers {
  const infer = project.infer;
  const found = new Map<ProjectFunction, string[]>();
  const add = (f: ProjectFunction | undefined, route: string | null): void => {
    if (!f) return;
    const routes = found.get(f) ?? [];
    if (route !== null && !routes.includes(route)) routes.push(route);
    found.set(f, routes);
  };

  let models: ReturnType<typeof buildAppModels> = [];
  try {
    models = buildAppModels(infer);
  } catch {
    // The per-file detection below still finds the decorated handlers.
  }
  for (const model of models) {
    for (const r of model.routes) {
      if (!r.handler) continue;
      add(
        functions.bySignature(r.handler.module, r.handler.sig.start),
        `${r.methods.join(",") || "?"} ${r.path ?? "?"}`,
      );
    }
  }

  const registered = registeredEndpoints(infer);
  for (const f of functions.all) {
    if (routeDecorator(f.fn, infer) || registered.has(endpointKey(f))) add(f, null);
  }

  const list: RouteHandler[] = [];
  for (const [f, routes] of found) {
    if (!f.file.reported) continue;
    list.push({
      path: f.file.rel,
      line: f.line,
      name: f.name,
      async: f.fn.def.isAsync,
      usesDatabase: usesDatabase(f, infer),
      routes: routes.sort(),
    });
  }
  list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
  const total = list.length;
  const asyncCount = list.filter((h) => h.async).length;
  return {
    total,
    async: asyncCount,
    sync: total - asyncCount,
    usingDatabase: list.filter((h) => h.usesDatabase).length,
    outsideApps: list.filter((h) => h.routes.length === 0).length,
    asyncPercent: total === 0 ? 100 : Math.round((asyncCount / total) * 1000) / 10,
    none: total === 0,
    list,
  };
}

/** The key `registeredEndpoints` uses: `module::name`, or `module:factory:name` inside an app factory. */
function endpointKey(f: ProjectFunction): string {
  const fn = f.fn;
  const module = f.file.parsed?.facts.module ?? f.file.module;
  if (fn.cls !== null) return "";
  if (fn.parent === null) return `${module}::${fn.def.name}`;
  if (fn.parent.parent === null && fn.parent.cls === null) return `${module}:${fn.parent.def.name}:${fn.def.name}`;
  return "";
}

function usesDatabase(f: ProjectFunction, infer: AnalysedProject["infer"]): boolean {
  if (directSessionParameter(f, infer) !== null) return true;
  if (f.fn.def.params.some((p) => databaseChain([p], f.fn.outer, infer) !== null)) return true;
  return f.calls.some(
    (site) => site.receiver?.t === "db" || connectorFunction(site.call.func, site.ctx, infer) !== null,
  );
}
