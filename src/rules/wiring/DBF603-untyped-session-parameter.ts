import type { Param } from "../../parser/ast.js";
import type { NameContext, TypeInference } from "../../semantic/infer.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF603",
  name: "untyped-session-parameter",
  severity: "warning",
  summary: "A parameter receives the session dependency without an AsyncSession annotation",
  docs: {
    what: "Reports a parameter that receives the session dependency (`= Depends(get_db_session)`, `Depends` of an alias of it, a variable bound to such a `Depends(...)`, or `Annotated[X, Depends(get_db_session)]`) with no annotation or with an annotation other than `AsyncSession` (NewTypes and aliases of `AsyncSession` are fine).",
    why: "Without the `AsyncSession` type, type checkers and dbfence cannot see that the value is async: missing awaits and sync-API calls on it go unnoticed, and readers guess.",
    example: {
      bad: "from fastapi import Depends\n\nfrom core.database import get_db_session\n\n\nasync def count(db=Depends(get_db_session)) -> int:\n    return 0\n",
      good: "from fastapi import Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\nfrom core.database import get_db_session\n\n\nasync def count(db: AsyncSession = Depends(get_db_session)) -> int:\n    return 0\n",
    },
  },
  check(ctx) {
    for (const fn of ctx.facts.functions) {
      for (const p of fn.def.params) {
        if (!receivesSessionDependency(p, fn.outer, ctx.infer)) continue;
        const t = ctx.infer.annotationType(p.annotation, fn.outer);
        if (t?.t === "db" && t.db === "AsyncSession") continue;
        ctx.report(
          p,
          p.annotation
            ? `parameter '${p.name}' receives the connector's session dependency but is not annotated AsyncSession; annotate it 'AsyncSession' (or an Annotated alias of it)`
            : `parameter '${p.name}' receives the connector's session dependency without an annotation; write '${p.name}: AsyncSession = Depends(...)' so the async type is visible`,
        );
      }
    }
  },
});

function receivesSessionDependency(p: Param, ctx: NameContext, infer: TypeInference): boolean {
  const fromDefault = infer.dependsOrAlias(p.default, ctx);
  if (fromDefault) return infer.isSessionDependency(fromDefault.target, fromDefault.ctx);
  const annotated = infer.annotatedDepends(p.annotation, ctx);
  return annotated ? infer.isSessionDependency(annotated.target, annotated.ctx) : false;
}
