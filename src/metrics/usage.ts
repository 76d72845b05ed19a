/**
 * Connector usage points: the places that use the database through the connector. Definitions
 * (docs/commands/metrics.md says the same):
 *
 * - a **session parameter** point is a function outside the connector (handler, dependency, service,
 *   method) with a parameter that receives the connector's session:
 *   1. directly: `= Depends(get_db_session)`, `Annotated[AsyncSession, Depends(get_db_session)]`, or an
 *      alias of either (any name in `session-dependency`, defined in the connector);
 *   2. through a chain of `Depends(...)` that ends at the session dependency (`Depends(get_repo)` where
 *      `get_repo` itself takes `Depends(get_db_session)`); or
 *   3. by a call: the parameter is annotated `AsyncSession` and the function is called, from a function
 *      already counted, with an `AsyncSession` argument (repeated until nothing changes). Calls are
 *      followed to functions, classes (`__init__`) and methods of instances of known classes.
 *   Each function counts once, however many such parameters it has.
 * - a **connector call** point is each call site, outside the connector, of a function the connector
 *   defines whose name is in `connector-api` (`await initialize_database()`, `health_check_database()`).
 *
 * Usage points = session parameter points + connector call points. The **grep count** is what the
 * seed's `grep -rn get_db_session --include=*.py | grep -v core/database.py | wc -l` counts: lines of
 * the checked `.py` files outside the connector that contain a `session-dependency` name, comments,
 * strings and imports included. It is shown beside the usage points, not compared with a threshold.
 */
import type { DbfenceConfig } from "../config/load.js";
import type { Expr, Param } from "../parser/ast.js";
import { connectorFunction } from "../rules/wiring/connector-calls.js";
import { connectorApi } from "../semantic/connector-api.js";
import { databaseChain } from "../semantic/fastapi.js";
import type { NameContext, TypeInference } from "../semantic/infer.js";
import type { FunctionIndex, ProjectFunction } from "./functions.js";
import type { AnalysedProject } from "./project.js";

export interface UsagePoint {
  kind: "session-parameter" | "connector-call";
  /** Relative to the project root, `/` separators. */
  path: string;
  line: number;
  /** The function that receives the session, or the one the call is in (`<module>` at module level). */
  function: string;
  /** `Depends(get_db_session)`, `Depends(get_repo) → Depends(get_db_session)`, `AsyncSession from list_items()`, `initialize_database()`. */
  via: string;
}

export interface ConnectorUsage {
  /** `sessionParameters + connectorCalls`: the number compared with `connector-usage-points-min`. */
  points: number;
  sessionParameters: number;
  connectorCalls: number;
  /** Lines containing a session-dependency name in `.py` files outside the connector (the seed's grep). */
  grepCount: number;
  /** The names the grep looks for (`session-dependency`). */
  grepNames: string[];
  /** Every point, sorted by path and line. */
  list: UsagePoint[];
}

