/**
 * Small type inference for database values: "is this expression an AsyncSession?" — from annotations
 * (Annotated, Optional, unions, NewType, aliases, subclasses, string forward references), FastAPI
 * `Depends(...)`, factory calls, context managers, method results and class attributes, across modules.
 * Names alone never decide.
 */

import type { Call, Expr, Param } from "../parser/ast.js";
import { parsePython } from "../parser/index.js";
import {
  CALLABLE_TYPES,
  CONTEXT_MANAGER_DECORATORS,
  CONTEXT_MANAGER_TYPES,
  ENTER_METHODS,
  ENTERING_METHODS,
  type EnterKind,
  PARTIAL_CALLABLES,
  PROPERTY_DECORATORS,
} from "./knowledge/contextlib.js";
import { APP_CLASSES } from "./knowledge/fastapi.js";
import {
  ASYNC_SESSION_TYPES,
  BLOCKING_DRIVERS,
  CALL_RESULTS,
  CLASS_TYPES,
  type DbType,
  METHOD_RESULTS,
} from "./knowledge/sqlalchemy.js";
import { type ProjectIndex, qualifiedName, type Resolved } from "./project.js";
import type { ClassSummary, FunctionSig, SymbolDef } from "./summary.js";

export type Fact =
  | { t: "db"; db: DbType }
  | { t: "instance"; module: string; cls: string }
  | { t: "ref"; r: Resolved }
  /** A FastAPI application or router object. */
  | { t: "app"; kind: "FastAPI" | "APIRouter" }
  /** A context manager: entering it (`async with` when `async`, else `with`) gives `value`. */
  | { t: "cm"; async: boolean; value: Fact }
  /** A callable whose call gives `result` (`functools.partial(...)`, `asynccontextmanager(fn)`, a bound method). */
  | { t: "callable"; result: Fact }
  /** An instance of a library class dbfence follows (knowledge/contextlib.ts `ENTERING_METHODS`). */
  | { t: "object"; qname: string }
  /**
   * A union of sync and async database types (`Engine | AsyncEngine`): neither, until `isinstance` narrows
   * it or `await` / `async with` shows it is the async one.
   */
  | { t: "union"; options: Fact[] };

/** Resolves names where an expression is evaluated. */
export interface NameContext {
  module: string;
  /** Resolves a bare name to something module-level or imported; null when local or unknown. */
  resolveName(name: string): Resolved | null;
  /** The fact of a local variable, if the name is local. `undefined` means "not a local". */
  localFact(name: string): Fact | null | undefined;
  /** What a name was last bound to (function locals, else module-level assignments). */
  binding?(name: string): { value: Expr; stmtStart: number; parts?: { value: Expr; stmtStart: number }[] } | null;
}

/**
 * What a parameter without a telling annotation receives, from outside the function (the call graph,
 * src/semantic/callgraph.ts, infers it from the function's callers).
 */
export interface ParamSource {
  paramFact(p: Param, ctx: NameContext): Fact | null;
}

export interface InferOptions {
  /** Connector modules (dotted). */
  connectors: readonly string[];
  /** Names of connector functions that yield an AsyncSession. */
  sessionDependencies: readonly string[];
}

const TYPING = new Set(["typing", "typing_extensions"]);
const ITERATOR_WRAPPERS = new Set([
  "AsyncIterator",
  "AsyncGenerator",
  "Iterator",
  "Generator",
  "AsyncIterable",
  "Iterable",
  "Awaitable",
  "Coroutine",
  "ContextManager",
  "AsyncContextManager",
  "AbstractContextManager",
  "AbstractAsyncContextManager",
]);
const FORWARD_REF_CACHE = new Map<string, Expr | null>();

/** Alias hops (`A = B`, `B = C`, ...) followed before giving up; far beyond any real chain. */
export const ALIAS_LIMIT = 200;

export class TypeInference {
  private readonly depth = { n: 0 };
  /**
   * Where a limit cut a chain of reasoning (alias hops, `Depends` levels): module, source offset and what,
   * joined by NUL. The engine
   * prints them as notices, so a finding lost to a limit is never lost in silence.
   */
  readonly limitCuts = new Set<string>();

  /** Records that a limit cut the chain at `offset` of `module`'s source. */
  noteLimit(module: string, offset: number, what: string): void {
    this.limitCuts.add(`${module}\0${offset}\0${what}`);
  }
  /** Set by the engine: facts of parameters that their annotation does not give. */
  paramSource: ParamSource | null = null;

  constructor(
    readonly project: ProjectIndex,
    readonly options: InferOptions,
  ) {}

