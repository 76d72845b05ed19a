/**
 * Walks one module in source order with scopes, tracking what each local name holds, and records the
 * facts rules ask about: every call (with its resolved callee and receiver type), attribute access,
 * annotation and import. Rules read these facts; they never re-walk the tree.
 */
import type * as A from "../parser/ast.js";
import { walkExpr } from "../parser/walk.js";
import { type Fact, type NameContext, narrowUnion, type TypeInference } from "./infer.js";
import { qualifiedName, type Resolved } from "./project.js";
import { absoluteModule, type ImportBinding, type ModuleSummary } from "./summary.js";

export interface FunctionInfo {
  def: A.FunctionDef;
  /** The class whose method this is, when directly in a class body. */
  cls: A.ClassDef | null;
  parent: FunctionInfo | null;
  /** Where the function is defined: decorators and defaults are evaluated here. */
  outer: NameContext;
  /** Spans of lambdas inside the function (a call there does not run in the function itself). */
  lambdas: { start: number; end: number }[];
  /** Spans of loops (`for`, `while`, comprehensions) inside the function: a call there may run many times. */
  loops: { start: number; end: number }[];
  /** `with ... as name` statements of the function: the name and the statement's span. */
  withTargets: { name: string; start: number; end: number }[];
}

export interface ValueBinding {
  value: A.Expr;
  /** Start of the statement that bound it. */
  stmtStart: number;
  /** For a name built up with `+=`: the first assignment and each added piece, with their statements. */
  parts?: { value: A.Expr; stmtStart: number }[];
}

export interface CallSite {
  call: A.Call;
  fn: FunctionInfo | null;
  stmt: A.Stmt;
  /** The expression directly containing the call, if any. */
  parent: A.Expr | null;
  awaited: boolean;
  /** Qualified name of the callee (`sqlalchemy.create_engine`, `core.database.get_db_session`). */
  qname: string | null;
  /** For `x.m(...)`: `m` and the type of `x`. */
  method: string | null;
  receiver: Fact | null;
  ctx: NameContext;
  /** For a first argument that is a name: what it was last bound to in this function or module. */
  firstArgBinding: ValueBinding | null;
}

export interface AttributeSite {
  node: A.Attribute;
  fn: FunctionInfo | null;
  /** What the object before the dot resolves to (a module, a library name), when it is not a local value. */
  base: Resolved | null;
  isCallee: boolean;
}

export interface AnnotationSite {
  annotation: A.Expr;
  where: "parameter" | "return" | "variable" | "attribute";
  ctx: NameContext;
  fn: FunctionInfo | null;
}

export interface ImportSite {
  stmt: A.Import | A.ImportFrom;
  /** For ImportFrom: the absolute module. */
  module: string;
  fn: FunctionInfo | null;
}

export interface FileFacts {
  module: string;
  summary: ModuleSummary;
  functions: FunctionInfo[];
  calls: CallSite[];
  attributes: AttributeSite[];
  annotations: AnnotationSite[];
  imports: ImportSite[];
  /** Names used as `await name` (a coroutine stored first and awaited later). */
  awaitedNames: { fn: FunctionInfo | null; name: string }[];
  moduleContext: NameContext;
}

class Scope implements NameContext {
  readonly facts = new Map<string, Fact | null>();
  readonly values = new Map<string, ValueBinding>();
  readonly imports = new Map<string, ImportBinding>();
  constructor(
    readonly module: string,
    private readonly infer: TypeInference,
    readonly parent: Scope | null,
    /** Names bound anywhere in this function (Python decides locality per function). */
    readonly declared: Set<string>,
  ) {}

  resolveName(name: string): Resolved | null {
    if (!this.parent) return this.infer.project.resolveMember(this.module, name);
    if (this.declared.has(name)) {
      const imp = this.imports.get(name);
      if (!imp) return null;
      return imp.name === null
        ? this.infer.project.resolveModule(imp.module)
        : this.infer.project.resolveMember(imp.module, imp.name);
    }
    return this.parent.resolveName(name);
  }

