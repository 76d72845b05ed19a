/**
 * The project's call graph, as facts of functions computed from module summaries on demand:
 *  - **parameters inferred from their callers**: a parameter without annotation (or annotated `Any`) of a
 *    project function or method holds an async session value when every call of the function found in the
 *    project passes one there (by position or keyword), and at least one call exists;
 *  - **blocking chains**: a sync `def` that blocks on the database (a DBF303-kind call) itself or through
 *    further project sync functions, with the chain of calls that gets there (DBF304).
 *
 * Both are fixpoints over the call graph, computed question by question with TypeInference's memo: a key
 * still being computed answers "no constraint yet" (callers: a greatest fixpoint, so that mutually
 * recursive helpers that only pass the session on are sessions) or "does not block" (chains: a least
 * fixpoint), and an answer that met such a cycle is provisional, so every answer is a function of the
 * question alone, whichever file asks first, on any worker, with or without the cache.
 *
 * Callers are found without reading every module: each file's summary lists the names it calls
 * (`calledNames`), which the engine keeps per file (in the cache too). The modules that call a name are a
 * whole-project fact, read as the key `#calls:<name>`, so a cached finding is checked again when a module
 * starts or stops calling that name; the summaries of the callers are read as ordinary module keys.
 */
import type { Call, Expr, Param } from "../parser/ast.js";
import type { Fact, NameContext, TypeInference } from "./infer.js";
import { ASYNC_SESSION_SYNC_METHODS, ASYNC_SESSION_TYPES, BLOCKING_DRIVERS } from "./knowledge/sqlalchemy.js";
import { qualifiedName } from "./project.js";
import type { ClassSummary, FunctionSig, ModuleSummary } from "./summary.js";

/** Read-set keys of the modules calling a name: `#calls:<name>`. */
export const CALLS_PREFIX = "#calls:";

/** Which modules call something by a name (their summaries list it in `calledNames`). */
export interface CallerIndex {
  modulesCalling(name: string): readonly string[];
}

/** A function or method defined at the top of a module or class body. */
export interface FunctionRef {
  module: string;
  /** `name` or `Class.name`: unique in its module. */
  key: string;
  sig: FunctionSig;
  cls: ClassSummary | null;
  /** A method that receives its instance first (not a staticmethod). */
  bound: boolean;
}

/** What a parameter receives when nothing is known against it yet (a cycle through callers). */
const OPEN = { open: true } as const;
type CallerFact = Fact | null | typeof OPEN;
const isOpen = (f: CallerFact): f is typeof OPEN => f === OPEN;

const BLOCKING_RECEIVERS = new Set(["Session", "Connection", "Engine", "DriverConnection", "DriverCursor"]);

/**
 * The DBF303 kind of blocking call: a method of a sync Session/Connection/Engine value (other than the
 * identity-map methods, which do no I/O) or a blocking driver's `connect`. Its name for messages, or null.
 */
export function blockingCall(receiver: Fact | null, method: string | null, qname: string | null): string | null {
  if (receiver?.t === "db" && BLOCKING_RECEIVERS.has(receiver.db) && method) {
    if (receiver.db === "Session" && ASYNC_SESSION_SYNC_METHODS.has(method)) return null;
    return `${receiver.db}.${method}()`;
  }
  if (qname) {
    const parts = qname.split(".");
    const last = parts.pop();
    if (last === "connect" && BLOCKING_DRIVERS.has(parts.join("."))) return `${qname}()`;
  }
  return null;
}

/** The names a module calls things by: what the engine indexes callers with. */
export function calledNames(s: ModuleSummary): string[] {
  const out = new Set<string>();
  const add = (calls: readonly Call[]): void => {
    for (const c of calls) {
      const name = lastName(c.func);
      if (name) out.add(name);
      // `from m import f as g; g(...)` calls `f`.
      const root = rootOf(c.func);
      const imp = root !== null && c.func.kind === "Name" && Object.hasOwn(s.imports, root) ? s.imports[root] : null;
      if (imp?.name) out.add(imp.name);
    }
  };
  const addSig = (f: FunctionSig): void => {
    add(f.calls);
    add(f.nestedCalls);
  };
  add(s.calls);
  for (const def of Object.values(s.symbols)) {
    if (def.kind === "function") addSig(def.sig);
    else if (def.kind === "class") for (const m of Object.values(def.cls.methods)) addSig(m);
    // `g = f`: calls of `g` may be calls of `f`.
    else if (def.value && (def.value.kind === "Name" || def.value.kind === "Attribute")) {
      const name = lastName(def.value);
      if (name) out.add(name);
    }
  }
  return [...out].sort();
}