  isConnectorModule(module: string): boolean {
    return this.options.connectors.some((c) => module === c || module.startsWith(`${c}.`));
  }

  /** A module-level context for evaluating expressions stored in a module summary. */
  moduleContext(module: string): NameContext {
    return {
      module,
      resolveName: (name) => this.project.resolveMember(module, name) ?? builtin(name),
      localFact: () => undefined,
      binding: (name) => {
        const def = this.project.get(module)?.symbols[name];
        return def?.kind === "assign" && def.value ? { value: def.value, stmtStart: def.start } : null;
      },
    };
  }

  /** Resolves a Name/Attribute chain to what it refers to (module, class, function, library member). */
  resolveExpr(e: Expr, ctx: NameContext): Resolved | null {
    if (e.kind === "Name") {
      if (ctx.localFact(e.id) !== undefined) return null;
      return ctx.resolveName(e.id);
    }
    if (e.kind === "Attribute") {
      const base = this.resolveExpr(e.value, ctx);
      return base ? this.project.resolveAttribute(base, e.attr) : null;
    }
    return null;
  }

  /** Parses the text of a string annotation (forward reference). */
  annotationExpr(text: string): Expr | null {
    return forwardRef(text);
  }

  qname(e: Expr, ctx: NameContext): string | null {
    return qualifiedName(this.resolveExpr(e, ctx));
  }

  /** Follows module-level aliases (`X = Y`, `X: TypeAlias = Y`, `type X = Y`) to what they finally name. */
  dealias(r: Resolved | null): Resolved | null {
    let current = r;
    for (let seen = 0; current?.kind === "symbol" && current.def.kind === "assign"; seen++) {
      const v = current.def.value;
      if (!v || (v.kind !== "Name" && v.kind !== "Attribute")) return current;
      if (seen >= ALIAS_LIMIT) {
        // A cycle (`A = B`, `B = A`) ends here too; only a long chain that is not a cycle is worth a notice.
        if (!this.aliasCycle(current)) this.noteLimit(current.module, v.start, `more than ${ALIAS_LIMIT} alias hops`);
        return current;
      }
      const next = this.resolveExpr(v, this.moduleContext(current.module));
      if (next === null) return current;
      current = next;
    }
    return current;
  }

  /** Whether following aliases from `r` comes back to a symbol already seen. */
  private aliasCycle(r: Resolved): boolean {
    const seen = new Set<string>();
    let current: Resolved | null = r;
    while (current?.kind === "symbol" && current.def.kind === "assign") {
      const key = `${current.module}.${current.name}`;
      if (seen.has(key)) return true;
      seen.add(key);
      const v = current.def.value;
      if (!v || (v.kind !== "Name" && v.kind !== "Attribute")) return false;
      current = this.resolveExpr(v, this.moduleContext(current.module));
    }
    return false;
  }

  /** The database type an annotation denotes, if any. */
  annotationType(e: Expr | null, ctx: NameContext): Fact | null {
    if (!e) return null;
    if (this.depth.n > 60) {
      this.cut();
      return null;
    }
    this.depth.n++;
    try {
      return this.annotationTypeInner(e, ctx);
    } finally {
      this.depth.n--;
    }
  }

  private annotationTypeInner(e: Expr, ctx: NameContext): Fact | null {
    switch (e.kind) {
      case "Str": {
        const inner = e.value === null ? null : forwardRef(e.value);
        return inner ? this.annotationType(inner, ctx) : null;
      }
      case "Name":
      case "Attribute":
        return this.typeOfResolvedAnnotation(this.resolveExpr(e, ctx));
      case "BinOp":
        if (e.op !== "|") return null;
        return unionOf([this.annotationType(e.left, ctx), this.annotationType(e.right, ctx)]);
      case "Subscript": {
        const base = this.dealias(this.resolveExpr(e.value, ctx));
        const q = qualifiedName(base);
        const last = q?.split(".").pop() ?? "";
        const pkg = q?.split(".")[0] ?? "";
        if (
          TYPING.has(pkg) &&
          (last === "Annotated" || last === "Optional" || last === "Final" || last === "ClassVar")
        ) {
          return this.annotationType(e.items[0] ?? null, ctx);
        }
        if (TYPING.has(pkg) && last === "Union") return unionOf(e.items.map((item) => this.annotationType(item, ctx)));
        if (q !== null && CALLABLE_TYPES.has(q)) {
          // `Callable[[...], R]`: calling the value gives an R.
          const result = this.annotationType(e.items[1] ?? null, ctx);
          return result ? { t: "callable", result } : null;
        }
        const cm = q !== null && Object.hasOwn(CONTEXT_MANAGER_TYPES, q) ? CONTEXT_MANAGER_TYPES[q] : undefined;
        if (cm) {
          const value = this.annotationType(e.items[0] ?? null, ctx);
          return value ? { t: "cm", async: cm === "async", value } : null;
        }
        // A generic class (async_sessionmaker[AsyncSession]) is still that class.
        return this.typeOfResolvedAnnotation(base);
      }
      default:
        return null;
    }
  }

