import { fileMigration } from "../../fix/session.js";
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
      fixed: "from sqlalchemy.ext.asyncio import AsyncSession\n",
    },
    fixSafety:
      "Unsafe: renaming the type does not make the code async. Every query on such a session must then be awaited, and the session must come from the connector's async dependency. The fix renames every use of the imported name in the file (annotations, string annotations, aliases) and turns the import into `from sqlalchemy.ext.asyncio import AsyncSession` (`sqlmodel.ext.asyncio.session` for SQLModel). There is no fix when the name is re-exported (`__all__`, or imported by another module), when the file calls `Session(...)`, when a function handed to `run_sync` uses it (that one receives a sync Session by design), nor for `sessionmaker` and `scoped_session`. Types travel: a renamed return annotation makes the callers' values AsyncSessions too, and the next pass may add `await`s there.",
  },
  fix: {
    applicability: "unsafe",
    description:
      "Import AsyncSession instead of Session and rename every use in the file (sessionmaker and scoped_session have no fix)",
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
        const migration = a.name === "Session" ? fileMigration(ctx) : null;
        const edits = migration?.imp.alias === a ? migration.edits : null;
        ctx.report(
          site.stmt,
          `'${a.name}' from ${site.module} is the sync API; use ${replacement} from ${site.module.startsWith("sqlmodel") ? "sqlmodel.ext.asyncio.session" : "sqlalchemy.ext.asyncio"} and get sessions from the connector`,
          edits
            ? {
                description: "Import AsyncSession instead of Session and rename every use in the file",
                applicability: "unsafe",
                edits,
              }
            : undefined,
        );
      }
    }
  },
});
