import { SYNC_SESSION_IMPORTS } from "../../semantic/knowledge/sqlalchemy.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF201",
  name: "sync-session-import",
  severity: "error",
  summary: "Imports the sync Session, sessionmaker or scoped_session",
  docs: {
    what: "Reports imports of `Session`, `sessionmaker` and `scoped_session` from `sqlalchemy.orm` (or `sqlalchemy.orm.session`), and of `Session` from `sqlmodel`, outside the connector.",
    why: "The policy is async all the way: a sync `Session` blocks the event loop on every query and cannot share the connector's `AsyncEngine`.",
    example: {
      bad: "from sqlalchemy.orm import Session\n",
      good: "from sqlalchemy.ext.asyncio import AsyncSession\n",
    },
  },
  check(ctx) {
    if (ctx.isConnector) return;
    for (const site of ctx.facts.imports) {
      if (site.stmt.kind !== "ImportFrom") continue;
      const names = SYNC_SESSION_IMPORTS[site.module];
      if (!names) continue;
      for (const a of site.stmt.names) {
        if (!names.has(a.name)) continue;
        const replacement =
          a.name === "Session"
            ? "AsyncSession"
            : a.name === "sessionmaker"
              ? "async_sessionmaker"
              : "async_scoped_session";
        ctx.report(
          site.stmt,
          `'${a.name}' from ${site.module} is the sync API; use ${replacement} from ${site.module.startsWith("sqlmodel") ? "sqlmodel.ext.asyncio.session" : "sqlalchemy.ext.asyncio"} and get sessions from the connector`,
        );
      }
    }
  },
});