  private typeOfResolvedAnnotation(r: Resolved | null): Fact | null {
    if (!r) return null;
    if (r.kind === "external") {
      const db = CLASS_TYPES[r.qname];
      return db ? { t: "db", db } : null;
    }
    if (r.kind !== "symbol") return null;
    const def = r.def;
    const ctx = this.moduleContext(r.module);
    if (def.kind === "class") return this.classInstanceType(r.module, def.cls);
    if (def.kind === "assign" && def.value) {
      const newType = this.newTypeBase(def.value, ctx);
      if (newType) return this.annotationType(newType, ctx);
      if (def.typeAlias || looksLikeType(def.value)) return this.annotationType(def.value, ctx);
    }
    return null;
  }

  private newTypeBase(v: Expr, ctx: NameContext): Expr | null {
    if (v.kind !== "Call") return null;
    const q = this.qname(v.func, ctx);
    if (q !== "typing.NewType" && q !== "typing_extensions.NewType") return null;
    return v.args[1]?.value ?? null;
  }

  /** An instance of a project class: a database type when the class subclasses one. */
  classInstanceType(module: string, cls: ClassSummary, seen = 0): Fact {
    if (seen < 10) {
      const ctx = this.moduleContext(module);
      for (const b of cls.bases) {
        const base = this.dealias(this.resolveExpr(b.kind === "Subscript" ? b.value : b, ctx));
        if (base?.kind === "external" && CLASS_TYPES[base.qname])
          return { t: "db", db: CLASS_TYPES[base.qname] as DbType };
        if (base?.kind === "symbol" && base.def.kind === "class") {
          const f = this.classInstanceType(base.module, base.def.cls, seen + 1);
          if (f.t === "db") return f;
        }
      }
    }
    return { t: "instance", module, cls: cls.name };
  }

  /** The value type a `Depends(target)` hands over, if it is a database value. */
  dependencyType(target: Expr | undefined, ctx: NameContext): Fact | null {
    if (!target) return null;
    const r = this.dealias(this.resolveExpr(target, ctx));
    if (r?.kind !== "symbol") return null;
    if (r.def.kind === "function") {
      if (this.isConnectorModule(r.module) && this.options.sessionDependencies.includes(r.name)) {
        return { t: "db", db: "AsyncSession" };
      }
      return this.returnType(r.module, r.def.sig, true) ?? this.producedType(r.module, r.def.sig);
    }
    if (r.def.kind === "class") return this.classInstanceType(r.module, r.def.cls);
    return null;
  }

  /** What an unannotated function yields or returns, from its body (`with SessionLocal() as s: yield s`). */
  producedType(module: string, sig: FunctionSig, cls: ClassSummary | null = null): Fact | null {
    const ctx = this.bodyContext(module, sig, cls);
    for (const y of [...sig.yields, ...sig.returnValues]) {
      const f = this.valueType(y, ctx);
      if (f?.t === "db") return f;
    }
    return null;
  }

  /** A method of a project class or of its project base classes (`__init__` inherited from a base service). */
  findMethod(
    module: string,
    cls: ClassSummary,
    name: string,
    seen = 0,
  ): { sig: FunctionSig; module: string; cls: ClassSummary } | null {
    const own = Object.hasOwn(cls.methods, name) ? cls.methods[name] : undefined;
    if (own) return { sig: own, module, cls };
    if (seen > 10) {
      this.cut();
      return null;
    }
    const ctx = this.moduleContext(module);
    for (const b of cls.bases) {
      const base = this.dealias(this.resolveExpr(b.kind === "Subscript" ? b.value : b, ctx));
      if (base?.kind === "symbol" && base.def.kind === "class") {
        const found = this.findMethod(base.module, base.def.cls, name, seen + 1);
        if (found) return found;
      }
    }
    return null;
  }

  /** Whether `Depends(target)` is the connector's session dependency (directly or through an alias). */
  isSessionDependency(target: Expr | undefined, ctx: NameContext): boolean {
    if (!target) return false;
    const r = this.dealias(this.resolveExpr(target, ctx));
    return (
      r?.kind === "symbol" &&
      r.def.kind === "function" &&
      this.isConnectorModule(r.module) &&
      this.options.sessionDependencies.includes(r.name)
    );
  }

