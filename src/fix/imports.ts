/**
 * Making a name importable for a fix: reuse an existing binding, extend an existing
 * `from module import ...`, or add an import line after the file's last import of the same library
 * (else after the module docstring and `from __future__` imports, else before the first statement).
 */
import type { Stmt } from "../parser/ast.js";
import type { RuleContext } from "../rules/rule.js";
import { CLASS_TYPES } from "../semantic/knowledge/sqlalchemy.js";
import { qualifiedName } from "../semantic/project.js";
import type { TextEdit } from "../types.js";
import { insertEdit, lineBreak, lineEnd, nextLineStart } from "./edits.js";

/** Where the async counterpart of a sync `Session` class lives. */
export function asyncSessionModule(syncQname: string): string {
  return syncQname.startsWith("sqlmodel") ? "sqlmodel.ext.asyncio.session" : "sqlalchemy.ext.asyncio";
}

function isAsyncSessionClass(q: string | null): boolean {
  if (!q) return false;
  return q.endsWith(".AsyncSession") && CLASS_TYPES[q] === "AsyncSession";
}

export interface ImportPlan {
  /** `extend`: a name added to an existing `from module import ...`; `line`: a new import line. */
  kind: "extend" | "line";
  edits: TextEdit[];
}

export interface BoundName {
  /** The name to write in the code. */
  local: string;
  /** How it gets imported; null when the module already binds it. */
  plan: ImportPlan | null;
}

/**
 * How this module can name `AsyncSession`: an existing module-level binding (also under an alias or
 * through a re-export), else `AsyncSession` with an import from `target`. Null when the module binds
 * the name `AsyncSession` to something else.
 */
export function asyncSessionName(ctx: RuleContext, target: string): BoundName | null {
  for (const [local, b] of Object.entries(ctx.facts.summary.imports)) {
    if (b.name === "AsyncSession" && isAsyncSessionClass(`${b.module}.${b.name}`)) return { local, plan: null };
  }
  const r = ctx.infer.resolveExpr({ kind: "Name", id: "AsyncSession", start: 0, end: 0 }, ctx.facts.moduleContext);
  if (r !== null)
    return isAsyncSessionClass(qualifiedName(ctx.infer.dealias(r))) ? { local: "AsyncSession", plan: null } : null;
  const plan = importPlan(ctx, target, "AsyncSession");
  return plan ? { local: "AsyncSession", plan } : null;
}

/** Edits that make `from module import name` hold at module level (the caller knows it does not yet). */
export function importPlan(ctx: RuleContext, module: string, name: string): ImportPlan | null {
  const { lines } = ctx;
  const body = ctx.tree.body;
  for (const s of body) {
    if (s.kind !== "ImportFrom" || s.level !== 0 || s.module !== module || s.wildcard) continue;
    const last = s.names[s.names.length - 1];
    if (last) return { kind: "extend", edits: [insertEdit(lines, last.end, `, ${name}`)] };
  }
  const libraries = module.startsWith("sqlmodel") ? ["sqlmodel", "sqlalchemy"] : [module.split(".")[0] as string];
  const fromLibrary = (s: Stmt): boolean =>
    (s.kind === "ImportFrom" &&
      s.level === 0 &&
      libraries.some((l) => s.module === l || s.module.startsWith(`${l}.`))) ||
    (s.kind === "Import" && s.names.some((a) => libraries.some((l) => a.name === l || a.name.startsWith(`${l}.`))));
  let anchor: Stmt | null = null;
  for (const s of body) if (fromLibrary(s)) anchor = s;
  if (!anchor) {
    for (const [i, s] of body.entries()) {
      const docstring = i === 0 && s.kind === "ExprStmt" && s.value.kind === "Str";
      if (docstring || (s.kind === "ImportFrom" && s.module === "__future__")) anchor = s;
      else break;
    }
  }
  const text = `from ${module} import ${name}`;
  const eol = lineBreak(lines);
  if (anchor) {
    const line = lines.lineOf(Math.max(anchor.start, anchor.end - 1));
    const next = nextLineStart(lines, line);
    return {
      kind: "line",
      edits: [
        next === null
          ? insertEdit(lines, lineEnd(lines, line), `${eol}${text}`)
          : insertEdit(lines, next, `${text}${eol}`),
      ],
    };
  }
  const first = body[0];
  if (!first) return null;
  return { kind: "line", edits: [insertEdit(lines, lines.lineStart(lines.lineOf(first.start)), `${text}${eol}`)] };
}
