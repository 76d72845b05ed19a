/**
 * What a module declares about FastAPI wiring, as plain data for the module summary: objects built
 * with a call (`app = FastAPI(...)`, `router = APIRouter(...)`), routes, `include_router`/`mount` edges
 * lifecycle hooks, and calls that hand such an object (or a parameter) to other code (`register_routes(app)`).
 * Statements at module level, inside top-level functions (app factories, registration helpers) and inside
 * methods of top-level classes (`self.add_api_route(...)` in an APIRouter subclass) are read; which calls
 * really are FastAPI's is decided later, across modules (src/semantic/apps.ts).
 */
import type { Call, Expr, FunctionDef, Module, Stmt } from "../parser/ast.js";
import { stmtExprs, walkExpr, walkStmts } from "../parser/walk.js";
import { APP_METHODS, ENDPOINT_REGISTRATIONS, ROUTE_METHODS } from "./knowledge/fastapi.js";
import { dict, type FunctionSig, functionSig } from "./summary.js";

/**
 * `null` scope: module level; otherwise the name of the top-level function (an app factory, a registration
 * helper), or `Class.method` for a method of a top-level class.
 */
type Scope = string | null;

/**
 * A call handing names to other code: `register_routes(app)`, `setup(router=router)`. Kept when an argument
 * is a plain name bound to an object creation (module level or the same scope) or a parameter of the scope.
 */
export interface WiringCall {
  scope: Scope;
  func: Expr;
  /** The name arguments: by position (`index`) or by keyword. */
  args: { index: number | null; keyword: string | null; name: string }[];
}

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
  calls: WiringCall[];
  /** Functions defined inside app factories, by factory then name (handlers registered by name). */
  localFunctions: Record<string, Record<string, FunctionSig>>;
}

export function collectWiring(tree: Module): WiringFacts {
  const facts: WiringFacts = { objects: [], routes: [], edges: [], events: [], calls: [], localFunctions: dict() };
  const globals = new Set<string>();
  collectScope(tree.body, null, facts, { params: new Set(), objects: globals, keepObjects: true });
  for (const s of tree.body) {
    if (s.kind === "FunctionDef") {
      collectScope(s.body, s.name, facts, { params: paramNames(s), objects: new Set(globals), keepObjects: true });
    } else if (s.kind === "ClassDef") {
      // Methods: registrations on `self` or on routers, and names handed on; their locals are not app objects.
      for (const m of s.body) {
        if (m.kind !== "FunctionDef") continue;
        const scope = `${s.name}.${m.name}`;
        collectScope(m.body, scope, facts, { params: paramNames(m), objects: new Set(globals), keepObjects: false });
      }
    }
  }
  return facts;
}

interface ScopeNames {
  params: ReadonlySet<string>;
  /** Names bound to an object creation so far (module level ones included). */
  objects: Set<string>;
  keepObjects: boolean;
}

function paramNames(f: FunctionDef): Set<string> {
  return new Set(f.params.map((p) => p.name).filter((n) => n !== ""));
}

function collectScope(body: Stmt[], scope: Scope, facts: WiringFacts, names: ScopeNames): void {
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
    for (const root of stmtExprs(s)) {
      walkExpr(root, (e) => {
        if (e.kind === "Call") {
          if (e.func.kind === "Attribute") registration(e, e.func.value, e.func.attr, scope, facts);
          handOver(e, scope, facts, names);
        }
        return e.kind !== "Lambda";
      });
    }
    if ((s.kind === "Assign" || s.kind === "AnnAssign") && s.value?.kind === "Call") {
      const targets = s.kind === "Assign" ? s.targets : [s.target];
      for (const t of targets) {
        if (t.kind !== "Name") continue;
        names.objects.add(t.id);
        if (names.keepObjects) facts.objects.push({ scope, name: t.id, call: s.value });
      }
    }
  });
}

/** Records a call that passes an object or a parameter by name to code other than the app's own methods. */
function handOver(call: Call, scope: Scope, facts: WiringFacts, names: ScopeNames): void {
  if (call.func.kind === "Attribute" && APP_METHODS.has(call.func.attr)) return;
  const args: WiringCall["args"] = [];
  call.args.forEach((a, i) => {
    if (a.star !== 0 || a.value.kind !== "Name") return;
    const id = a.value.id;
    if (!names.params.has(id) && !names.objects.has(id)) return;
    args.push({ index: a.name === null ? i : null, keyword: a.name, name: id });
  });
  if (args.length > 0) facts.calls.push({ scope, func: call.func, args });
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
      const at = ENDPOINT_REGISTRATIONS[attr] as { position: number; keyword: string };
      const endpoint = kw(at.keyword) ?? positional[at.position];
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
