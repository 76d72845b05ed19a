import { SESSION_FACTORIES } from "../../semantic/knowledge/sqlalchemy.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF103",
  name: "session-factory-outside-connector",
  severity: "error",
  summary: "Constructs a session or session factory outside the connector",
  docs: {
    what: "Reports `sessionmaker`, `async_sessionmaker`, `scoped_session`, `async_scoped_session`, `Session(...)` and `AsyncSession(...)` constructed outside the connector and the test-fixture modules. Calling a factory built elsewhere (`SessionLocal()`) is not reported here: its construction and its import are.",
    why: "Sessions made outside the connector skip its lifecycle: nothing guarantees rollback on error, close at the end of the request, or the connector's `expire_on_commit` and bind settings.",
    example: {
      bad: "from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession\n\n\nasync def archive(engine: AsyncEngine) -> None:\n    async with AsyncSession(engine) as session:\n        await session.commit()\n",
      good: "from fastapi import Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\nfrom core.database import get_db_session\n\n\nasync def archive(session: AsyncSession = Depends(get_db_session)) -> None:\n    await session.commit()\n",
    },
  },
  check(ctx) {
    if (ctx.isConnector || ctx.isTestFixture) return;
    for (const site of ctx.facts.calls) {
      const q = site.qname;
      if (!q) continue;
      const parts = q.split(".");
      const last = parts[parts.length - 1] as string;
      if (!SESSION_FACTORIES.has(last) || (parts[0] !== "sqlalchemy" && parts[0] !== "sqlmodel")) continue;
      ctx.report(
        site.call,
        `${last}(...) constructs a database session${last.endsWith("maker") || last.endsWith("session") ? " factory" : ""} outside the connector; receive the session through Depends(${ctx.config.sessionDependency[0] ?? "get_db_session"}) instead`,
      );
    }
  },
});