  /** The type a function returns (or yields, for generators/dependencies), from its annotation. */
  returnType(module: string, sig: FunctionSig, unwrapIterators: boolean): Fact | null {
    const ctx = this.moduleContext(module);
    let ann = sig.returns;
    if (ann && unwrapIterators && ann.kind === "Subscript") {
      const q = this.qname(ann.value, ctx) ?? "";
      if (ITERATOR_WRAPPERS.has(q.split(".").pop() ?? "")) ann = ann.items[0] ?? null;
    }
    return this.annotationType(ann, ctx);
  }

  /** If `e` is a call to FastAPI's `Depends`, its target expression. */
  dependsTarget(e: Expr | null, ctx: NameContext): { call: Call; target: Expr | undefined } | null {
    if (e?.kind !== "Call") return null;
    const q = this.qname(e.func, ctx);
    if (q !== "fastapi.Depends" && q !== "fastapi.params.Depends" && q !== "fastapi.Security") return null;
    const target = e.args.find((a) => a.name === "dependency" || (a.name === null && a.star === 0))?.value;
    return { call: e, target };
  }

  /** `Depends(x)` written inline, or a module-level name bound to one (`SessionDep = Depends(...)`). */
  dependsOrAlias(e: Expr | null, ctx: NameContext): { target: Expr | undefined; ctx: NameContext } | null {
    const inline = this.dependsTarget(e, ctx);
    if (inline) return { target: inline.target, ctx };
    if (e && (e.kind === "Name" || e.kind === "Attribute")) {
      const r = this.resolveExpr(e, ctx);
      if (r?.kind === "symbol" && r.def.kind === "assign" && r.def.value) {
        const mctx = this.moduleContext(r.module);
        const d = this.dependsTarget(r.def.value, mctx);
        if (d) return { target: d.target, ctx: mctx };
      }
    }
    return null;
  }

  /** `Depends(...)` inside an `Annotated[...]` annotation (also through aliases). */
  annotatedDepends(
    e: Expr | null,
    ctx: NameContext,
    seen = 0,
  ): { call: Call; target: Expr | undefined; ctx: NameContext } | null {
    if (!e) return null;
    if (seen > 10) {
      this.cut();
      return null;
    }
    if (e.kind === "Subscript") {
      const q = this.qname(e.value, ctx) ?? "";
      if (q.endsWith(".Annotated")) {
        for (const meta of e.items.slice(1)) {
          const d = this.dependsTarget(meta, ctx);
          if (d) return { ...d, ctx };
        }
      }
      return null;
    }
    if (e.kind === "Name" || e.kind === "Attribute") {
      const r = this.resolveExpr(e, ctx);
      if (r?.kind === "symbol" && r.def.kind === "assign" && r.def.value) {
        return this.annotatedDepends(r.def.value, this.moduleContext(r.module), seen + 1);
      }
    }
    return null;
  }

  /** The type a parameter receives at runtime: `Depends` wins over the annotation. */
  paramType(p: Param, ctx: NameContext): Fact | null {
    const fromDefault = this.dependsTarget(p.default, ctx);
    if (fromDefault) {
      const f = this.dependencyType(fromDefault.target, ctx);
      if (f) return f;
    }
    const fromAnnotated = this.annotatedDepends(p.annotation, ctx);
    if (fromAnnotated) {
      const f = this.dependencyType(fromAnnotated.target, fromAnnotated.ctx);
      if (f) return f;
    }
    return this.annotationType(p.annotation, ctx) ?? this.paramSource?.paramFact(p, ctx) ?? null;
  }

  /** The type of a value expression evaluated in `ctx`. */
  valueType(e: Expr, ctx: NameContext): Fact | null {
    if (this.depth.n > 60) {
      this.cut();
      return null;
    }
    this.depth.n++;
    try {
      return this.valueTypeInner(e, ctx);
    } finally {
      this.depth.n--;
    }
  }

  private valueTypeInner(e: Expr, ctx: NameContext): Fact | null {
    switch (e.kind) {
      case "Name": {
        const local = ctx.localFact(e.id);
        if (local !== undefined) return local;
        return this.refType(ctx.resolveName(e.id));
      }
      case "Attribute": {
        const base = this.valueType(e.value, ctx);
        if (!base) return null;
        if (base.t === "ref") return this.refType(this.project.resolveAttribute(base.r, e.attr));
        if (base.t === "instance") return this.attributeType(base.module, base.cls, e.attr);
        return null;
      }
      case "Await":
        return this.awaitType(this.valueType(e.value, ctx));
      case "NamedExpr":
        return this.valueType(e.value, ctx);
      case "Call":
        return this.callType(e, ctx);
      case "BinOp":
        // `replica or session`: either side's type.
        if (e.op === "or" || e.op === "and") return this.valueType(e.right, ctx) ?? this.valueType(e.left, ctx);
        return null;
      default:
        return null;
    }
  }