  localFact(name: string): Fact | null | undefined {
    if (!this.parent) return undefined;
    if (this.declared.has(name) && !this.imports.has(name)) return this.facts.get(name) ?? null;
    return this.parent.localFact(name);
  }

  binding(name: string): ValueBinding | null {
    if (!this.parent) {
      const def = this.infer.project.get(this.module)?.symbols[name];
      return def?.kind === "assign" && def.value ? { value: def.value, stmtStart: def.start } : null;
    }
    if (this.declared.has(name)) return this.values.get(name) ?? null;
    return this.parent.binding(name);
  }
}

export function analyzeModule(tree: A.Module, summary: ModuleSummary, infer: TypeInference): FileFacts {
  const facts: FileFacts = {
    module: summary.module,
    summary,
    functions: [],
    calls: [],
    attributes: [],
    annotations: [],
    imports: [],
    awaitedNames: [],
    moduleContext: infer.moduleContext(summary.module),
  };
  const root = new Scope(summary.module, infer, null, new Set());
  new Walker(infer, facts, summary).body(tree.body, root, null, null);
  return facts;
}

class Walker {
  constructor(
    private readonly infer: TypeInference,
    private readonly facts: FileFacts,
    private readonly summary: ModuleSummary,
  ) {}

  body(stmts: A.Stmt[], scope: Scope, fn: FunctionInfo | null, cls: A.ClassDef | null): void {
    for (const s of stmts) this.stmt(s, scope, fn, cls);
  }

  private stmt(s: A.Stmt, scope: Scope, fn: FunctionInfo | null, cls: A.ClassDef | null): void {
    switch (s.kind) {
      case "FunctionDef":
        this.exprs(s.decorators, s, scope, fn);
        for (const p of s.params) {
          if (p.default) this.expr(p.default, s, scope, fn);
          if (p.annotation) this.annotation(p.annotation, "parameter", scope, fn, s);
        }
        if (s.returns) this.annotation(s.returns, "return", scope, fn, s);
        this.function(s, scope, fn, cls);
        if (scope.parent) scope.facts.set(s.name, null);
        return;
      case "ClassDef":
        this.exprs(s.decorators, s, scope, fn);
        this.exprs(
          s.bases.map((b) => b.value),
          s,
          scope,
          fn,
        );
        // Class bodies resolve names like their enclosing scope; methods see the class as `cls`.
        this.body(s.body, scope, fn, s);
        return;
      case "Import":
      case "ImportFrom":
        this.importStmt(s, scope, fn);
        return;
      case "Assign":
        this.expr(s.value, s, scope, fn);
        for (const t of s.targets) {
          if (t.kind !== "Name") this.expr(t, s, scope, fn);
          this.bind(t, s.value, s.start, scope);
        }
        return;
      case "AnnAssign": {
        if (s.value) this.expr(s.value, s, scope, fn);
        if (s.target.kind !== "Name") this.expr(s.target, s, scope, fn);
        const where = s.target.kind === "Attribute" ? "attribute" : "variable";
        if (!isTypeAlias(s.annotation)) this.annotation(s.annotation, where, scope, fn, s);
        if (s.target.kind === "Name" && scope.parent) {
          const fact =
            this.infer.annotationType(s.annotation, scope) ?? (s.value ? this.infer.valueType(s.value, scope) : null);
          scope.facts.set(s.target.id, fact);
          if (s.value) scope.values.set(s.target.id, { value: s.value, stmtStart: s.start });
        }
        return;
      }
      case "AugAssign":
        this.expr(s.value, s, scope, fn);
        this.expr(s.target, s, scope, fn);
        if (s.target.kind === "Name" && scope.parent) {
          // `sql += clause`: the name now holds something built from pieces.
          const built: A.BinOp = {
            kind: "BinOp",
            start: s.start,
            end: s.end,
            op: s.op,
            left: s.target,
            right: s.value,
          };
          const prev = scope.binding(s.target.id);
          const parts = [
            ...(prev?.parts ?? (prev ? [{ value: prev.value, stmtStart: prev.stmtStart }] : [])),
            { value: s.value, stmtStart: s.start },
          ];
          scope.values.set(s.target.id, {
            value: prev ? { ...built, left: prev.value } : built,
            stmtStart: s.start,
            parts,
          });
        }
        return;
      case "With":
        for (const item of s.items) {
          this.expr(item.expr, s, scope, fn);
          if (item.target?.kind === "Name" && fn)
            fn.withTargets.push({ name: item.target.id, start: s.start, end: s.end });
          if (item.target) {
            if (item.target.kind === "Name" && scope.parent) {
              scope.facts.set(item.target.id, this.infer.enterType(this.infer.valueType(item.expr, scope), s.isAsync));
              scope.values.delete(item.target.id);
            } else this.expr(item.target, s, scope, fn);
          }
        }
        this.body(s.body, scope, fn, cls);
        return;
      case "For":
        fn?.loops.push({ start: s.start, end: s.end });
        this.expr(s.iter, s, scope, fn);
        this.clearTargets(s.target, scope);
        this.body(s.body, scope, fn, cls);
        this.body(s.orelse, scope, fn, cls);
        return;
      case "Try":
        this.body(s.body, scope, fn, cls);
        for (const h of s.handlers) {
          if (h.type) this.expr(h.type, s, scope, fn);
          if (h.name && scope.parent) scope.facts.set(h.name, null);
          this.body(h.body, scope, fn, cls);
        }
        this.body(s.orelse, scope, fn, cls);
        this.body(s.finalbody, scope, fn, cls);
        return;
      case "If":
        this.ifChain(s, scope, fn, cls);
        return;
      case "While":
        fn?.loops.push({ start: s.start, end: s.end });
        this.expr(s.test, s, scope, fn);
        this.body(s.body, scope, fn, cls);
        this.body(s.orelse, scope, fn, cls);
        return;
      case "Match":
        this.expr(s.subject, s, scope, fn);
        for (const c of s.cases) {
          if (c.guard) this.expr(c.guard, s, scope, fn);
          this.body(c.body, scope, fn, cls);
        }
        return;
      case "TypeAlias":
      case "Return":
      case "ExprStmt":
      case "OtherStmt": {
        const list = s.kind === "TypeAlias" ? [s.value] : s.kind === "OtherStmt" ? s.exprs : s.value ? [s.value] : [];
        this.exprs(list, s, scope, fn);
        return;
      }
    }
  }

