/**
 * One serialisable summary per module: its import bindings and the definitions other modules can
 * reach (functions, classes with attribute types, assignments, type aliases). Expressions are kept as
 * dbfence AST nodes, which are plain data, and are evaluated lazily in the defining module's context.
 */
import type { Call, ClassDef, Expr, FunctionDef, ImportFrom, Module, Param, Stmt } from "../parser/ast.js";
import { stmtExprs, walkExpr, walkStmts } from "../parser/walk.js";
import { collectWiring, type WiringFacts } from "./wiring.js";

export interface ImportBinding {
  /** Absolute module name (relative imports resolved). */
  module: string;
  /** The imported name for `from m import name`; null for `import m` / `import m as x`. */
  name: string | null;
  /** `import a.b` binds `a` but refers to `a.b`: the bound module is `a`. */
  line: number;
}

export interface FunctionSig {
  name: string;
  isAsync: boolean;
  params: Param[];
  returns: Expr | null;
  /** Expressions of `yield` statements, for generator dependencies. */
  yields: Expr[];
  /** Values of `return` statements. */
  returnValues: Expr[];
  decorators: Expr[];
  start: number;
  /**
   * Last value bound to each simple local name (assignments and `with ... as name`), kept only for the
   * names the yielded and returned values can reach (directly or through other kept locals): the only
   * readers evaluate those values. Summaries stay small (they are cached and cross worker threads).
   */
  locals: Record<string, Expr>;
  /**
   * The kept locals bound as `with`-targets (`async with helper() as s`: `locals.s` is `helper()`), true for
   * `async with`: their value is what entering `locals[name]` gives. Absent in summaries of older builds.
   */
  entered?: Record<string, boolean>;
  /**
   * Dotted callees (`a.b.c`, Name/Attribute only) of awaited calls in source order, and whether a `yield`
   * came before (lifespan shutdown). Readers resolve them as names (`TypeInference.resolveExpr`), which
   * cannot resolve any other callee shape, so no other shape is kept.
   */
  awaits: { func: Expr; afterYield: boolean }[];
  /** Dotted callees (Name/Attribute only) of every call in the body: "does this handler call the connector?". */
  callees: Expr[];
  /**
   * The call graph's view of the body (src/semantic/callgraph.ts): calls with a dotted callee, in source order,
   * their arguments kept only where they may hold a value (names, attributes, calls; a literal becomes a
   * `Constant` stub), and the calls of nested functions and lambdas apart (they run later, or never).
   */
  calls: Call[];
  nestedCalls: Call[];
  /** Names bound in the body other than by a simple assignment kept in `locals` (loop targets, imports, ...). */
  opaque: string[];
}

export interface ClassAttr {
  annotation: Expr | null;
  value: Expr | null;
  /** The method whose body assigns `self.<attr>`; null for class-level definitions. */
  method: string | null;
}

export interface ClassSummary {
  name: string;
  bases: Expr[];
  decorators: Expr[];
  attrs: Record<string, ClassAttr[]>;
  methods: Record<string, FunctionSig>;
}

export type SymbolDef =
  | { kind: "function"; sig: FunctionSig }
  | { kind: "class"; cls: ClassSummary }
  | { kind: "assign"; annotation: Expr | null; value: Expr | null; typeAlias: boolean; start: number };

export interface ModuleSummary {
  module: string;
  path: string;
  isPackage: boolean;
  imports: Record<string, ImportBinding>;
  /** Module-level definitions; the last definition of a name wins. */
  symbols: Record<string, SymbolDef>;
  /** FastAPI apps, routers, routes, include/mount edges and lifecycle hooks declared in this module. */
  wiring: WiringFacts;
  /** Names listed in `__all__`, when it is a literal list. */
  exportsAll: string[] | null;
  /** Calls in module-level statements (as `FunctionSig.calls`): they count as calls of project functions. */
  calls: Call[];
}

/** Resolves `from ..x import y` against the importing module. */
export function absoluteModule(importer: string, isPackage: boolean, level: number, module: string): string {
  if (level === 0) return module;
  const parts = importer.split(".");
  // A module's own package is its parent; a package's own package is itself.
  const keep = parts.length - (isPackage ? 0 : 1) - (level - 1);
  const base = parts.slice(0, Math.max(0, keep));
  return [...base, ...(module ? module.split(".") : [])].join(".");
}

