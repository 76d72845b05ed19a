import type { CallSite } from "../../semantic/analysis.js";
import { defineRule, dotted } from "../rule.js";
import { coroutineMethod } from "./coroutines.js";

const GATHERERS = new Set(["asyncio.gather", "asyncio.wait"]);

export default defineRule({
  code: "DBF404",
  name: "concurrent-session-use",
  severity: "error",
  summary: "One async session used by awaitables that run concurrently",
  docs: {
    what: "Reports one async session used by two or more awaitables that run concurrently: at an `asyncio.gather(...)`/`asyncio.wait(...)` whose arguments share a session (a generator of session calls counts as several), and at each `create_task(...)` after the first that hands the same session to a task of the same `TaskGroup`.",
    why: "An `AsyncSession` is not safe for concurrent use: SQLAlchemy raises `InvalidRequestError` ('This session is provisioning a new connection; concurrent operations are not permitted') or, worse, interleaves statements on one connection.",
    example: {
      bad: 'import asyncio\n\nfrom sqlalchemy import text\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def counts(session: AsyncSession) -> list[object]:\n    return await asyncio.gather(session.scalar(text("SELECT 1")), session.scalar(text("SELECT 2")))\n',
      good: 'from sqlalchemy import text\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def counts(session: AsyncSession) -> list[object]:\n    return [await session.scalar(text("SELECT 1")), await session.scalar(text("SELECT 2"))]\n',
    },
  },
  check(ctx) {
    const calls = ctx.facts.calls;
    /** Session expressions used by coroutine calls inside a span, with a multiplicity. */
    const sessionsIn = (span: { start: number; end: number }, site: CallSite): Map<string, number> => {
      const out = new Map<string, number>();
      for (const c of calls) {
        if (c.fn !== site.fn || c.call.start < span.start || c.call.end > span.end) continue;
        if (coroutineMethod(c) && c.call.func.kind === "Attribute") {
          const key = dotted(c.call.func.value);
          out.set(key, (out.get(key) ?? 0) + 1);
          continue;
        }
        // `count(session, ...)` where `count` is a project coroutine function: the task uses that session.
        const callee = ctx.infer.resolveExpr(c.call.func, c.ctx);
        if (callee?.kind !== "symbol" || callee.def.kind !== "function" || !callee.def.sig.isAsync) continue;
        for (const a of c.call.args) {
          const t = ctx.infer.valueType(a.value, c.ctx);
          if (t?.t !== "db" || (t.db !== "AsyncSession" && t.db !== "AsyncConnection")) continue;
          const key = dotted(a.value);
          out.set(key, (out.get(key) ?? 0) + 1);
        }
      }
      return out;
    };
    for (const site of calls) {
      if (!site.qname || !GATHERERS.has(site.qname)) continue;
      const total = new Map<string, number>();
      for (const a of site.call.args) {
        const generator =
          a.value.kind === "Comprehension" || (a.value.kind === "Starred" && a.value.value.kind === "Comprehension");
        for (const [key, n] of sessionsIn(a, site)) total.set(key, (total.get(key) ?? 0) + (generator ? 2 : n));
      }
      const shared = [...total].find(([, n]) => n >= 2);
      if (shared) {
        ctx.report(
          site.call,
          `'${shared[0]}' is used by several awaitables that ${site.qname}() runs concurrently; an AsyncSession allows one operation at a time — await them one by one, or give each task its own session from the connector`,
        );
      }
    }
    const seen = new Map<string, number>();
    for (const site of calls) {
      if (site.method !== "create_task" || site.call.func.kind !== "Attribute" || site.qname?.startsWith("asyncio."))
        continue;
      const group = dotted(site.call.func.value);
      for (const key of sessionsIn(site.call, site).keys()) {
        const k = `${site.fn?.def.start}:${group}:${key}`;
        const n = (seen.get(k) ?? 0) + 1;
        seen.set(k, n);
        if (n >= 2) {
          ctx.report(
            site.call,
            `this task and an earlier task of TaskGroup '${group}' share the session '${key}', and TaskGroup tasks run concurrently; give each task its own session from the connector`,
          );
        }
      }
    }
  },
});