  /**
   * An if/elif chain, walked in a loop (each `elif` is the sole statement of the previous `orelse`).
   * `isinstance` narrows a union of sync and async types in its branch and the branches after it; after
   * the chain, a first branch that always returns or raises leaves the other member (and the reverse).
   */
  private ifChain(s: A.If, scope: Scope, fn: FunctionInfo | null, cls: A.ClassDef | null): void {
    const restore: { name: string; fact: Fact | null }[] = [];
    let after: { name: string; fact: Fact | null } | null = null;
    let branch: A.If = s;
    for (;;) {
      this.expr(branch.test, branch, scope, fn);
      const n = scope.parent ? this.narrowing(branch.test, scope) : null;
      if (n) {
        restore.push({ name: n.name, fact: scope.facts.get(n.name) ?? null });
        scope.facts.set(n.name, n.yes);
      }
      this.body(branch.body, scope, fn, cls);
      if (n) scope.facts.set(n.name, n.no);
      if (n && branch === s && exits(branch.body)) after = { name: n.name, fact: n.no };
      const next = branch.orelse.length === 1 ? branch.orelse[0] : undefined;
      if (next?.kind !== "If") {
        this.body(branch.orelse, scope, fn, cls);
        if (n && branch === s && !after && exits(branch.orelse)) after = { name: n.name, fact: n.yes };
        break;
      }
      branch = next;
    }
    for (const r of restore.reverse()) scope.facts.set(r.name, r.fact);
    if (after) scope.facts.set(after.name, after.fact);
  }

