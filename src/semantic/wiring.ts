/**
 * What a module declares about FastAPI wiring, as plain data for the module summary: objects built
 * with a call (`app = FastAPI(...)`, `router = APIRouter(...)`), routes, `include_router`/`mount` edges
 * and lifecycle hooks. Statements at module level and inside top-level functions (app factories) are
 * read; which calls really are FastAPI's is decided later, across modules (src/semantic/apps.ts).
 */
import type { Call, Expr, FunctionDef, Module, Stmt } from "../parser/ast.js";
import { stmtExprs, walkExpr, walkStmts } from "../parser/walk.js";
import { ROUTE_METHODS } from "./fastapi.js";
import { dict, type FunctionSig, functionSig } from "./summary.js";

/** `null` scope: module level; otherwise the name of the top-level function (an app factory). */
type Scope = string | null;

export interface WiringObject {
  scope: Scope;
  name: string;
  call: Call;
}

export interface WiringRoute {
  scope: Scope;
  /** The object before `.get(...)` / `.add_api_route(...)`. */
  owner: Expr;
  /** get, post, ..., api_route, websocket, add_api_route, add_api_websocket_route. */
  method: string;
  /** The route decorator or registration call (path, `methods=`). */
  call: Call;
  /** The decorated function, or the endpoint expression of `add_api_route`. */
  handler: FunctionSig | Expr;
}

export interface WiringEdge {
  scope: Scope;
  owner: Expr;
  kind: "include" | "mount";
  call: Call;
}

export interface WiringEvent {
  scope: Scope;
  owner: Expr;
  event: Expr | null;
  handler: FunctionSig | Expr;
}

export interface WiringFacts {
  objects: WiringObject[];
  routes: WiringRoute[];
  edges: WiringEdge[];
  events: WiringEvent[];
  /** Functions defined inside app factories, by factory then name (handlers registered by name). */
  localFunctions: Record<string, Record<string, FunctionSig>>;
}

export function collectWiring(tree: Module): WiringFacts {
  const facts: WiringFacts = { objects: [], routes: [], edges: [], events: [], localFunctions: dict() };
  collectScope(tree.body, null, facts);
  for (const s of tree.body) {
    if (s.kind === "FunctionDef") collectScope(s.body, s.name, facts);
  }
  return facts;
}

function collectScope(body: Stmt[], scope: Scope, facts: WiringFacts): void {
  walkStmts(body, (s) => {
    if (s.kind === "FunctionDef") {
      if (scope !== null) {
        const fns = facts.localFunctions[scope] ?? dict<FunctionSig>();
        fns[s.name] = functionSig(s);
        facts.localFunctions[scope] = fns;
      }
      decoratedFunction(s, scope, facts);
      return;
    }
    if ((s.kind === "Assign" || s.kind === "AnnAssign") && s.value?.kind === "Call") {
      const targets = s.kind === "Assign" ? s.targets : [s.target];
      for (const t of targets) if (t.kind === "Name") facts.objects.push({ scope, name: t.id, call: s.value });
    }
    for (const root of stmtExprs(s)) {
      walkExpr(root, (e) => {
        if (e.kind === "Call" && e.func.kind === "Attribute") registration(e, e.func.value, e.func.attr, scope, facts);
        return e.kind !== "Lambda";
      });
    }
  });
}

function decoratedFunction(f: FunctionDef, scope: Scope, facts: WiringFacts): void {
  for (const d of f.decorators) {
    if (d.kind !== "Call" || d.func.kind !== "Attribute") continue;
    const attr = d.func.attr;
    if (ROUTE_METHODS.has(attr)) {
      facts.routes.push({ scope, owner: d.func.value, method: attr, call: d, handler: functionSig(f) });
    } else if (attr === "on_event") {
      facts.events.push({ scope, owner: d.func.value, event: d.args[0]?.value ?? null, handler: functionSig(f) });
    }
  }
}

function registration(call: Call, owner: Expr, attr: string, scope: Scope, facts: WiringFacts): void {
  const positional = call.args.filter((a) => a.name === null && a.star === 0).map((a) => a.value);
  const kw = (name: string): Expr | undefined => call.args.find((a) => a.name === name)?.value;
  switch (attr) {
    case "include_router":
      facts.edges.push({ scope, owner, kind: "include", call });
      return;
    case "mount":
      facts.edges.push({ scope, owner, kind: "mount", call });
      return;
    case "add_api_route":
    case "add_api_websocket_route": {
      const endpoint = kw("endpoint") ?? positional[1];
      if (endpoint) facts.routes.push({ scope, owner, method: attr, call, handler: endpoint });
      return;
    }
    case "add_event_handler": {
      const handler = kw("func") ?? positional[1];
      if (handler) facts.events.push({ scope, owner, event: kw("event_type") ?? positional[0] ?? null, handler });
      return;
    }
    default:
      return;
  }
}
