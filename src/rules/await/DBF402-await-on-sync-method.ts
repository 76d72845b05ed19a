import { removeAwaitFix } from "../../fix/await.js";
import { ASYNC_SESSION_SYNC_METHODS } from "../../semantic/knowledge/sqlalchemy.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF402",
  name: "await-on-sync-method",
  severity: "error",
  summary: "`await` applied to a sync method of an async session",
  docs: {
    what: "Reports `await` applied to a sync method of an async session value: `add`, `add_all`, `expire`, `expire_all`, `expunge`, `expunge_all`, `is_modified`, `in_transaction`, `in_nested_transaction`, `get_bind`, `get_transaction`, `get_nested_transaction`.",
    why: "These methods return plain values (`None`, a bool, a transaction); awaiting them raises `TypeError: object NoneType can't be used in 'await' expression` at runtime.",
    example: {
      bad: "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def save(session: AsyncSession, item: object) -> None:\n    await session.add(item)\n    await session.commit()\n",
      good: "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def save(session: AsyncSession, item: object) -> None:\n    session.add(item)\n    await session.commit()\n",
      fixed:
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def save(session: AsyncSession, item: object) -> None:\n    session.add(item)\n    await session.commit()\n",
    },
    fixSafety:
      "Safe: awaiting the plain value the method returns raises TypeError every time, so removing `await` takes away no working behaviour. Only the keyword goes; parentheses around the call stay.",
  },
  fix: { applicability: "safe", description: "Remove `await`" },
  check(ctx) {
    for (const site of ctx.facts.calls) {
      if (!site.awaited || !site.method || site.receiver?.t !== "db" || site.receiver.db !== "AsyncSession") continue;
      if (!ASYNC_SESSION_SYNC_METHODS.has(site.method)) continue;
      ctx.report(
        site.parent ?? site.call,
        `AsyncSession.${site.method}() is a sync method; awaiting its result raises TypeError at runtime — remove 'await'`,
        site.parent ? removeAwaitFix(site.parent, ctx) : undefined,
      );
    }
  },
});
