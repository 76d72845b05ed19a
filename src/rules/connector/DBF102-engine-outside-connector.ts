import { ENGINE_FACTORIES } from "../../semantic/knowledge/sqlalchemy.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF102",
  name: "engine-outside-connector",
  severity: "error",
  summary: "Creates a SQLAlchemy engine outside the connector",
  docs: {
    what: "Reports calls of `create_engine`, `create_async_engine`, `engine_from_config`, `async_engine_from_config` and `create_pool_from_url` (through any import alias) outside the connector and the test-fixture modules.",
    why: "Every engine owns a connection pool. A second engine in a worker or a script opens connections the connector's pool settings do not account for, escapes `shutdown_database()`, and splits the configuration of the database across the codebase.",
    example: {
      bad: 'import os\n\nfrom sqlalchemy.ext.asyncio import create_async_engine\n\nengine = create_async_engine(os.environ["DATABASE_URL"])\n',
      good: 'from core.database import get_db_session\n\n__all__ = ["get_db_session"]\n',
    },
  },
  check(ctx) {
    if (ctx.isConnector || ctx.isTestFixture) return;
    for (const site of ctx.facts.calls) {
      const q = site.qname;
      if (!q) continue;
      const parts = q.split(".");
      const last = parts[parts.length - 1] as string;
      if (!ENGINE_FACTORIES.has(last) || (parts[0] !== "sqlalchemy" && parts[0] !== "sqlmodel")) continue;
      ctx.report(
        site.call,
        `${last}() builds a second engine and connection pool outside the connector; use the connector's engine through ${ctx.config.sessionDependency[0] ?? "get_db_session"}/${ctx.config.lifecycle.startup} instead`,
      );
    }
  },
});