/**
 * A record keyed by Python names: no prototype, so names like `constructor` or `__proto__` are plain keys.
 * (JSON round-trips turn it into an ordinary object; readers use `own()`.)
 */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `roots`: other values of the body whose locals are kept (a method's `self.x = value` assignments). */
export function functionSig(f: FunctionDef, roots: readonly Expr[] = []): FunctionSig {
  const yields: Expr[] = [];
  const returnValues: Expr[] = [];
  const locals: Record<string, Expr> = dict();
  const entered: Record<string, boolean> = dict();
  const awaits: FunctionSig["awaits"] = [];
  const callees: Expr[] = [];
  const calls: Call[] = [];
  const bound = new Set<string>();
  let afterYield = false;
  walkStmts(f.body, (s) => {
    for (const root of stmtExprs(s)) {
      walkExpr(root, (e) => {
        if (e.kind === "Yield") afterYield = true;
        else if (e.kind === "Await" && e.value.kind === "Call" && isDotted(e.value.func))
          awaits.push({ func: e.value.func, afterYield });
        else if (e.kind === "Call" && isDotted(e.func)) callees.push(e.func);
        if (e.kind === "Call" && isDotted(e.func)) calls.push(slimCall(e));
        return e.kind !== "Lambda";
      });
    }
    boundNames(s, bound);
    if (s.kind === "Return" && s.value) returnValues.push(s.value);
    if (s.kind === "Assign") {
      for (const t of s.targets) {
        if (t.kind !== "Name") continue;
        locals[t.id] = s.value;
        delete entered[t.id];
      }
    }
    if (s.kind === "With") {
      for (const i of s.items) {
        if (i.target?.kind !== "Name") continue;
        locals[i.target.id] = i.expr;
        entered[i.target.id] = s.isAsync;
      }
    }
    const value = s.kind === "ExprStmt" ? s.value : s.kind === "Assign" || s.kind === "AnnAssign" ? s.value : null;
    if (value && value.kind === "Yield" && value.value) yields.push(value.value);
  });
  const kept = reachableLocals(locals, [...yields, ...returnValues, ...roots, ...calls.flatMap(callRoots)]);
  const keptEntered: Record<string, boolean> = dict();
  for (const n of Object.keys(entered)) if (n in kept) keptEntered[n] = entered[n] === true;
  return {
    name: f.name,
    isAsync: f.isAsync,
    params: f.params,
    returns: f.returns,
    yields,
    returnValues,
    decorators: f.decorators,
    start: f.start,
    locals: kept,
    entered: keptEntered,
    awaits,
    callees,
    calls,
    nestedCalls: nestedCalls(f.body),
    opaque: [...bound].filter((n) => !(n in locals)),
  };
}

/** A call as the call graph keeps it: arguments that cannot hold a project value become `Constant` stubs. */
function slimCall(c: Call): Call {
  return {
    kind: "Call",
    start: c.start,
    end: c.end,
    func: c.func,
    args: c.args.map((a) =>
      mayHoldValue(a.value)
        ? a
        : { ...a, value: { kind: "Constant", start: a.value.start, end: a.value.end, value: "..." } },
    ),
  };
}

function mayHoldValue(e: Expr): boolean {
  switch (e.kind) {
    case "Name":
    case "Attribute":
    case "Call":
    case "Await":
    case "NamedExpr":
    case "Starred":
      return true;
    case "BinOp":
      return e.op === "or" || e.op === "and";
    default:
      return false;
  }
}

/** The expressions a call's evaluation starts from: its receiver and its arguments. */
function callRoots(c: Call): Expr[] {
  return [c.func, ...c.args.map((a) => a.value)];
}

/** Calls inside nested functions, classes and lambdas of a body (they do not run when the body runs). */
function nestedCalls(body: Stmt[]): Call[] {
  const out: Call[] = [];
  const collect = (root: Expr, inLambda: boolean): void => {
    walkExpr(root, (e) => {
      if (e.kind === "Lambda" && !inLambda) {
        collect(e.body, true);
        return false;
      }
      if (inLambda && e.kind === "Call" && isDotted(e.func)) out.push(slimCall(e));
      return true;
    });
  };
  walkStmts(body, (s) => {
    for (const root of stmtExprs(s)) collect(root, false);
    if (s.kind === "FunctionDef" || s.kind === "ClassDef") {
      walkStmts(
        s.body,
        (inner) => {
          for (const root of stmtExprs(inner)) collect(root, true);
        },
        true,
      );
    }
  });
  return out;
}

/** Names a statement binds other than by `name = value` / `with ... as name` (which `locals` keeps). */
function boundNames(s: Stmt, out: Set<string>): void {
  const targets = (t: Expr): void => {
    walkExpr(t, (e) => {
      if (e.kind === "Name") out.add(e.id);
      return e.kind === "Sequence" || e.kind === "Starred" || e.kind === "Name";
    });
  };
  switch (s.kind) {
    case "For":
    case "AugAssign":
    case "AnnAssign":
      targets(s.target);
      break;
    case "Assign":
      for (const t of s.targets) if (t.kind !== "Name") targets(t);
      break;
    case "With":
      for (const i of s.items) if (i.target && i.target.kind !== "Name") targets(i.target);
      break;
    case "Try":
      for (const h of s.handlers) if (h.name) out.add(h.name);
      break;
    case "Import":
      for (const a of s.names) out.add(a.asname ?? (a.name.split(".")[0] as string));
      break;
    case "ImportFrom":
      for (const a of s.names) out.add(a.asname ?? a.name);
      break;
    case "FunctionDef":
    case "ClassDef":
      out.add(s.name);
      break;
    default:
      break;
  }
}

/** `a`, `a.b`, `a.b.c`: a name or an attribute chain over a name. */
export function isDotted(e: Expr): boolean {
  let cur = e;
  while (cur.kind === "Attribute") cur = cur.value;
  return cur.kind === "Name";
}

/** The locals whose names `roots` mention, and the locals their values mention, to a fixpoint. */
function reachableLocals(locals: Record<string, Expr>, roots: readonly Expr[]): Record<string, Expr> {
  const kept: Record<string, Expr> = dict();
  const pending: Expr[] = [...roots];
  for (let e = pending.pop(); e; e = pending.pop()) {
    walkExpr(e, (n) => {
      if (n.kind === "Name" && !(n.id in kept)) {
        const value = locals[n.id];
        if (value) {
          kept[n.id] = value;
          pending.push(value);
        }
      }
      return true;
    });
  }
  return kept;
}

function classSummary(c: ClassDef): ClassSummary {
  const attrs: Record<string, ClassAttr[]> = dict();
  const methods: Record<string, FunctionSig> = dict();
  const add = (name: string, attr: ClassAttr): void => {
    const list = attrs[name];
    if (list) list.push(attr);
    else attrs[name] = [attr];
  };
  for (const s of c.body) {
    if (s.kind === "AnnAssign" && s.target.kind === "Name") {
      add(s.target.id, { annotation: s.annotation, value: s.value, method: null });
    } else if (s.kind === "Assign") {
      for (const t of s.targets) if (t.kind === "Name") add(t.id, { annotation: null, value: s.value, method: null });
    } else if (s.kind === "FunctionDef") {
      const self = s.params[0]?.name;
      const assigned: Expr[] = [];
      if (self) {
        walkStmts(s.body, (inner) => {
          if (inner.kind === "AnnAssign" && isSelfAttr(inner.target, self)) {
            add((inner.target as { attr: string }).attr, {
              annotation: inner.annotation,
              value: inner.value,
              method: s.name,
            });
            if (inner.value) assigned.push(inner.value);
          } else if (inner.kind === "Assign") {
            for (const t of inner.targets) {
              if (!isSelfAttr(t, self)) continue;
              add((t as { attr: string }).attr, { annotation: null, value: inner.value, method: s.name });
              assigned.push(inner.value);
            }
          }
        });
      }
      // The locals `self.x = value` mentions are kept too: attribute types are read from those values.
      methods[s.name] = functionSig(s, assigned);
    }
  }
  return {
    name: c.name,
    bases: c.bases.filter((b) => b.name === null).map((b) => b.value),
    decorators: c.decorators,
    attrs,
    methods,
  };
}

function isSelfAttr(e: Expr, self: string): boolean {
  return e.kind === "Attribute" && e.value.kind === "Name" && e.value.id === self;
}

/** Builds the summary of one parsed module. `line` is a callback from offsets to lines. */
export function summarizeModule(
  module: string,
  path: string,
  isPackage: boolean,
  tree: Module,
  line: (offset: number) => number,
): ModuleSummary {
  const summary: ModuleSummary = {
    module,
    path,
    isPackage,
    imports: dict(),
    symbols: dict(),
    exportsAll: null,
    wiring: collectWiring(tree),
    calls: [],
  };
  // Module-level statements, including those inside if/try blocks (TYPE_CHECKING imports, fallbacks).
  const visit = (s: Stmt): void => {
    for (const root of stmtExprs(s)) {
      walkExpr(root, (e) => {
        if (e.kind === "Call" && isDotted(e.func)) summary.calls.push(slimCall(e));
        return e.kind !== "Lambda";
      });
    }
    switch (s.kind) {
      case "Import":
        for (const a of s.names) {
          if (a.asname) summary.imports[a.asname] = { module: a.name, name: null, line: line(a.start) };
          else {
            const top = a.name.split(".")[0] as string;
            summary.imports[top] = { module: top, name: null, line: line(a.start) };
          }
          delete summary.symbols[a.asname ?? (a.name.split(".")[0] as string)];
        }
        break;
      case "ImportFrom":
        addFromImport(summary, s, line);
        break;
      case "FunctionDef":
        summary.symbols[s.name] = { kind: "function", sig: functionSig(s) };
        delete summary.imports[s.name];
        break;
      case "ClassDef":
        summary.symbols[s.name] = { kind: "class", cls: classSummary(s) };
        delete summary.imports[s.name];
        break;
      case "TypeAlias":
        summary.symbols[s.name] = { kind: "assign", annotation: null, value: s.value, typeAlias: true, start: s.start };
        delete summary.imports[s.name];
        break;
      case "AnnAssign":
        if (s.target.kind === "Name") {
          const typeAlias = isTypeAliasAnnotation(s.annotation);
          summary.symbols[s.target.id] = {
            kind: "assign",
            annotation: typeAlias ? null : s.annotation,
            value: s.value,
            typeAlias,
            start: s.start,
          };
          delete summary.imports[s.target.id];
        }
        break;
      case "Assign":
        for (const t of s.targets) {
          if (t.kind !== "Name") continue;
          if (t.id === "__all__") summary.exportsAll = literalNames(s.value);
          summary.symbols[t.id] = {
            kind: "assign",
            annotation: null,
            value: s.value,
            typeAlias: false,
            start: s.start,
          };
          delete summary.imports[t.id];
        }
        break;
      default:
        break;
    }
  };
  walkStmts(tree.body, visit);
  return summary;
}

function addFromImport(summary: ModuleSummary, s: ImportFrom, line: (offset: number) => number): void {
  const target = absoluteModule(summary.module, summary.isPackage, s.level, s.module);
  for (const a of s.names) {
    const local = a.asname ?? a.name;
    summary.imports[local] = { module: target, name: a.name, line: line(a.start) };
    delete summary.symbols[local];
  }
}

function isTypeAliasAnnotation(e: Expr): boolean {
  const name = e.kind === "Name" ? e.id : e.kind === "Attribute" ? e.attr : "";
  return name === "TypeAlias";
}

function literalNames(e: Expr): string[] | null {
  if (e.kind !== "Sequence") return null;
  const out: string[] = [];
  for (const item of e.items) {
    if (item.kind !== "Str" || item.value === null) return null;
    out.push(item.value);
  }
  return out;
}

/**
 * A summary read back from JSON (the cache's summary store, a worker's answer): the records keyed by Python
 * names get their null prototype back, so that a name like `constructor` or `toString` stays a plain key.
 */
export function reviveSummary(json: string): ModuleSummary {
  const s = JSON.parse(json) as ModuleSummary;
  const bare = (o: object): void => {
    Object.setPrototypeOf(o, null);
  };
  const sig = (f: FunctionSig): void => {
    bare(f.locals);
    if (f.entered) bare(f.entered);
  };
  bare(s.imports);
  bare(s.symbols);
  for (const def of Object.values(s.symbols)) {
    if (def.kind === "function") sig(def.sig);
    else if (def.kind === "class") {
      bare(def.cls.attrs);
      bare(def.cls.methods);
      for (const m of Object.values(def.cls.methods)) sig(m);
    }
  }
  const w = s.wiring;
  bare(w.localFunctions);
  for (const fns of Object.values(w.localFunctions)) {
    bare(fns);
    for (const f of Object.values(fns)) sig(f);
  }
  for (const r of w.routes) if ("params" in r.handler) sig(r.handler as FunctionSig);
  for (const e of w.events) if ("params" in e.handler) sig(e.handler as FunctionSig);
  return s;
}