  /** The type of a module-level symbol used as a value. */
  /**
   * Facts of module-level symbols and class attributes do not depend on where they are asked for, so
   * they are computed once. A key still being computed answers "unknown": that ends reference cycles
   * (`self.a = self.b`, `self.b = self.a`) that would otherwise branch exponentially.
   *
   * An answer that met such a cycle (or a depth limit) depends on where the computation entered the cycle,
   * so it is not kept for good: it lives only until the outermost question is answered (`provisional`),
   * and the next outermost question computes it again. Every answer is then a function of the question
   * alone, not of which file asked first — which the cache and worker threads rely on.
   */
  private readonly memo = new Map<string, { fact: unknown; reads: Set<string> }>();
  private readonly provisional = new Map<string, { fact: unknown; reads: Set<string> }>();
  private readonly computing: { key: string; cut: boolean }[] = [];

  /** The answer being computed depends on where the computation started (a cycle, a depth limit). */
  private cut(from = 0): void {
    for (let i = from; i < this.computing.length; i++) (this.computing[i] as { cut: boolean }).cut = true;
  }

  /** Also for other facts of the project (the call graph's); `onCycle` answers a key still being computed. */
  memoized<T>(key: string, compute: () => T, onCycle: T): T {
    const hit = this.memo.get(key);
    if (hit) {
      // What the answer was computed from is read again by whoever asks (the cache keys findings by it).
      this.project.note(hit.reads);
      return hit.fact as T;
    }
    const provisional = this.provisional.get(key);
    if (provisional) {
      this.project.note(provisional.reads);
      this.cut();
      return provisional.fact as T;
    }
    const at = this.computing.findIndex((c) => c.key === key);
    if (at >= 0) {
      this.cut(at);
      return onCycle;
    }
    const frame = { key, cut: false };
    this.computing.push(frame);
    let result: { value: T; reads: Set<string> };
    try {
      result = this.project.track(compute);
    } finally {
      this.computing.pop();
    }
    const entry = { fact: result.value, reads: result.reads };
    if (frame.cut) {
      this.provisional.set(key, entry);
      this.cut();
    } else {
      this.memo.set(key, entry);
    }
    if (this.computing.length === 0) this.provisional.clear();
    return result.value;
  }

  private refType(r: Resolved | null): Fact | null {
    if (!r) return null;
    if (r.kind === "symbol" && r.def.kind === "assign") {
      const def = r.def;
      const f = this.memoized(`v\0${r.module}\0${r.name}`, () => this.assignedType(r.module, def), null);
      if (f) return f;
    }
    return { t: "ref", r };
  }

  private assignedType(module: string, def: Extract<SymbolDef, { kind: "assign" }>): Fact | null {
    const ctx = this.moduleContext(module);
    if (def.annotation) {
      const f = this.annotationType(def.annotation, ctx);
      if (f) return f;
    }
    if (def.value && !def.typeAlias) return this.valueType(def.value, ctx);
    return null;
  }

  /** What calling `call.func` gives: a method of a known value, or a call of the callee's value. */
  private callType(call: Call, ctx: NameContext): Fact | null {
    const func = call.func;
    if (func.kind === "Attribute") {
      const recv = this.valueType(func.value, ctx);
      if (recv && recv.t !== "ref") return this.methodResult(recv, func.attr, call, ctx);
    }
    const callee = this.valueType(func, ctx);
    return callee ? this.callResult(callee, call, ctx) : null;
  }

  /** What `<a value of type recv>.<method>(...)` gives. */
  private methodResult(recv: Fact, method: string, call: Call, ctx: NameContext): Fact | null {
    switch (recv.t) {
      case "db": {
        const methods = METHOD_RESULTS[recv.db];
        const result = methods && Object.hasOwn(methods, method) ? methods[method] : undefined;
        return result ? { t: "db", db: result } : null;
      }
      case "instance": {
        const cls = this.findClass(recv.module, recv.cls);
        const m = cls ? this.findMethod(recv.module, cls, method) : null;
        if (m && !this.isProperty(m.sig.decorators, this.moduleContext(m.module)))
          return this.functionResult(m.module, m.sig, m.cls);
        // An attribute holding a callable (`self._factory()`), or a property returning one.
        const attr = this.attributeType(recv.module, recv.cls, method);
        return attr ? this.callResult(attr, call, ctx) : null;
      }
      case "union":
        return unionOf(recv.options.map((o) => this.methodResult(o, method, call, ctx)));
      case "object": {
        const methods = ENTERING_METHODS[recv.qname];
        const kind = methods && Object.hasOwn(methods, method) ? methods[method] : undefined;
        const arg = call.args[0];
        if (!kind || !arg || arg.star !== 0 || arg.name !== null) return null;
        return this.enterType(this.valueType(arg.value, ctx), kind === "async");
      }
      default:
        return null;
    }
  }