  /** `isinstance(x, T)` / `not isinstance(x, (A, B))` on a local union: the name and both narrowed types. */
  private narrowing(test: A.Expr, scope: Scope): { name: string; yes: Fact | null; no: Fact | null } | null {
    let negate = false;
    let t = test;
    while (t.kind === "UnaryOp" && t.op === "not") {
      negate = !negate;
      t = t.operand;
    }
    if (t.kind !== "Call" || t.func.kind !== "Name" || t.func.id !== "isinstance") return null;
    if (scope.localFact("isinstance") !== undefined || scope.resolveName("isinstance")) return null;
    const [subject, classes] = t.args.map((a) => a.value);
    if (subject?.kind !== "Name" || !classes) return null;
    const current = scope.localFact(subject.id);
    if (!current) return null;
    const list = classes.kind === "Sequence" ? classes.items : [classes];
    const n = narrowUnion(
      current,
      list.map((c) => this.infer.annotationType(c, scope)),
    );
    if (!n) return null;
    return { name: subject.id, yes: negate ? n.no : n.yes, no: negate ? n.yes : n.no };
  }

  private function(def: A.FunctionDef, outer: Scope, parentFn: FunctionInfo | null, cls: A.ClassDef | null): void {
    const info: FunctionInfo = { def, cls, parent: parentFn, outer, lambdas: [], loops: [], withTargets: [] };
    this.facts.functions.push(info);
    const scope = new Scope(this.summary.module, this.infer, outer, declaredNames(def));
    const isStatic = def.decorators.some((d) => d.kind === "Name" && d.id === "staticmethod");
    def.params.forEach((p, i) => {
      if (i === 0 && cls && !isStatic && !outer.parent) {
        const clsSummary = this.summary.symbols[cls.name];
        scope.facts.set(
          p.name,
          clsSummary?.kind === "class" ? this.infer.classInstanceType(this.summary.module, clsSummary.cls) : null,
        );
      } else {
        scope.facts.set(p.name, this.infer.paramType(p, outer));
      }
    });
    this.body(def.body, scope, info, null);
  }

  private importStmt(s: A.Import | A.ImportFrom, scope: Scope, fn: FunctionInfo | null): void {
    const module =
      s.kind === "ImportFrom" ? absoluteModule(this.summary.module, this.summary.isPackage, s.level, s.module) : "";
    this.facts.imports.push({ stmt: s, module, fn });
    if (!scope.parent) return;
    for (const a of s.names) {
      if (s.kind === "Import") {
        const local = a.asname ?? (a.name.split(".")[0] as string);
        scope.imports.set(local, { module: a.asname ? a.name : local, name: null, line: 0 });
      } else {
        scope.imports.set(a.asname ?? a.name, { module, name: a.name, line: 0 });
      }
    }
  }

  private bind(target: A.Expr, value: A.Expr, stmtStart: number, scope: Scope): void {
    if (!scope.parent) return;
    if (target.kind === "Name") {
      scope.facts.set(target.id, this.infer.valueType(value, scope));
      scope.values.set(target.id, { value, stmtStart });
    } else {
      this.clearTargets(target, scope);
    }
  }

  private clearTargets(target: A.Expr, scope: Scope): void {
    if (!scope.parent) return;
    walkExpr(target, (e) => {
      if (e.kind === "Name") {
        scope.facts.set(e.id, null);
        scope.values.delete(e.id);
      }
      return e.kind === "Sequence" || e.kind === "Starred" || e.kind === "Name";
    });
  }

  private annotation(
    e: A.Expr,
    where: AnnotationSite["where"],
    scope: Scope,
    fn: FunctionInfo | null,
    s: A.Stmt,
  ): void {
    this.facts.annotations.push({ annotation: e, where, ctx: scope, fn });
    this.expr(e, s, scope, fn);
  }

  private exprs(list: A.Expr[], s: A.Stmt, scope: Scope, fn: FunctionInfo | null): void {
    for (const e of list) this.expr(e, s, scope, fn);
  }

