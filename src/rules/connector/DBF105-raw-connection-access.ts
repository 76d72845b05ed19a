import { RAW_CONNECTION_ATTRIBUTES } from "../../semantic/knowledge/sqlalchemy.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF105",
  name: "raw-connection-access",
  severity: "error",
  summary: "Reaches the raw DB-API connection outside the connector",
  docs: {
    what: "Reports `.raw_connection()`, `.get_raw_connection()`, `.dbapi_connection`, `.driver_connection` and `.exec_driver_sql(...)` outside the connector.",
    why: "The raw driver connection escapes SQLAlchemy's transaction and pooling rules: work done on it is invisible to the session, and with a sync driver it blocks the event loop.",
    example: {
      bad: 'from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def refresh(session: AsyncSession) -> None:\n    conn = await session.connection()\n    await conn.exec_driver_sql("REFRESH MATERIALIZED VIEW search_index")\n',
      good: 'from sqlalchemy import text\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def refresh(session: AsyncSession) -> None:\n    await session.execute(text("REFRESH MATERIALIZED VIEW search_index"))\n',
    },
  },
  check(ctx) {
    if (ctx.isConnector) return;
    for (const site of ctx.facts.attributes) {
      const attr = site.node.attr;
      if (!RAW_CONNECTION_ATTRIBUTES.has(attr)) continue;
      // A library module's function of that name (`some_lib.raw_connection`) is not a connection's method.
      if (site.base && site.base.kind !== "symbol") continue;
      const call = site.isCallee ? `${attr}()` : attr;
      ctx.report(
        site.node,
        `.${call} reaches the raw DB-API connection outside the connector; use the AsyncSession's execute(text(...)) or add the operation to the connector`,
      );
    }
  },
});
