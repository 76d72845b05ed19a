/** Shared knowledge of the await rules: which calls make coroutines and where a coroutine may go un-awaited. */
import type { Expr } from "../../parser/ast.js";
import type { CallSite, FileFacts } from "../../semantic/analysis.js";
import { ASYNC_SESSION_TYPES, COROUTINE_METHODS } from "../../semantic/knowledge/sqlalchemy.js";

/** Callables that take a coroutine and await or schedule it (asyncio, anyio, TaskGroup). */
const COROUTINE_TAKERS = new Set([
  "asyncio.gather",
  "asyncio.wait_for",
  "asyncio.shield",
  "asyncio.create_task",
  "asyncio.ensure_future",
  "asyncio.wait",
  "asyncio.as_completed",
  "asyncio.run",
  "asyncio.run_coroutine_threadsafe",
  "anyio.run",
]);
const COROUTINE_TAKER_METHODS = new Set(["create_task", "start_soon", "start", "run_until_complete"]);

/** `session.execute(...)` and friends: the method's name when this call makes a coroutine. */
export function coroutineMethod(site: CallSite): string | null {
  if (site.receiver?.t !== "db" || !site.method) return null;
  if (!ASYNC_SESSION_TYPES.has(site.receiver.db)) return null;
  return COROUTINE_METHODS[site.receiver.db]?.has(site.method) ? site.method : null;
}

export function isCoroutineTaker(site: CallSite): boolean {
  if (site.qname && COROUTINE_TAKERS.has(site.qname)) return true;
  return (
    site.method !== null && COROUTINE_TAKER_METHODS.has(site.method) && site.qname?.startsWith("asyncio.") !== false
  );
}

/** The call sits inside the arguments of gather/create_task/... (directly or in a generator). */
/** The file's gather/create_task/... calls, found once per file (checking each call against all calls is quadratic). */
const takersByFile = new WeakMap<FileFacts, CallSite[]>();
function takers(facts: FileFacts): CallSite[] {
  let list = takersByFile.get(facts);
  if (!list) {
    list = facts.calls.filter(isCoroutineTaker);
    takersByFile.set(facts, list);
  }
  return list;
}

export function handedToTaker(site: CallSite, facts: FileFacts): boolean {
  return takers(facts).some(
    (c) =>
      c !== site &&
      c.fn === site.fn &&
      isCoroutineTaker(c) &&
      c.call.args.some((a) => a.start <= site.call.start && site.call.end <= a.end),
  );
}

/** `coro = session.execute(q)` followed by `await coro` or `gather(coro)` in the same function. */
export function storedAndAwaited(site: CallSite, facts: FileFacts): boolean {
  const s = site.stmt;
  // `coros = [session.get(M, k) for k in keys]` stores each coroutine the comprehension makes.
  if (s.kind !== "Assign" || (s.value !== site.call && comprehensionElement(s.value) !== site.call)) return false;
  const names = s.targets.filter((t) => t.kind === "Name").map((t) => (t as { id: string }).id);
  if (names.length === 0) return false;
  if (facts.awaitedNames.some((a) => a.fn === site.fn && names.includes(a.name))) return true;
  return takers(facts).some(
    (c) =>
      c.fn === site.fn &&
      isCoroutineTaker(c) &&
      c.call.args.some(
        (a) =>
          (a.value.kind === "Name" && names.includes(a.value.id)) ||
          (a.value.kind === "Starred" && a.value.value.kind === "Name" && names.includes(a.value.value.id)),
      ),
  );
}

/** The innermost function runs the call itself (not a lambda inside it). */
export function runsIn(site: CallSite): boolean {
  return !!site.fn && !site.fn.lambdas.some((l) => l.start <= site.call.start && site.call.end <= l.end);
}

/** The element of a comprehension (`(x for ...)`, `[x for ...]`, `{x for ...}`). */
function comprehensionElement(e: Expr): Expr | null {
  const c = e.kind === "Sequence" && e.items.length === 1 ? e.items[0] : e;
  return c?.kind === "Comprehension" ? c.element : null;
}
