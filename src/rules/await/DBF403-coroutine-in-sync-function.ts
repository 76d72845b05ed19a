import { defineRule } from "../rule.js";
import { coroutineMethod, handedToTaker } from "./coroutines.js";

export default defineRule({
  code: "DBF403",
  name: "coroutine-in-sync-function",
  severity: "error",
  summary: "A coroutine method of an async session is called in a plain `def`",
  docs: {
    what: "Reports a coroutine method of an async session value (the DBF401 list) called inside a non-async `def`, where it can never be awaited. Receiving, storing or passing on the session in a sync `def` is fine, and so is a call whose coroutine is directly returned.",
    why: "The coroutine is created and dropped: the query or commit never runs, and nothing fails loudly.",
    example: {
      bad: "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nclass Repo:\n    def __init__(self, session: AsyncSession) -> None:\n        self.session = session\n\n    def save(self) -> None:\n        self.session.commit()\n",
      good: "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nclass Repo:\n    def __init__(self, session: AsyncSession) -> None:\n        self.session = session\n\n    async def save(self) -> None:\n        await self.session.commit()\n",
    },
  },
  check(ctx) {
    for (const site of ctx.facts.calls) {
      if (!site.fn || site.fn.def.isAsync) continue;
      const method = coroutineMethod(site);
      if (!method) continue;
      if (site.stmt.kind === "Return" && site.stmt.value === site.call) continue;
      if (handedToTaker(site, ctx.facts)) continue;
      ctx.report(
        site.call,
        `${site.receiver?.t === "db" ? site.receiver.db : "AsyncSession"}.${method}() makes a coroutine inside plain 'def ${site.fn.def.name}', where it can never be awaited; make the function 'async def' and await it`,
      );
    }
  },
});