  private expr(root: A.Expr, stmt: A.Stmt, scope: Scope, fn: FunctionInfo | null): void {
    walkExpr(root, (e, parent) => {
      if (e.kind === "Lambda" && fn) fn.lambdas.push({ start: e.start, end: e.end });
      else if (e.kind === "Comprehension" && fn) fn.loops.push({ start: e.start, end: e.end });
      if (e.kind === "Await" && e.value.kind === "Name") this.facts.awaitedNames.push({ fn, name: e.value.id });
      if (e.kind === "Call") this.call(e, parent, stmt, scope, fn);
      else if (e.kind === "Attribute") {
        this.facts.attributes.push({
          node: e,
          fn,
          base: this.infer.resolveExpr(e.value, scope),
          isCallee: parent?.kind === "Call" && parent.func === e,
        });
      } else if (e.kind === "NamedExpr" && scope.parent) {
        scope.facts.set(e.target.id, this.infer.valueType(e.value, scope));
        scope.values.set(e.target.id, { value: e.value, stmtStart: stmt.start });
      }
      return true;
    });
  }

  private call(call: A.Call, parent: A.Expr | null, stmt: A.Stmt, scope: Scope, fn: FunctionInfo | null): void {
    const func = call.func;
    const first = call.args.find((a) => a.star === 0 && (a.name === null || a.name === "statement"))?.value;
    this.facts.calls.push({
      call,
      fn,
      stmt,
      parent,
      awaited: parent?.kind === "Await",
      qname: qualifiedName(this.infer.resolveExpr(func, scope)),
      method: func.kind === "Attribute" ? func.attr : null,
      receiver: func.kind === "Attribute" ? this.infer.valueType(func.value, scope) : null,
      ctx: scope,
      firstArgBinding: first?.kind === "Name" ? scope.binding(first.id) : null,
    });
  }
}

/** A block that never falls through: it ends in `return` or `raise`. */
function exits(body: A.Stmt[]): boolean {
  const last = body[body.length - 1];
  return last?.kind === "Return" || (last?.kind === "OtherStmt" && last.keyword === "raise");
}

function isTypeAlias(e: A.Expr): boolean {
  return (e.kind === "Name" && e.id === "TypeAlias") || (e.kind === "Attribute" && e.attr === "TypeAlias");
}

/** Names a function binds locally (parameters, assignments, imports, nested defs), minus global/nonlocal. */
function declaredNames(def: A.FunctionDef): Set<string> {
  const names = new Set<string>(def.params.map((p) => p.name).filter((n) => n));
  const globals = new Set<string>();
  const addTarget = (t: A.Expr): void => {
    walkExpr(t, (e) => {
      if (e.kind === "Name") names.add(e.id);
      return e.kind === "Sequence" || e.kind === "Starred" || e.kind === "Name";
    });
  };
  const stack: A.Stmt[] = [...def.body];
  while (stack.length > 0) {
    const s = stack.pop() as A.Stmt;
    switch (s.kind) {
      case "FunctionDef":
      case "ClassDef":
        names.add(s.name);
        continue;
      case "Import":
        for (const a of s.names) names.add(a.asname ?? (a.name.split(".")[0] as string));
        break;
      case "ImportFrom":
        for (const a of s.names) names.add(a.asname ?? a.name);
        break;
      case "Assign":
        s.targets.forEach(addTarget);
        break;
      case "AnnAssign":
      case "AugAssign":
        addTarget(s.target);
        break;
      case "For":
        addTarget(s.target);
        break;
      case "With":
        for (const i of s.items) if (i.target) addTarget(i.target);
        break;
      case "Try":
        for (const h of s.handlers) if (h.name) names.add(h.name);
        break;
      case "OtherStmt":
        if (s.keyword === "global" || s.keyword === "nonlocal") for (const n of s.names) globals.add(n);
        break;
      default:
        break;
    }
    if (s.kind === "If" || s.kind === "While") stack.push(...s.body, ...s.orelse);
    else if (s.kind === "For") stack.push(...s.body, ...s.orelse);
    else if (s.kind === "With") stack.push(...s.body);
    else if (s.kind === "Try") stack.push(...s.body, ...s.handlers.flatMap((h) => h.body), ...s.orelse, ...s.finalbody);
    else if (s.kind === "Match") stack.push(...s.cases.flatMap((c) => c.body));
  }
  for (const g of globals) names.delete(g);
  return names;
}
