/** Generic traversal of dbfence's AST, iterative so that deep trees cannot overflow the stack. */
import type { Expr, Stmt } from "./ast.js";

/** Direct sub-expressions of an expression, in source order. */
export function exprChildren(e: Expr): Expr[] {
  switch (e.kind) {
    case "Name":
    case "Constant":
      return [];
    case "Attribute":
      return [e.value];
    case "Call":
      return [e.func, ...e.args.map((a) => a.value)];
    case "Await":
    case "Starred":
      return [e.value];
    case "Str":
      return e.placeholders;
    case "BinOp":
      return [e.left, e.right];
    case "UnaryOp":
      return [e.operand];
    case "Subscript":
      return [e.value, ...e.items];
    case "Sequence":
      return e.items;
    case "Dict":
      return e.entries.flatMap((en) => (en.key ? [en.key, en.value] : [en.value]));
    case "Lambda":
      return [...e.params.flatMap((p) => (p.default ? [p.default] : [])), e.body];
    case "Comprehension":
      return [e.element, ...e.clauses.flatMap((c) => (c.type === "for" ? [c.target, c.iter] : [c.test]))];
    case "Ternary":
      return [e.test, e.body, e.orelse];
    case "NamedExpr":
      return [e.target, e.value];
    case "Yield":
      return e.value ? [e.value] : [];
    case "Slice":
      return e.parts;
    case "OtherExpr":
      return e.children;
  }
}

/** Expressions that belong to the statement itself (not to nested statements). */
export function stmtExprs(s: Stmt): Expr[] {
  switch (s.kind) {
    case "FunctionDef":
      return [
        ...s.decorators,
        ...s.params.flatMap((p) => [p.annotation, p.default].filter((x): x is Expr => x !== null)),
        ...(s.returns ? [s.returns] : []),
      ];
    case "ClassDef":
      return [...s.decorators, ...s.bases.map((b) => b.value)];
    case "Import":
    case "ImportFrom":
      return [];
    case "Assign":
      return [...s.targets, s.value];
    case "AnnAssign":
      return s.value ? [s.target, s.annotation, s.value] : [s.target, s.annotation];
    case "AugAssign":
      return [s.target, s.value];
    case "TypeAlias":
      return [s.value];
    case "Return":
      return s.value ? [s.value] : [];
    case "ExprStmt":
      return [s.value];
    case "If":
    case "While":
      return [s.test];
    case "For":
      return [s.target, s.iter];
    case "With":
      return s.items.flatMap((i) => (i.target ? [i.expr, i.target] : [i.expr]));
    case "Try":
      return s.handlers.flatMap((h) => (h.type ? [h.type] : []));
    case "Match":
      return [s.subject, ...s.cases.flatMap((c) => (c.guard ? [c.guard] : []))];
    case "OtherStmt":
      return s.exprs;
  }
}

/** Nested statement lists of a statement (bodies of blocks, functions, classes). */
export function stmtBodies(s: Stmt): Stmt[][] {
  switch (s.kind) {
    case "FunctionDef":
    case "ClassDef":
    case "With":
      return [s.body];
    case "If":
    case "For":
    case "While":
      return [s.body, s.orelse];
    case "Try":
      return [s.body, ...s.handlers.map((h) => h.body), s.orelse, s.finalbody];
    case "Match":
      return s.cases.map((c) => c.body);
    default:
      return [];
  }
}

/**
 * Visits `root` and every sub-expression, parents before children, in source order.
 * Returning false from `visit` skips that node's children.
 */
export function walkExpr(root: Expr, visit: (e: Expr, parent: Expr | null) => boolean | undefined): void {
  const stack: [Expr, Expr | null][] = [[root, null]];
  while (stack.length > 0) {
    const [e, parent] = stack.pop() as [Expr, Expr | null];
    if (visit(e, parent) === false) continue;
    const kids = exprChildren(e);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i] as Expr, e]);
  }
}

/** Statements of a body, recursively, without entering nested functions/classes unless asked. */
export function walkStmts(body: Stmt[], visit: (s: Stmt) => void, enterScopes = false): void {
  const stack: Stmt[] = [...body].reverse();
  while (stack.length > 0) {
    const s = stack.pop() as Stmt;
    visit(s);
    if (!enterScopes && (s.kind === "FunctionDef" || s.kind === "ClassDef")) continue;
    const bodies = stmtBodies(s);
    for (let b = bodies.length - 1; b >= 0; b--) {
      const list = bodies[b] as Stmt[];
      for (let i = list.length - 1; i >= 0; i--) stack.push(list[i] as Stmt);
    }
  }
}