  /** What calling a value of type `callee` gives. */
  private callResult(callee: Fact, call: Call, ctx: NameContext): Fact | null {
    switch (callee.t) {
      case "db": {
        const result = METHOD_RESULTS[callee.db]?.__call__;
        return result ? { t: "db", db: result } : null;
      }
      case "callable":
        return callee.result;
      case "instance": {
        const cls = this.findClass(callee.module, callee.cls);
        const m = cls ? this.findMethod(callee.module, cls, "__call__") : null;
        return m ? this.functionResult(m.module, m.sig, m.cls) : null;
      }
      case "ref":
        break;
      default:
        return null;
    }
    const r = callee.r;
    if (r.kind === "external") return this.libraryCallResult(r.qname, call, ctx);
    if (r.kind === "symbol") {
      if (r.def.kind === "class") return this.classInstanceType(r.module, r.def.cls);
      if (r.def.kind === "function") return this.functionResult(r.module, r.def.sig, null);
    }
    return null;
  }

  private libraryCallResult(qname: string, call: Call, ctx: NameContext): Fact | null {
    const known = CALL_RESULTS[qname];
    if (known) {
      // sessionmaker(class_=AsyncSession) makes async sessions.
      if (
        known === "SessionMaker" &&
        call.args.some((a) => a.name === "class_" && this.annotationType(a.value, ctx)?.t === "db")
      ) {
        return { t: "db", db: "AsyncSessionMaker" };
      }
      return { t: "db", db: known };
    }
    const app = APP_CLASSES[qname];
    if (app) return { t: "app", kind: app };
    if (Object.hasOwn(ENTERING_METHODS, qname)) return { t: "object", qname };
    const first = call.args[0];
    const positional = first && first.star === 0 && first.name === null ? first.value : null;
    if (PARTIAL_CALLABLES.has(qname)) {
      // `partial(f, *bound)` called later is `f(*bound, ...)`: what `f(*bound)` gives.
      const result = positional ? this.callType({ ...call, func: positional, args: call.args.slice(1) }, ctx) : null;
      return result ? { t: "callable", result } : null;
    }
    const wrap = Object.hasOwn(CONTEXT_MANAGER_DECORATORS, qname) ? CONTEXT_MANAGER_DECORATORS[qname] : undefined;
    if (wrap) {
      // `helper = asynccontextmanager(_gen)`: calling `helper()` gives a context manager of what `_gen` yields.
      const fn = positional ? this.dealias(this.resolveExpr(positional, ctx)) : null;
      if (fn?.kind !== "symbol" || fn.def.kind !== "function") return null;
      const value = this.yieldedType(fn.module, fn.def.sig, null);
      return value ? { t: "callable", result: { t: "cm", async: wrap === "async", value } } : null;
    }
    return driverConnect(qname);
  }

  /**
   * What calling a project function or method gives: a context manager of what it yields when a
   * context-manager decorator wraps it, else its return annotation, else (unannotated, not a generator)
   * the value its body returns.
   */
  functionResult(module: string, sig: FunctionSig, cls: ClassSummary | null): Fact | null {
    return this.memoized(
      `c\0${module}\0${cls?.name ?? ""}\0${sig.name}\0${sig.start}`,
      () => {
        const ctx = this.moduleContext(module);
        const wrap = this.contextDecorator(sig.decorators, ctx);
        if (wrap) {
          const value = this.yieldedType(module, sig, cls);
          return value ? { t: "cm", async: wrap === "async", value } : null;
        }
        if (sig.returns) return this.annotationType(sig.returns, ctx);
        if (sig.yields.length > 0) return null;
        return this.bodyValue(module, sig, cls, sig.returnValues);
      },
      null,
    );
  }

  /** What a generator function yields: its `AsyncIterator[X]`-style annotation, else its `yield` values. */
  yieldedType(module: string, sig: FunctionSig, cls: ClassSummary | null): Fact | null {
    if (sig.returns) return this.returnType(module, sig, true);
    return this.bodyValue(module, sig, cls, sig.yields);
  }

