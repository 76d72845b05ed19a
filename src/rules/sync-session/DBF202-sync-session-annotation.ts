import type { Expr } from "../../parser/ast.js";
import { exprChildren } from "../../parser/walk.js";
import type { NameContext, TypeInference } from "../../semantic/infer.js";
import { SYNC_SESSION_CLASSES } from "../../semantic/knowledge/sqlalchemy.js";
import { qualifiedName } from "../../semantic/project.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF202",
  name: "sync-session-annotation",
  severity: "error",
  summary: "Annotates a parameter, variable, attribute or return with the sync Session",
  docs: {
    what: "Reports annotations that use SQLAlchemy's (or SQLModel's) sync `Session`: parameters, variables, attributes and returns, also inside `Annotated`, `Optional`, unions and generics, and through type aliases (each annotation that uses an alias of `Session` is reported, the alias definition itself is not).",
    why: "A `Session` annotation means sync database I/O: every query blocks the event loop. It also documents the wrong contract for callers, who will pass sync sessions along.",
    example: {
      bad: "from typing import Optional\n\nfrom sqlalchemy.orm import Session  # dbfence: ignore[DBF201] example\n\n\ndef find(session: Optional[Session]) -> None:\n    pass\n",
      good: "from typing import Optional\n\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\ndef find(session: Optional[AsyncSession]) -> None:\n    pass\n",
    },
  },
  check(ctx) {
    if (ctx.isConnector) return;
    for (const site of ctx.facts.annotations) {
      for (const node of syncSessionUses(site.annotation, site.ctx, ctx.infer)) {
        const what = site.where === "return" ? "return type" : site.where;
        ctx.report(
          node.at,
          `${what} annotated with the sync Session${node.via ? ` (through '${node.via}')` : ""}; annotate it as AsyncSession and receive it from the connector's ${ctx.config.sessionDependency[0] ?? "get_db_session"}`,
        );
      }
    }
  },
});

interface Use {
  at: Expr;
  via: string | null;
}

/** Sub-expressions of an annotation that denote the sync Session. */
export function syncSessionUses(
  annotation: Expr,
  ctx: NameContext,
  infer: TypeInference,
  seen: Set<string> = new Set(),
): Use[] {
  const out: Use[] = [];
  const stack: Expr[] = [annotation];
  while (stack.length > 0) {
    const e = stack.pop() as Expr;
    if (e.kind === "Name" || e.kind === "Attribute") {
      const r = infer.resolveExpr(e, ctx);
      const q = qualifiedName(r);
      if (q && SYNC_SESSION_CLASSES.has(q)) out.push({ at: e, via: null });
      else if (r?.kind === "symbol" && aliasUsesSyncSession(r.module, r.name, infer, seen)) {
        out.push({ at: e, via: r.name });
      }
      continue;
    }
    if (e.kind === "Str" && e.value !== null) {
      const inner = infer.annotationExpr(e.value);
      if (inner && syncSessionUses(inner, ctx, infer, seen).length > 0) out.push({ at: e, via: null });
      continue;
    }
    if (e.kind === "Subscript") {
      const q = infer.qname(e.value, ctx) ?? "";
      // Annotated metadata (Depends(...), strings) is not a type.
      const items = q.endsWith(".Annotated") ? e.items.slice(0, 1) : e.items;
      stack.push(e.value, ...items);
      continue;
    }
    if (e.kind === "Call") continue;
    stack.push(...exprChildren(e));
  }
  return out;
}

function aliasUsesSyncSession(module: string, name: string, infer: TypeInference, seen: Set<string>): boolean {
  const key = `${module}.${name}`;
  if (seen.has(key) || seen.size > 20) return false;
  // `seen` is the chain of aliases being expanded: a self-referencing alias (`JSON = dict[str, "JSON"]`) ends here.
  seen.add(key);
  try {
    return expandsToSyncSession(module, name, infer, seen);
  } finally {
    seen.delete(key);
  }
}

function expandsToSyncSession(module: string, name: string, infer: TypeInference, seen: Set<string>): boolean {
  const def = infer.project.get(module)?.symbols[name];
  if (def?.kind !== "assign" || !def.value) return false;
  const ctx = infer.moduleContext(module);
  let value = def.value;
  const nt = value.kind === "Call" ? infer.qname(value.func, ctx) : null;
  if (value.kind === "Call" && (nt === "typing.NewType" || nt === "typing_extensions.NewType") && value.args[1]) {
    value = value.args[1].value;
  } else if (
    !def.typeAlias &&
    !(value.kind === "Subscript" || value.kind === "Name" || value.kind === "Attribute" || value.kind === "BinOp")
  ) {
    return false;
  }
  return syncSessionUses(value, ctx, infer, seen).length > 0;
}
