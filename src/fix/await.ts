/** The await fixes: `await` added (DBF401), `await` removed (DBF402), `def` made `async def` (DBF301/DBF302). */
import type { Expr, FunctionDef } from "../parser/ast.js";
import type { RuleContext } from "../rules/rule.js";
import type { CallSite } from "../semantic/analysis.js";
import type { Fix } from "../types.js";
import { deleteEdit, insertEdit, lineEnd, sliceLine } from "./edits.js";
import { ancestorsOf, inClassBody } from "./python.js";

/**
 * `await` before a coroutine call inside `async def`. The call is wrapped, `(await s.execute(q)).scalars()`,
 * when something is taken from its result. No fix where `await` would not run in the function itself
 * (a class body, a generator expression, a lambda) or would still leave a sync `for` over an async stream.
 * Unsafe when the coroutine goes into another call or a container: it may be meant to be awaited there.
 */
export function addAwaitFix(site: CallSite, ctx: RuleContext): Fix | undefined {
  const { call, stmt, fn } = site;
  if (!fn || inClassBody(fn.def.body, call.start)) return undefined;
  const chain = ancestorsOf(stmt, call);
  if (!chain || chain.some((e) => e.kind === "Lambda" || (e.kind === "Comprehension" && e.generator))) return undefined;
  if (stmt.kind === "For" && !stmt.isAsync && stmt.iter === call && site.method?.startsWith("stream")) return undefined;
  const parent: Expr | undefined = chain[chain.length - 1];
  const taken =
    parent !== undefined &&
    ((parent.kind === "Attribute" && parent.value === call) ||
      (parent.kind === "Subscript" && parent.value === call) ||
      (parent.kind === "Call" && parent.func === call));
  const passedOn =
    parent !== undefined &&
    ((parent.kind === "Call" && parent.func !== call) || parent.kind === "Sequence" || parent.kind === "Dict");
  return {
    description: "Add `await`",
    applicability: passedOn ? "unsafe" : "safe",
    edits: taken
      ? [insertEdit(ctx.lines, call.start, "(await "), insertEdit(ctx.lines, call.end, ")")]
      : [insertEdit(ctx.lines, call.start, "await ")],
  };
}

/** `with session.begin():` → `async with session.begin():` (one item only: every item must be async then). */
export function asyncWithFix(site: CallSite, ctx: RuleContext): Fix | undefined {
  const s = site.stmt;
  if (s.kind !== "With" || s.isAsync || s.items.length !== 1 || s.items[0]?.expr !== site.call) return undefined;
  if (sliceLine(ctx.lines, s.start, s.start + 4) !== "with") return undefined;
  return {
    description: "Use `async with`",
    applicability: "safe",
    edits: [insertEdit(ctx.lines, s.start, "async ")],
  };
}

/** Deletes the `await` keyword (and the blanks after it), keeping any parentheses around the call. */
export function removeAwaitFix(node: Expr, ctx: RuleContext): Fix | undefined {
  if (node.kind !== "Await") return undefined;
  const line = ctx.lines.lineOf(node.start);
  const rest = sliceLine(ctx.lines, node.start, lineEnd(ctx.lines, line)) ?? "";
  const m = /^[(\s]*(await)\b[ \t]*/.exec(rest);
  if (!m) return undefined;
  const start = node.start + m[0].length - m[0].slice(m[0].indexOf("await")).length;
  const end = node.start + m[0].length;
  if (end > node.value.start) return undefined;
  return { description: "Remove `await`", applicability: "safe", edits: [deleteEdit(ctx.lines, start, end)] };
}

/** `def` → `async def` for a route handler. */
export function asyncDefFix(def: FunctionDef, ctx: RuleContext): Fix | undefined {
  if (def.isAsync || sliceLine(ctx.lines, def.defStart, def.defStart + 3) !== "def") return undefined;
  return {
    description: "Make the handler `async def`",
    applicability: "unsafe",
    edits: [insertEdit(ctx.lines, def.defStart, "async ")],
  };
}
