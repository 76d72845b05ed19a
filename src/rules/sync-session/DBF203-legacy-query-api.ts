import { SESSION_TYPES } from "../../semantic/knowledge/sqlalchemy.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF203",
  name: "legacy-query-api",
  severity: "error",
  summary: "Uses the legacy Query API (.query) on a session",
  docs: {
    what: "Reports `.query(...)` called on a value known to be a session, sync or async: from an annotation, a session factory call, or `Depends` of the session dependency. `.query` on objects not known to be sessions (a pandas frame, a search client) is not reported.",
    why: "`Session.query` is SQLAlchemy's legacy 1.x API; `AsyncSession` has no `query` at all, so the call fails at runtime on the connector's sessions. Use `select()` with `await session.scalars(...)`.",
    example: {
      bad: "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def names(session: AsyncSession, model: type) -> list[object]:\n    return session.query(model).all()\n",
      good: "from sqlalchemy import select\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def names(session: AsyncSession, model: type) -> list[object]:\n    return list(await session.scalars(select(model)))\n",
    },
  },
  check(ctx) {
    for (const site of ctx.facts.calls) {
      if (site.method !== "query" || site.receiver?.t !== "db" || !SESSION_TYPES.has(site.receiver.db)) continue;
      ctx.report(
        site.call,
        `${site.receiver.db}.query() is the legacy Query API${site.receiver.db === "AsyncSession" ? " and does not exist on AsyncSession" : ""}; use select() with 'await session.scalars(...)' / 'await session.execute(...)'`,
      );
    }
  },
});
