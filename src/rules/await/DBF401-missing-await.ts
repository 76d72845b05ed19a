import { addAwaitFix, asyncWithFix } from "../../fix/await.js";
import { defineRule } from "../rule.js";
import { coroutineMethod, handedToTaker, runsIn, storedAndAwaited } from "./coroutines.js";

const BEGIN = new Set(["begin", "begin_nested"]);

export default defineRule({
  code: "DBF401",
  name: "missing-await",
  severity: "error",
  summary: "A coroutine method of an async session is called without `await`",
  docs: {
    what: "Reports, inside an `async def`, a coroutine method of an async session value (`AsyncSession.execute/commit/...`, `AsyncConnection`, `AsyncEngine.dispose`, the `AsyncResult` family's `all/first/...`) called without `await`, and `begin()`/`begin_nested()` neither awaited nor used in `async with`. A coroutine handed to `asyncio.gather`/`wait_for`/`shield`/`create_task`/`TaskGroup.create_task`, or stored and awaited later in the same function, is fine.",
    why: "An un-awaited coroutine never runs: the commit silently does not happen, the query returns a coroutine object, and Python only warns 'coroutine was never awaited' at garbage collection.",
    example: {
      bad: "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def save(session: AsyncSession) -> None:\n    session.commit()\n",
      good: "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def save(session: AsyncSession) -> None:\n    await session.commit()\n",
      fixed:
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def save(session: AsyncSession) -> None:\n    await session.commit()\n",
    },
    fixSafety:
      "Safe: as written the coroutine never runs, so awaiting it makes the code do what it says. A call something is taken from is wrapped (`(await session.execute(q)).scalars()`), and a one-item `with session.begin():` becomes `async with`. The fix is unsafe where the coroutine is passed to another call or put in a list, tuple, set or dict, since it may be meant to be awaited there (`asyncio.gather(*tasks)`); there is none in a generator expression, a lambda or a class body, nor for a sync `for` over `stream()`.",
  },
  fix: { applicability: "safe", description: "Add `await` (or `async with` for a one-item `with session.begin()`)" },
  check(ctx) {
    for (const site of ctx.facts.calls) {
      if (!site.fn?.def.isAsync || !runsIn(site) || site.awaited) continue;
      const method = coroutineMethod(site);
      if (method) {
        if (handedToTaker(site, ctx.facts) || storedAndAwaited(site, ctx.facts)) continue;
        const recv = site.receiver?.t === "db" ? site.receiver.db : "AsyncSession";
        ctx.report(
          site.call,
          `${recv}.${method}() is a coroutine and is not awaited, so it never runs; add 'await'`,
          addAwaitFix(site, ctx),
        );
        continue;
      }
      if (!site.method || !BEGIN.has(site.method) || site.receiver?.t !== "db") continue;
      if (!["AsyncSession", "AsyncConnection", "AsyncEngine"].includes(site.receiver.db)) continue;
      const s = site.stmt;
      if (s.kind === "With" && s.isAsync && s.items.some((i) => i.expr === site.call)) continue;
      if (handedToTaker(site, ctx.facts) || storedAndAwaited(site, ctx.facts)) continue;
      ctx.report(
        site.call,
        `${site.receiver.db}.${site.method}() must be awaited or used as 'async with ${site.receiver.db === "AsyncSession" ? "session" : "conn"}.${site.method}()'; as written no transaction is started`,
        s.kind === "With" && s.items.some((i) => i.expr === site.call)
          ? asyncWithFix(site, ctx)
          : addAwaitFix(site, ctx),
      );
    }
  },
});