function lastName(e: Expr): string | null {
  return e.kind === "Name" ? e.id : e.kind === "Attribute" ? e.attr : null;
}

function rootOf(e: Expr): string | null {
  let cur = e;
  while (cur.kind === "Attribute") cur = cur.value;
  return cur.kind === "Name" ? cur.id : null;
}

interface CallerSite {
  call: Call;
  ctx: NameContext;
  /** The function the call is in (null: module level). */
  caller: FunctionRef | null;
}

const GRAPHS = new WeakMap<TypeInference, CallGraph>();

/** The call graph of an inference's project (one per TypeInference; without an index, no callers are known). */
export function callGraphOf(infer: TypeInference): CallGraph {
  let g = GRAPHS.get(infer);
  if (!g) {
    g = new CallGraph(infer, null);
    GRAPHS.set(infer, g);
  }
  return g;
}

/** Gives `infer` the facts of parameters inferred from their callers, found through `index`. */
export function attachCallGraph(infer: TypeInference, index: CallerIndex): CallGraph {
  const g = new CallGraph(infer, index);
  GRAPHS.set(infer, g);
  infer.paramSource = g;
  return g;
}

export class CallGraph {
  private readonly tables = new WeakMap<ModuleSummary, Map<number, FunctionRef>>();
  /** Per module: its calls by the name they call (last attribute, or the imported name), in body order. */
  private readonly callTables = new WeakMap<ModuleSummary, Map<string, { call: Call; caller: FunctionRef | null }[]>>();

  constructor(
    private readonly infer: TypeInference,
    private readonly index: CallerIndex | null,
  ) {}

  /** Functions and methods defined at the top of a module or of its classes. */
  private refs(s: ModuleSummary): FunctionRef[] {
    const out: FunctionRef[] = [];
    for (const [name, def] of Object.entries(s.symbols)) {
      if (def.kind === "function") out.push({ module: s.module, key: name, sig: def.sig, cls: null, bound: false });
      else if (def.kind === "class") {
        for (const [m, sig] of Object.entries(def.cls.methods)) out.push(methodRef(s.module, def.cls, m, sig));
      }
    }
    return out;
  }

  /** Functions and methods of a module by the offset of each of their parameters. */
  private functions(s: ModuleSummary): Map<number, FunctionRef> {
    let t = this.tables.get(s);
    if (t) return t;
    t = new Map();
    for (const ref of this.refs(s)) for (const p of ref.sig.params) t.set(p.start, ref);
    this.tables.set(s, t);
    return t;
  }

  /**
   * Does a function of this module, named in `called`, receive an async session from its callers (the
   * engine's prefilter seeds such modules)?
   */
  receivesSession(s: ModuleSummary, called: ReadonlySet<string>): boolean {
    const ctx = this.infer.moduleContext(s.module);
    for (const ref of this.refs(s)) {
      if (!called.has(ref.sig.name)) continue;
      for (const p of ref.sig.params) if (this.paramFact(p, ctx)?.t === "db") return true;
    }
    return false;
  }

  /** ParamSource: the fact of a parameter whose annotation tells nothing, from the function's callers. */
  paramFact(p: Param, ctx: NameContext): Fact | null {
    if (!this.index || p.category !== "plain" || !p.name || p.default?.kind === "Call") return null;
    if (p.annotation && !this.isAny(p.annotation, ctx)) return null;
    const summary = this.infer.project.get(ctx.module);
    const fn = summary ? this.functions(summary).get(p.start) : undefined;
    if (!fn) return null;
    const f = this.fromCallersOf(fn, p.name);
    return isOpen(f) ? null : f;
  }

  private isAny(annotation: Expr, ctx: NameContext): boolean {
    if (annotation.kind === "Str") return annotation.value === "Any";
    const q = this.infer.qname(annotation, ctx);
    return q === "typing.Any" || q === "typing_extensions.Any";
  }

  /** Where a parameter sits in a call: its position among positional arguments (null: keyword-only). */
  private slot(fn: FunctionRef, name: string): { position: number | null; eligible: boolean } {
    let position = 0;
    let keywordOnly = false;
    for (const [i, q] of fn.sig.params.entries()) {
      const self = i === 0 && fn.bound;
      if (q.category !== "plain") keywordOnly = true;
      else if (q.name === name)
        return self ? { position: null, eligible: false } : { position: keywordOnly ? null : position, eligible: true };
      else if (q.name !== "" && !self) position++;
    }
    return { position: null, eligible: false };
  }

