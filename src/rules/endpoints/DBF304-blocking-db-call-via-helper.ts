import { callGraphOf } from "../../semantic/callgraph.js";
import { defineRule, dotted } from "../rule.js";

export default defineRule({
  code: "DBF304",
  name: "blocking-db-call-via-helper",
  severity: "error",
  summary: "A call from `async def` of a project sync function that blocks on the database",
  docs: {
    what: "Reports, inside an `async def`, a call of a project sync function (`def`) that makes a DBF303-kind blocking call (a method of a sync `Session`/`Connection`/`Engine`, a blocking driver call) itself or through further project sync functions, in any module. The finding is at the call in the `async def`, and the message names the whole chain (`calls load_user() → _fetch() → Session.execute()`), one finding per call. Functions handed to `asyncio.to_thread`, `run_in_executor`, `anyio.to_thread.run_sync` or `run_sync` are not called there and are not reported, nor are calls in lambdas, the sync function's own body, or chains through code dbfence cannot resolve (`getattr(...)`).",
    why: "Hiding a blocking call in a helper does not make it async: while the helper waits for the database, the whole event loop waits with it and every other request on that worker stalls.",
    example: {
      bad: 'from sqlalchemy import Engine, text\n\n\ndef count_orders(engine: Engine) -> int:\n    with engine.connect() as conn:\n        return conn.scalar(text("SELECT count(*) FROM orders")) or 0\n\n\nasync def orders_badge(engine: Engine) -> str:\n    return f"{count_orders(engine)} orders"\n',
      good: 'import asyncio\n\nfrom sqlalchemy import Engine, text\n\n\ndef count_orders(engine: Engine) -> int:\n    with engine.connect() as conn:\n        return conn.scalar(text("SELECT count(*) FROM orders")) or 0\n\n\nasync def orders_badge(engine: Engine) -> str:\n    return f"{await asyncio.to_thread(count_orders, engine)} orders"\n',
    },
  },
  check(ctx) {
    const graph = callGraphOf(ctx.infer);
    for (const site of ctx.facts.calls) {
      const fn = site.fn;
      if (!fn?.def.isAsync) continue;
      if (fn.lambdas.some((l) => l.start <= site.call.start && site.call.end <= l.end)) continue;
      const target = graph.callee(site.call.func, site.ctx);
      if (!target || target.sig.isAsync) continue;
      const chain = graph.blockingChain(target);
      if (!chain) continue;
      const name = `${target.key}()`;
      ctx.report(
        site.call,
        `${name} blocks the event loop inside 'async def ${fn.def.name}': it calls ${[name, ...chain].join(" → ")}; run it in a thread (await asyncio.to_thread(${dotted(site.call.func)}, ...)) or make the chain async with the connector's AsyncSession`,
      );
    }
  },
});