  private bodyValue(module: string, sig: FunctionSig, cls: ClassSummary | null, values: Expr[]): Fact | null {
    const ctx = this.bodyContext(module, sig, cls);
    for (const v of values) {
      const f = this.valueType(v, ctx);
      if (f) return f;
    }
    return null;
  }

  /** `async` / `sync` when a decorator makes the function a context-manager factory (`@asynccontextmanager`). */
  private contextDecorator(decorators: readonly Expr[], ctx: NameContext): EnterKind | null {
    for (const d of decorators) {
      const q = qualifiedName(this.dealias(this.resolveExpr(d, ctx)));
      if (q !== null && Object.hasOwn(CONTEXT_MANAGER_DECORATORS, q)) return CONTEXT_MANAGER_DECORATORS[q] ?? null;
    }
    return null;
  }

  /** Whether a decorator makes the method read as an attribute (`@property`). */
  private isProperty(decorators: readonly Expr[], ctx: NameContext): boolean {
    return decorators.some((d) => {
      if (d.kind === "Name" && PROPERTY_DECORATORS.has(d.id) && !ctx.resolveName(d.id)) return true;
      const q = qualifiedName(this.dealias(this.resolveExpr(d, ctx)));
      return q !== null && PROPERTY_DECORATORS.has(q);
    });
  }

  /** What `async with v` (`isAsync`) or `with v` binds to its target, for a value of type `f`. */
  enterType(f: Fact | null, isAsync: boolean): Fact | null {
    if (!f) return null;
    switch (f.t) {
      case "cm":
        // Entering an async context manager with `with` (or the reverse) is a TypeError: nothing is bound.
        return f.async === isAsync ? f.value : null;
      case "db":
      case "object":
        // Sessions, connections and exit stacks enter as themselves.
        return f;
      case "instance": {
        const cls = this.findClass(f.module, f.cls);
        const m = cls ? this.findMethod(f.module, cls, ENTER_METHODS[isAsync ? "async" : "sync"]) : null;
        // A class without its own `__aenter__` (one from a library base) conventionally enters as itself.
        return m ? this.functionResult(m.module, m.sig, m.cls) : f;
      }
      case "union": {
        if (!isAsync) return null;
        const chosen = asyncOption(f);
        return chosen ? this.enterType(chosen, true) : null;
      }
      default:
        return null;
    }
  }

  /** What `await v` gives for a value of type `f`: a union is shown to be its async member. */
  awaitType(f: Fact | null): Fact | null {
    return f?.t === "union" ? asyncOption(f) : f;
  }

  private findClass(module: string, cls: string): ClassSummary | null {
    const def = this.project.get(module)?.symbols[cls];
    return def?.kind === "class" ? def.cls : null;
  }

  /** Type of `<instance of module.cls>.<attr>`, from class annotations or `self.attr = ...` assignments. */
  attributeType(module: string, clsName: string, attr: string, seen = 0): Fact | null {
    return this.memoized(
      `a\0${module}\0${clsName}\0${attr}`,
      () => this.attributeTypeUncached(module, clsName, attr, seen),
      null,
    );
  }

  private attributeTypeUncached(module: string, clsName: string, attr: string, seen: number): Fact | null {
    const cls = this.findClass(module, clsName);
    if (!cls) return null;
    if (seen > 10) {
      this.cut();
      return null;
    }
    const ctx = this.moduleContext(module);
    const entries = Object.hasOwn(cls.attrs, attr) ? cls.attrs[attr] : undefined;
    if (entries) {
      for (const en of entries) {
        const f = this.annotationType(en.annotation, ctx);
        if (f) return f;
      }
      for (const en of entries) {
        if (!en.value) continue;
        const sig = en.method && Object.hasOwn(cls.methods, en.method) ? cls.methods[en.method] : undefined;
        const f = this.valueType(en.value, sig ? this.bodyContext(module, sig, cls) : ctx);
        if (f && f.t !== "ref") return f;
      }
    }
    const method = Object.hasOwn(cls.methods, attr) ? cls.methods[attr] : undefined;
    if (method) {
      // A property reads as what the method returns; a bound method calls to it.
      const result = this.functionResult(module, method, cls);
      if (this.isProperty(method.decorators, ctx)) return result;
      return result ? { t: "callable", result } : null;
    }
    for (const b of cls.bases) {
      const base = this.resolveExpr(b.kind === "Subscript" ? b.value : b, ctx);
      if (base?.kind === "symbol" && base.def.kind === "class") {
        const f = this.attributeType(base.module, base.name, attr, seen + 1);
        if (f) return f;
      }
    }
    return null;
  }