  private fromCallersOf(fn: FunctionRef, param: string): CallerFact {
    if (isRouteHandler(fn, this.infer)) return null;
    const { position, eligible } = this.slot(fn, param);
    if (!eligible || fn.key.endsWith(".__init__")) return null;
    return this.infer.memoized<CallerFact>(
      `c\0${fn.module}\0${fn.key}\0${param}`,
      () => this.fromCallers(fn, position, param),
      OPEN,
    );
  }

  private fromCallers(fn: FunctionRef, position: number | null, param: string): CallerFact {
    const sites = this.callsOf(fn);
    if (sites === null) return OPEN;
    if (sites.length === 0) return null;
    let agreed: Fact | null = null;
    for (const site of sites) {
      const arg = argumentFor(site.call, position, param);
      if (!arg) return null;
      const f = this.argumentFact(arg, site);
      if (isOpen(f)) continue;
      if (f?.t !== "db" || !ASYNC_SESSION_TYPES.has(f.db)) return null;
      if (agreed?.t === "db" && agreed.db !== f.db) return null;
      agreed = f;
    }
    // Only calls that pass the parameter on around a cycle: nothing is known against it yet.
    return agreed ?? OPEN;
  }

  /** A caller's own parameter passed on is asked as such: a cycle through callers stays open, not unknown. */
  private argumentFact(arg: Expr, site: CallerSite): CallerFact {
    const caller = site.caller;
    if (arg.kind === "Name" && caller && !Object.hasOwn(caller.sig.locals, arg.id)) {
      const p = caller.sig.params.find((q) => q.name === arg.id);
      if (p && p.category === "plain" && !(caller.bound && p === caller.sig.params[0])) {
        const ctx = this.infer.moduleContext(caller.module);
        if (!p.annotation || this.isAny(p.annotation, ctx)) {
          if (p.default?.kind === "Call") return this.infer.paramType(p, ctx);
          return this.fromCallersOf(caller, p.name);
        }
        return this.infer.paramType(p, ctx);
      }
    }
    return this.infer.valueType(arg, site.ctx);
  }

  /** Every call of `fn` found in the modules that call its name (null: asked again while finding them). */
  private callsOf(fn: FunctionRef): CallerSite[] | null {
    return this.infer.memoized<CallerSite[] | null>(`s\0${fn.module}\0${fn.key}`, () => this.findCalls(fn), null);
  }

  private findCalls(fn: FunctionRef): CallerSite[] {
    const name = fn.sig.name;
    this.infer.project.note([`${CALLS_PREFIX}${name}`]);
    const modules = new Set([fn.module, ...(this.index?.modulesCalling(name) ?? [])]);
    const out: CallerSite[] = [];
    for (const m of [...modules].sort()) {
      const s = this.infer.project.get(m);
      if (!s) continue;
      // One context per caller, made only when one of its calls names `name`.
      const contexts = new Map<FunctionRef | null, NameContext>();
      for (const { call, caller } of this.callTable(s).get(name) ?? []) {
        let context = contexts.get(caller);
        if (context === undefined) {
          context = caller === null ? this.infer.moduleContext(m) : this.functionContext(caller);
          contexts.set(caller, context);
        }
        if (this.isCallOf(call, context, fn)) out.push({ call, ctx: context, caller });
      }
    }
    return out;
  }

  /** Built once per module, so finding the calls of each of its N functions is not N scans of N bodies. */
  private callTable(s: ModuleSummary): Map<string, { call: Call; caller: FunctionRef | null }[]> {
    let table = this.callTables.get(s);
    if (table) return table;
    const t = new Map<string, { call: Call; caller: FunctionRef | null }[]>();
    const add = (calls: readonly Call[], caller: FunctionRef | null): void => {
      for (const call of calls) {
        const f = call.func;
        const last = lastName(f);
        const imported = f.kind === "Name" && Object.hasOwn(s.imports, f.id) ? s.imports[f.id]?.name : null;
        for (const n of new Set([last, imported])) {
          if (!n) continue;
          const list = t.get(n);
          if (list) list.push({ call, caller });
          else t.set(n, [{ call, caller }]);
        }
      }
    };
    add(s.calls, null);
    for (const ref of this.refs(s)) {
      add(ref.sig.calls, ref);
      add(ref.sig.nestedCalls, ref);
    }
    table = t;
    this.callTables.set(s, table);
    return table;
  }

  private isCallOf(call: Call, ctx: NameContext, fn: FunctionRef): boolean {
    const target = this.callee(call.func, ctx);
    return target !== null && target.module === fn.module && target.key === fn.key;
  }

