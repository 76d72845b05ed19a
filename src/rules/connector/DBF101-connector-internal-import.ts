import { connectorApi } from "../../semantic/connector-api.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF101",
  name: "connector-internal-import",
  severity: "error",
  summary: "Imports a connector internal (engine, session factory) instead of the connector API",
  docs: {
    what: "Reports imports of names from the connector module that are not part of `connector-api` — `from core.database import SessionLocal`, or `import core.database as db` followed by `db.engine`.",
    why: "The connector is the one place that owns the engine and the session factory. Code that reaches for them directly bypasses `get_db_session` (its rollback and close handling, its pool settings) and cannot be moved to another connector without a hunt through the codebase.",
    example: {
      bad: "from core.database import engine\n\n\nasync def table_count() -> int:\n    async with engine.connect() as conn:\n        return len(await conn.run_sync(lambda c: c.dialect.get_table_names(c)))\n",
      good: "from fastapi import Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\nfrom core.database import get_db_session\n\n\nasync def handler(session: AsyncSession = Depends(get_db_session)) -> None:\n    await session.commit()\n",
    },
  },
  check(ctx) {
    if (ctx.isConnector) return;
    const api = connectorApi(ctx.config.connectorApi, ctx.infer.options.connectors);
    const listed = api.entries.join(", ");
    const isConnector = (m: string): boolean => ctx.infer.isConnectorModule(m);
    for (const site of ctx.facts.imports) {
      const s = site.stmt;
      if (s.kind !== "ImportFrom") continue;
      for (const a of s.names) {
        // `from core import database` imports the connector module itself: its attribute uses are checked below.
        if (isConnector(`${site.module}.${a.name}`) && ctx.infer.project.has(`${site.module}.${a.name}`)) continue;
        if (!isConnector(site.module)) {
          // A package that re-exports a connector internal (`from core import engine`) hands out the same object.
          const r = ctx.infer.project.has(site.module) ? ctx.infer.project.resolveMember(site.module, a.name) : null;
          if (r?.kind === "symbol" && isConnector(r.module) && !api.allows(r.module, r.name)) {
            ctx.report(
              s,
              `'${a.name}' is the connector's internal '${r.module}.${r.name}', re-exported by '${site.module}'; import only the connector's API (${listed})`,
            );
          }
          continue;
        }
        if (api.allows(site.module, a.name)) continue;
        ctx.report(
          s,
          `'${a.name}' is internal to the connector '${site.module}'; import only its API (${listed}) and receive sessions through Depends(${ctx.config.sessionDependency[0] ?? "get_db_session"})`,
        );
      }
    }
    for (const site of ctx.facts.attributes) {
      const base = site.base;
      if (base?.kind === "module" && !isConnector(base.module)) {
        const r = ctx.infer.project.resolveMember(base.module, site.node.attr);
        if (r?.kind === "symbol" && isConnector(r.module) && !api.allows(r.module, r.name)) {
          ctx.report(
            site.node,
            `'${base.module}.${site.node.attr}' is the connector's internal '${r.module}.${r.name}'; use the connector's API instead`,
          );
        }
        continue;
      }
      if (base?.kind !== "module" || !isConnector(base.module)) continue;
      if (api.allows(base.module, site.node.attr)) continue;
      // `core.database` spelled out: the first attribute is the package path, not a connector member.
      if (ctx.infer.project.has(`${base.module}.${site.node.attr}`)) continue;
      ctx.report(
        site.node,
        `'${base.module}.${site.node.attr}' is internal to the connector; use its API (${listed}) instead of reaching into it`,
      );
    }
  },
});
