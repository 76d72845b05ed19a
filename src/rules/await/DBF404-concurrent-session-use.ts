import type { Expr } from "../../parser/ast.js";
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
    what: "Reports one async session used by two or more awaitables that run concurrently: at an `asyncio.gather(...)`/`asyncio.wait(...)` whose arguments share a session (any comprehension of session calls or tasks — generator, list or set, starred or not, also through a name bound to one — counts as several), and at each `create_task(...)` after the first that hands the same session to a task of the same `TaskGroup` (one inside a loop counts as several, so it is reported).",
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
        // A comprehension (generator, list or set; starred or not; or a name bound to one) makes many awaitables.
        const many = comprehensionOf(a.value, site);
        for (const [key, n] of sessionsIn(many ?? a, site)) total.set(key, (total.get(key) ?? 0) + (many ? 2 : n));
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
      const repeated = inLoopOfGroup(site, group);
      for (const key of sessionsIn(site.call, site).keys()) {
        const k = `${site.fn?.def.start}:${group}:${key}`;
        const n = (seen.get(k) ?? 0) + (repeated ? 2 : 1);
        seen.set(k, n);
        if (n >= 2) {
          ctx.report(
            site.call,
            repeated
              ? `this call creates a task of TaskGroup '${group}' on each iteration, and all of them share the session '${key}' while TaskGroup tasks run concurrently; give each task its own session from the connector, or await the work one item at a time`
              : `this task and an earlier task of TaskGroup '${group}' share the session '${key}', and TaskGroup tasks run concurrently; give each task its own session from the connector`,
          );
        }
      }
    }
  },
});

/** The comprehension an argument of gather/wait stands for: itself, starred, or a local name bound to one. */
function comprehensionOf(e: Expr, site: CallSite): Expr | null {
  const inner = e.kind === "Starred" ? e.value : e;
  if (inner.kind === "Name") {
    const bound = site.ctx.binding?.(inner.id)?.value;
    return bound ? comprehension(bound) : null;
  }
  return comprehension(inner);
}

/** `(x for ...)`, `[x for ...]`, `{x for ...}`: the comprehension. */
function comprehension(e: Expr): Expr | null {
  if (e.kind === "Comprehension") return e;
  if (e.kind === "Sequence" && e.items.length === 1 && e.items[0]?.kind === "Comprehension") return e.items[0];
  return null;
}

/** `tg.create_task(...)` inside a loop (or comprehension) that runs within one `async with ... as tg`. */
function inLoopOfGroup(site: CallSite, group: string): boolean {
  const fn = site.fn;
  if (!fn) return false;
  const within = (outer: { start: number; end: number }, inner: { start: number; end: number }): boolean =>
    outer.start <= inner.start && inner.end <= outer.end;
  return fn.loops.some(
    (loop) =>
      within(loop, site.call) &&
      // A group opened inside the loop is a new group on each iteration.
      !fn.withTargets.some((w) => w.name === group && within(loop, w) && within(w, site.call)),
  );
}
