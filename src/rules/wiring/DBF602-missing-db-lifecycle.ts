import type { FunctionRef } from "../../semantic/apps.js";
import { defineRule } from "../rule.js";
import { connectorFunction, topLevelApps } from "./connector-calls.js";
import { APP_WITHOUT_LIFECYCLE, COMPLETE_APP } from "./examples.js";

export default defineRule({
  code: "DBF602",
  name: "missing-db-lifecycle",
  severity: "error",
  summary: "A FastAPI app does not await the connector's startup and shutdown",
  docs: {
    what: 'Reports a top-level FastAPI app whose startup does not `await` the connector\'s `initialize_database()` or whose shutdown does not `await` `shutdown_database()` (config `lifecycle`): in a lifespan context manager before/after its `yield`, or in `on_event("startup"/"shutdown")`, `add_event_handler` or `on_startup=`/`on_shutdown=` handlers. Handlers and lifespans returned by project factory functions are followed. One finding per app, naming what is missing; mounted sub-apps and apps created in test modules (config `test-modules`) are not reported.',
    why: "Without startup the first requests pay for pool creation (and schema checks never run); without shutdown the pool's connections are dropped instead of closed, which the database sees as aborted sessions on every deploy.",
    example: {
      bad: APP_WITHOUT_LIFECYCLE,
      good: COMPLETE_APP,
    },
  },
  checkProject(ctx) {
    const { startup, shutdown } = ctx.config.lifecycle;
    const awaitsIn = (fn: FunctionRef, name: string, afterYield: boolean | null): boolean => {
      const mctx = ctx.infer.moduleContext(fn.module);
      return fn.sig.awaits.some(
        (a) =>
          (afterYield === null || a.afterYield === afterYield) && connectorFunction(a.func, mctx, ctx.infer) === name,
      );
    };
    for (const model of topLevelApps(ctx)) {
      if (model.lifecycleUnknown || model.lifespan === "unknown") continue;
      const lifespan = model.lifespan;
      const starts =
        (lifespan !== null && awaitsIn(lifespan, startup, false)) ||
        model.startup.some((h) => awaitsIn(h, startup, null));
      const stops =
        (lifespan !== null && awaitsIn(lifespan, shutdown, true)) ||
        model.shutdown.some((h) => awaitsIn(h, shutdown, null));
      if (starts && stops) continue;
      const missing = [
        !starts ? `startup does not await ${startup}()` : null,
        !stops ? `shutdown does not await ${shutdown}()` : null,
      ]
        .filter(Boolean)
        .join(" and ");
      ctx.report(
        model.app.path,
        model.app.call,
        `this FastAPI app's ${missing}; await them in a lifespan context manager (before and after its 'yield') so the connector's pool is opened and closed with the app`,
      );
    }
  },
});
