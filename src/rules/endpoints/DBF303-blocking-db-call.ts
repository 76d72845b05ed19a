import { blockingCall } from "../../semantic/callgraph.js";
import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF303",
  name: "blocking-db-call",
  severity: "error",
  summary: "A blocking database call inside `async def`",
  docs: {
    what: "Reports, inside an `async def`, a call that blocks the event loop on the database: a method of a sync `Session`/`Connection`/`Engine`, or a blocking driver call (`psycopg2.connect`, `sqlite3.connect` and every method of their connections and cursors). Identity-map methods without I/O (`add`, `expunge`, `expire`, ...), calls in plain `def` functions, in lambdas, and in functions handed to `run_sync`, `run_in_executor` or `asyncio.to_thread` are not reported.",
    why: "While a sync call waits for the database, the whole event loop waits with it: every other request on that worker stalls.",
    example: {
      bad: 'import sqlite3  # dbfence: ignore[DBF104] the example needs the driver\n\n\nasync def cached(key: str) -> object:\n    conn = sqlite3.connect("cache.db")\n    return key\n',
      good: "import asyncio\n\n\ndef _load(key: str) -> object:\n    return key\n\n\nasync def cached(key: str) -> object:\n    return await asyncio.to_thread(_load, key)\n",
    },
  },
  check(ctx) {
    for (const site of ctx.facts.calls) {
      const fn = site.fn;
      if (!fn?.def.isAsync) continue;
      if (fn.lambdas.some((l) => l.start <= site.call.start && site.call.end <= l.end)) continue;
      // Awaiting a sync method's result would be a TypeError: code that awaits the call shows the value is
      // in fact async (a mis-annotated `session: Session`, which DBF202 reports); it does not block.
      if (site.awaited) continue;
      // `session.add(x)` and friends only touch the identity map: no I/O, nothing blocks.
      const what = blockingCall(site.receiver, site.method, site.qname);
      if (!what) continue;
      ctx.report(
        site.call,
        `${what} blocks the event loop inside 'async def ${fn.def.name}'; use the connector's AsyncSession (await session.execute(...)) or move the blocking work to a thread with asyncio.to_thread`,
      );
    }
  },
});
