import { annotationFix } from "../../fix/session.js";
import type { Expr } from "../../parser/ast.js";
import { exprChildren } from "../../parser/walk.js";
import type { NameContext, TypeInference } from "../../semantic/infer.js";
import { SYNC_SESSION_CLASSES } from "../../semantic/knowledge/sqlalchemy.js";
import { qualifiedName } from "../../semantic/project.js";
import type { Fix } from "../../types.js";
import { defineRule, type RuleContext } from "../rule.js";

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
      fixed:
        "from typing import Optional\n\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\ndef find(session: Optional[AsyncSession]) -> None:\n    pass\n",
    },
    fixSafety:
      "Unsafe: the annotation then promises an AsyncSession while the value may still be a sync one (from a sync dependency), and the sync calls on it must become awaited calls. When the file imports `Session` by name, the fix is DBF201's whole-file rename; otherwise it renames this annotation and imports AsyncSession. There is no fix through an alias (fix the alias definition) or in a function handed to `run_sync`. Types travel: a renamed return annotation makes the callers' values AsyncSessions too, and the next pass may add `await`s there.",
  },
  fix: {
    applicability: "unsafe",
    description:
      "Annotate with AsyncSession (importing it; a module-level Session import is replaced and every use renamed)",
  },
  check(ctx) {
    if (ctx.isConnector) return;
    for (const site of ctx.facts.annotations) {
      for (const node of syncSessionUses(site.annotation, site.ctx, ctx.infer)) {
        const what = site.where === "return" ? "return type" : site.where;
        ctx.report(
          node.at,
          `${what} annotated with the sync Session${node.via ? ` (through '${node.via}')` : ""}; annotate it as AsyncSession and receive it from the connector's ${ctx.config.sessionDependency[0] ?? "get_db_session"}`,
          node.via ? undefined : sessionFix(ctx, node.at, site.ctx),
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

/** Alias uses (`DbSession`) get no fix: the alias definition is where the change belongs. */
function sessionFix(ctx: RuleContext, at: Expr, nameCtx: NameContext): Fix | undefined {
  let q = at.kind === "Str" ? null : ctx.infer.qname(at, nameCtx);
  const inner: Expr[] = [];
  if (at.kind === "Str" && at.value !== null) {
    const parsed = ctx.infer.annotationExpr(at.value);
    const uses = parsed ? syncSessionUses(parsed, nameCtx, ctx.infer) : [];
    if (uses.some((u) => u.via !== null || u.at.kind === "Str")) return undefined;
    inner.push(...uses.map((u) => u.at));
    q = uses[0] ? ctx.infer.qname(uses[0].at, nameCtx) : null;
  }
  const fix = annotationFix(ctx, at, q ?? "sqlalchemy.orm.Session", inner);
  if (!fix) return undefined;
  return {
    description: fix.wholeFile
      ? "Import AsyncSession instead of Session and rename every use in the file"
      : "Annotate with AsyncSession",
    applicability: "unsafe",
    edits: fix.edits,
  };
}
