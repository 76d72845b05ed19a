/** Questions fixes ask about the syntax tree: where an expression sits, and every use of a name. */
import type { Expr, Module, Name, Stmt } from "../parser/ast.js";
import { stmtExprs, walkExpr, walkStmts } from "../parser/walk.js";

/** The expressions enclosing `target` inside statement `stmt` (outermost first), or null if it is not there. */
export function ancestorsOf(stmt: Stmt, target: Expr): Expr[] | null {
  for (const root of stmtExprs(stmt)) {
    if (!(root.start <= target.start && target.end <= root.end)) continue;
    const parents = new Map<Expr, Expr | null>();
    let found = false;
    walkExpr(root, (e, parent) => {
      if (found || e.end < target.start || e.start > target.end) return false;
      parents.set(e, parent);
      if (e === target) found = true;
      return !found;
    });
    if (!found) continue;
    const chain: Expr[] = [];
    for (let p = parents.get(target) ?? null; p; p = parents.get(p) ?? null) chain.unshift(p);
    return chain;
  }
  return null;
}

/** Every expression of the module, nested scopes included, in no particular order. */
export function everyExpr(tree: Module, visit: (e: Expr) => void): void {
  walkStmts(
    tree.body,
    (s) => {
      for (const root of stmtExprs(s)) {
        walkExpr(root, (e) => {
          visit(e);
          return true;
        });
      }
    },
    true,
  );
}

/** Every `Name` node reading or binding `id` anywhere in the module. */
export function namesCalled(tree: Module, id: string): Name[] {
  const out: Name[] = [];
  everyExpr(tree, (e) => {
    if (e.kind === "Name" && e.id === id) out.push(e);
  });
  return out;
}

/** Whether a class body among `within` (not inside nested functions) contains `offset`: no `await` there. */
export function inClassBody(within: Stmt[], offset: number): boolean {
  let hit = false;
  walkStmts(within, (s) => {
    if (s.kind === "ClassDef" && s.start <= offset && offset < s.end) hit = true;
  });
  return hit;
}