  /**
   * The names of a function body as its own code sees them: parameters (`self` is the instance, `cls` the
   * class), and the locals its summary kept (`with`-targets bound to what entering gives), evaluated lazily.
   */
  bodyContext(module: string, sig: FunctionSig, cls: ClassSummary | null): NameContext {
    const base = this.moduleContext(module);
    const params = new Map<string, Param>();
    for (const p of sig.params) params.set(p.name, p);
    const first = sig.params[0]?.name;
    const isStatic = sig.decorators.some((d) => d.kind === "Name" && d.id === "staticmethod");
    const isClassMethod = sig.decorators.some((d) => d.kind === "Name" && d.id === "classmethod");
    const known = new Map<string, Fact | null>();
    const entered = sig.entered ?? {};
    const ctx: NameContext = {
      module,
      resolveName: base.resolveName,
      localFact: (n) => {
        const hit = known.get(n);
        if (hit !== undefined || known.has(n)) return hit ?? null;
        const p = params.get(n);
        const local = Object.hasOwn(sig.locals, n) ? sig.locals[n] : undefined;
        if (!p && !local) return undefined;
        // A local whose value mentions itself answers "unknown" while it is being computed.
        known.set(n, null);
        let f: Fact | null;
        if (p && cls && n === first && !isStatic) {
          const r = this.project.resolveMember(module, cls.name);
          f = isClassMethod ? (r ? { t: "ref", r } : null) : { t: "instance", module, cls: cls.name };
        } else if (p) f = this.paramType(p, base);
        else {
          f = this.valueType(local as Expr, ctx);
          if (Object.hasOwn(entered, n)) f = this.enterType(f, entered[n] === true);
        }
        known.set(n, f);
        return f;
      },
    };
    return ctx;
  }
}

/** The union of what annotation members denote: mixed sync and async database types stay a union. */
function unionOf(facts: (Fact | null)[]): Fact | null {
  const known = facts.filter((f): f is Fact => f !== null);
  const db = known.filter((f) => f.t === "db");
  const async = db.some((f) => isAsyncDb(f.db));
  const sync = db.some((f) => !isAsyncDb(f.db));
  if (async && sync) return { t: "union", options: db };
  return known[0] ?? null;
}

function isAsyncDb(db: DbType): boolean {
  return ASYNC_SESSION_TYPES.has(db) || db === "AsyncSessionMaker";
}

/** The async member of a union, when `await` / `async with` shows the value is the async one. */
function asyncOption(u: Extract<Fact, { t: "union" }>): Fact | null {
  return u.options.find((o) => o.t === "db" && isAsyncDb(o.db)) ?? null;
}

/** Narrows a union to the members `isinstance` accepts (`yes`) and the others (`no`). */
export function narrowUnion(u: Fact, classes: readonly (Fact | null)[]): { yes: Fact | null; no: Fact | null } | null {
  if (u.t !== "union") return null;
  const dbs = new Set(classes.map((c) => (c?.t === "db" ? c.db : null)));
  const pick = (keep: boolean): Fact | null => {
    const opts = u.options.filter((o) => o.t === "db" && dbs.has(o.db) === keep);
    return opts.length === 1 ? (opts[0] as Fact) : opts.length > 1 ? { t: "union", options: opts } : null;
  };
  return { yes: pick(true), no: pick(false) };
}

function driverConnect(qname: string): Fact | null {
  const parts = qname.split(".");
  if (parts.pop() !== "connect") return null;
  const mod = parts.join(".");
  return BLOCKING_DRIVERS.has(mod) || mod === "psycopg.Connection" ? { t: "db", db: "DriverConnection" } : null;
}

function builtin(_name: string): Resolved | null {
  return null;
}

/** An assignment value that is a type expression (`X = Annotated[...]`, `X = AsyncSession`, `X = Optional[Y]`). */
function looksLikeType(v: Expr): boolean {
  return v.kind === "Subscript" || v.kind === "Name" || v.kind === "Attribute" || (v.kind === "BinOp" && v.op === "|");
}

function forwardRef(text: string): Expr | null {
  if (FORWARD_REF_CACHE.has(text)) return FORWARD_REF_CACHE.get(text) ?? null;
  let out: Expr | null = null;
  if (text.length < 500 && !text.includes("\n")) {
    const r = parsePython(`(${text})\n`);
    const first = r.ok ? r.module.body[0] : undefined;
    if (first?.kind === "ExprStmt") out = first.value;
  }
  FORWARD_REF_CACHE.set(text, out);
  return out;
}
