import { databaseChain } from "../../semantic/fastapi.js";
import { defineRule } from "../rule.js";
import { connectorFunction, topLevelApps } from "./connector-calls.js";
import { APP_WITHOUT_DB_HEALTH, COMPLETE_APP } from "./examples.js";

export default defineRule({
  code: "DBF601",
  name: "missing-db-health-endpoint",
  severity: "error",
  summary: "A FastAPI app has no async GET health route that uses the connector",
  docs: {
    what: "Reports a top-level FastAPI app (one not mounted into another app — also when a factory's return value is mounted — and not created in a test module, config `test-modules`) with no `GET` route at `health-path` (default `/health/db`, router, `include_router` and `mount` prefixes resolved across modules, routes registered by helpers the app is passed to included) whose handler is `async def` and uses the connector — through the session dependency or a connector API call such as `health_check_database()`. It is reported at the `FastAPI(...)` call. When an included router, or a function the app is handed to, cannot be resolved statically, dbfence stays silent.",
    why: "Load balancers, orchestrators and the daily audit probe the database through this route. Without it (or with one that never touches the database) an app with a dead connection pool still looks healthy.",
    example: {
      bad: APP_WITHOUT_DB_HEALTH,
      good: COMPLETE_APP,
    },
  },
  checkProject(ctx) {
    const healthPath = ctx.config.healthPath;
    const sessionDeps = new Set(ctx.config.sessionDependency);
    for (const model of topLevelApps(ctx)) {
      if (!model.complete) continue;
      const ok = model.routes.some((r) => {
        // A route whose path is not constant (`prefix=settings.API_PREFIX`) may be the health route.
        if ((r.path !== null && r.path !== healthPath) || !r.methods.includes("GET") || !r.handler?.sig.isAsync)
          return false;
        const mctx = ctx.infer.moduleContext(r.handler.module);
        const chain = databaseChain(r.handler.sig.params, mctx, ctx.infer);
        if (chain && sessionDeps.has(chain[chain.length - 1] as string)) return true;
        return r.handler.sig.callees.some((c) => connectorFunction(c, mctx, ctx.infer) !== null);
      });
      if (ok) continue;
      const atPath = model.routes.filter((r) => r.path === healthPath);
      const why =
        atPath.length === 0
          ? `has no route at ${healthPath}`
          : `has ${healthPath}, but not as an 'async def' GET handler that uses the connector (get_db_session or a connector call such as health_check_database())`;
      ctx.report(
        model.app.path,
        model.app.call,
        `this FastAPI app ${why}; add 'GET ${healthPath}' as an async handler that checks the database through the connector, so probes see a broken pool`,
      );
    }
  },
});