export function connectorUsage(
  project: AnalysedProject,
  functions: FunctionIndex,
  config: DbfenceConfig,
): ConnectorUsage {
  const infer = project.infer;
  const sessionDeps = new Set(config.sessionDependency);
  const outside = functions.all.filter((f) => !f.file.isConnector);

  // 1 and 2: Depends, directly or through a chain.
  const receivers = new Map<ProjectFunction, string>();
  for (const f of outside) {
    const via = dependsVia(f, infer, sessionDeps);
    if (via) receivers.set(f, via);
  }
  // 3: AsyncSession-annotated parameters of functions called with a session by a counted function.
  const candidates = new Set(outside.filter((f) => !receivers.has(f) && hasAsyncSessionParameter(f, infer)));
  const queue = [...receivers.keys()];
  while (queue.length > 0 && candidates.size > 0) {
    const caller = queue.shift() as ProjectFunction;
    for (const site of caller.calls) {
      const callee = functions.callee(site);
      if (!callee || !candidates.has(callee)) continue;
      const passesSession = site.call.args.some((a) => isAsyncSession(infer.valueType(a.value, site.ctx)));
      if (!passesSession) continue;
      candidates.delete(callee);
      receivers.set(callee, `AsyncSession from ${caller.name}()`);
      queue.push(callee);
    }
  }

  const list: UsagePoint[] = [];
  for (const [f, via] of receivers) {
    if (!f.file.reported) continue;
    list.push({ kind: "session-parameter", path: f.file.rel, line: f.line, function: f.name, via });
  }
  const api = connectorApi(config.connectorApi, infer.options.connectors);
  for (const file of project.files) {
    if (!file.reported || file.isConnector || !file.parsed || file.rel.endsWith(".pyi")) continue;
    for (const site of file.parsed.facts.calls) {
      const name = connectorFunction(site.call.func, site.ctx, infer);
      const r = name === null ? null : infer.dealias(infer.resolveExpr(site.call.func, site.ctx));
      if (name === null || r?.kind !== "symbol" || !api.allows(r.module, name)) continue;
      list.push({
        kind: "connector-call",
        path: file.rel,
        line: file.parsed.lines.lineOf(site.call.start),
        function: site.fn ? (functions.of(site.fn)?.name ?? site.fn.def.name) : "<module>",
        via: `${name}()`,
      });
    }
  }
  list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));

  const sessionParameters = list.filter((p) => p.kind === "session-parameter").length;
  const connectorCalls = list.length - sessionParameters;
  return {
    points: list.length,
    sessionParameters,
    connectorCalls,
    grepCount: grepCount(project, config.sessionDependency),
    grepNames: [...config.sessionDependency],
    list,
  };
}

/** How a function's parameters receive the connector's session through `Depends`, or null. */
function dependsVia(f: ProjectFunction, infer: TypeInference, sessionDeps: ReadonlySet<string>): string | null {
  const ctx = f.fn.outer;
  const direct = directSessionParameter(f, infer);
  if (direct) return `Depends(${direct})`;
  for (const p of f.fn.def.params) {
    const chain = databaseChain([p], ctx, infer);
    const last = chain?.[chain.length - 1];
    if (chain && last !== undefined && sessionDeps.has(last)) return chain.map((c) => `Depends(${c})`).join(" → ");
  }
  return null;
}

/** The connector's session dependency a parameter receives directly (also through aliases), or null. */
export function directSessionParameter(f: ProjectFunction, infer: TypeInference): string | null {
  for (const p of f.fn.def.params) {
    const direct = directSessionDependency(p, f.fn.outer, infer);
    if (direct) return direct;
  }
  return null;
}

/** The session dependency a parameter names directly (inline, `Annotated`, or a module-level alias of a `Depends`). */
function directSessionDependency(p: Param, ctx: NameContext, infer: TypeInference): string | null {
  const found = infer.dependsOrAlias(p.default, ctx) ?? annotated(p.annotation, ctx, infer);
  if (!found || !infer.isSessionDependency(found.target, found.ctx)) return null;
  const r = infer.dealias(infer.resolveExpr(found.target as Expr, found.ctx));
  return r?.kind === "symbol" ? r.name : null;
}

function annotated(
  e: Expr | null,
  ctx: NameContext,
  infer: TypeInference,
): { target: Expr | undefined; ctx: NameContext } | null {
  const a = infer.annotatedDepends(e, ctx);
  return a ? { target: a.target, ctx: a.ctx } : null;
}

function hasAsyncSessionParameter(f: ProjectFunction, infer: TypeInference): boolean {
  return f.fn.def.params.some(
    (p) => p.annotation !== null && isAsyncSession(infer.annotationType(p.annotation, f.fn.outer)),
  );
}

function isAsyncSession(fact: ReturnType<TypeInference["valueType"]>): boolean {
  return fact?.t === "db" && fact.db === "AsyncSession";
}

/** Lines with a session-dependency name, in the reported `.py` files outside the connector. */
function grepCount(project: AnalysedProject, names: readonly string[]): number {
  if (names.length === 0) return 0;
  let count = 0;
  for (const file of project.files) {
    if (!file.reported || file.isConnector || file.text === null || !file.rel.endsWith(".py")) continue;
    for (const line of file.text.split(/\r\n|\r|\n/)) if (names.some((n) => line.includes(n))) count++;
  }
  return count;
}