  /**
   * The project function or method a callee expression names: a module-level function (through imports and
   * aliases), or a method of a project class reached through an instance (`self.m`, `self.repo.m`, `repo.m`).
   */
  callee(func: Expr, ctx: NameContext): FunctionRef | null {
    const r = this.infer.dealias(this.infer.resolveExpr(func, ctx));
    if (r?.kind === "symbol" && r.def.kind === "function")
      return { module: r.module, key: r.name, sig: r.def.sig, cls: null, bound: false };
    if (func.kind !== "Attribute") return null;
    const recv = this.infer.valueType(func.value, ctx);
    if (recv?.t !== "instance") return null;
    const cls = this.classOf(recv.module, recv.cls);
    const found = cls ? this.infer.findMethod(recv.module, cls, func.attr) : null;
    const owner = found ? this.ownerOf(found.module, found.sig) : null;
    return found && owner ? methodRef(found.module, owner, found.sig.name, found.sig) : null;
  }

  private classOf(module: string, cls: string): ClassSummary | null {
    const def = this.infer.project.get(module)?.symbols[cls];
    return def?.kind === "class" ? def.cls : null;
  }

  private ownerOf(module: string, sig: FunctionSig): ClassSummary | null {
    const s = this.infer.project.get(module);
    if (!s) return null;
    for (const def of Object.values(s.symbols))
      if (def.kind === "class" && def.cls.methods[sig.name] === sig) return def.cls;
    return null;
  }

  /** Names inside a function: its parameters, its locals by their last value, other bound names unknown. */
  functionContext(fn: FunctionRef): NameContext {
    const base = this.infer.moduleContext(fn.module);
    const params = new Map(fn.sig.params.filter((p) => p.name).map((p) => [p.name, p]));
    const opaque = new Set(fn.sig.opaque);
    const visiting = new Set<string>();
    const ctx: NameContext = {
      module: fn.module,
      resolveName: base.resolveName,
      localFact: (name) => {
        const value = Object.hasOwn(fn.sig.locals, name) ? fn.sig.locals[name] : undefined;
        if (value) {
          if (visiting.has(name)) return null;
          visiting.add(name);
          try {
            return this.infer.valueType(value, ctx);
          } finally {
            visiting.delete(name);
          }
        }
        const p = params.get(name);
        if (p) {
          if (fn.bound && fn.cls && p === fn.sig.params[0]) return this.infer.classInstanceType(fn.module, fn.cls);
          return this.infer.paramType(p, base);
        }
        return opaque.has(name) ? null : undefined;
      },
    };
    return ctx;
  }

  /**
   * The chain of calls through which a project sync function blocks on the database (`_fetch()`,
   * `Session.execute()`), or null. A call through code that does not resolve does not count.
   */
  blockingChain(fn: FunctionRef): string[] | null {
    if (fn.sig.isAsync) return null;
    return this.infer.memoized<string[] | null>(`b\0${fn.module}\0${fn.key}`, () => this.blocking(fn), null);
  }

  private blocking(fn: FunctionRef): string[] | null {
    let ctx: NameContext | null = null;
    for (const call of fn.sig.calls) {
      ctx ??= this.functionContext(fn);
      const func = call.func;
      const receiver = func.kind === "Attribute" ? this.infer.valueType(func.value, ctx) : null;
      const direct = blockingCall(
        receiver,
        func.kind === "Attribute" ? func.attr : null,
        qualifiedName(this.infer.resolveExpr(func, ctx)),
      );
      if (direct) return [direct];
      const target = this.callee(func, ctx);
      if (!target || target.sig.isAsync) continue;
      const rest = this.blockingChain(target);
      if (rest) return [`${target.key}()`, ...rest];
    }
    return null;
  }
}

function methodRef(module: string, cls: ClassSummary, name: string, sig: FunctionSig): FunctionRef {
  const bound = !sig.decorators.some((d) => d.kind === "Name" && d.id === "staticmethod");
  return { module, key: `${cls.name}.${name}`, sig, cls, bound };
}

/** The argument a call passes for a parameter (by position or keyword); null when it passes none. */
function argumentFor(call: Call, position: number | null, name: string): Expr | null {
  let index = 0;
  for (const a of call.args) {
    if (a.star !== 0) return null;
    if (a.name === name) return a.value;
    if (a.name === null) {
      if (index === position) return a.value;
      index++;
    }
  }
  return null;
}

/** FastAPI calls a route handler, not the project: its parameters are not inferred from project calls. */
function isRouteHandler(fn: FunctionRef, infer: TypeInference): boolean {
  const s = infer.project.get(fn.module);
  return !!s?.wiring.routes.some((r) => "params" in r.handler && r.handler.start === fn.sig.start);
}
