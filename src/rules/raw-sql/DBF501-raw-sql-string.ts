import { STATEMENT_METHODS, STATEMENT_RUNNERS } from "../../semantic/knowledge/sqlalchemy.js";
import { defineRule } from "../rule.js";
import { stringKind } from "./strings.js";

export default defineRule({
  code: "DBF501",
  name: "raw-sql-string",
  severity: "error",
  summary: "Passes a plain SQL string as the statement to execute/scalar/scalars/stream",
  docs: {
    what: "Reports a `str` passed as the statement to `execute`, `scalar`, `scalars`, `stream`, `stream_scalars` or `exec` of a SQLAlchemy session or connection (sync or async): a literal, an f-string, string building, or a name bound to one of these in the same function or module.",
    why: "SQLAlchemy 2.0 rejects plain strings as statements (`ArgumentError: Textual SQL expression should be explicitly declared as text()`), and raw strings hide SQL from review and from bind-parameter handling.",
    example: {
      bad: 'from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def count_users(session: AsyncSession) -> int:\n    return await session.scalar("SELECT count(*) FROM users")\n',
      good: 'from sqlalchemy import text\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def count_users(session: AsyncSession) -> int:\n    return await session.scalar(text("SELECT count(*) FROM users"))\n',
    },
  },
  check(ctx) {
    for (const site of ctx.facts.calls) {
      if (!site.method || !STATEMENT_METHODS.has(site.method)) continue;
      if (site.receiver?.t !== "db" || !STATEMENT_RUNNERS.has(site.receiver.db)) continue;
      const stmt = site.call.args.find((a) => a.star === 0 && (a.name === null || a.name === "statement"))?.value;
      if (!stmt || stringKind(stmt, site.ctx) === null) continue;
      ctx.report(
        site.call,
        `${site.receiver.db}.${site.method}() is given a plain SQL string; wrap it in sqlalchemy.text(...) with bind parameters, or build it with select()/insert()/update()`,
      );
    }
  },
});
