/**
 * The unsafe `Session` → `AsyncSession` fixes of DBF201 and DBF202. When a file imports the sync
 * `Session` by name at module level (once), its fix is one whole-file change — every use renamed,
 * the import replaced — and every DBF201/DBF202 fix of the file carries those same edits (plus any
 * rename of its own), so they apply together and never add the import twice. Otherwise DBF202
 * renames the one annotation and imports `AsyncSession`.
 */
import type { Expr, ImportAlias, ImportFrom, Str } from "../parser/ast.js";
import { walkExpr, walkStmts } from "../parser/walk.js";
import type { RuleContext } from "../rules/rule.js";
import { SYNC_SESSION_IMPORTS } from "../semantic/knowledge/sqlalchemy.js";
import type { TextEdit } from "../types.js";
import { deleteEdit, lineEnd, nextLineStart, replaceEdit, sliceLine } from "./edits.js";
import { asyncSessionModule, asyncSessionName } from "./imports.js";
import { namesCalled } from "./python.js";

export interface SyncSessionImport {
  stmt: ImportFrom;
  alias: ImportAlias;
  /** The library module it is imported from (`sqlalchemy.orm`, `sqlmodel`). */
  module: string;
}

/** The module-level `from sqlalchemy.orm import Session [as X]` statements (nested blocks included). */
function syncSessionImports(ctx: RuleContext): SyncSessionImport[] {
  const found: SyncSessionImport[] = [];
  walkStmts(ctx.tree.body, (s) => {
    if (s.kind !== "ImportFrom" || s.level !== 0 || !SYNC_SESSION_IMPORTS[s.module]?.has("Session")) return;
    for (const alias of s.names) if (alias.name === "Session") found.push({ stmt: s, alias, module: s.module });
  });
  return found;
}

export interface Migration {
  imp: SyncSessionImport;
  /** The name the file uses for AsyncSession afterwards. */
  asyncName: string;
  edits: TextEdit[];
}

const migrations = new WeakMap<object, Migration | null>();

/** The file's whole-file migration, when it imports the sync Session exactly once and every use can be renamed. */
export function fileMigration(ctx: RuleContext): Migration | null {
  if (migrations.has(ctx.facts)) return migrations.get(ctx.facts) ?? null;
  const imports = syncSessionImports(ctx);
  const only = imports.length === 1 ? (imports[0] as SyncSessionImport) : null;
  const m = only ? sessionMigration(ctx, only) : null;
  migrations.set(ctx.facts, m);
  return m;
}

/**
 * Spans of the file's functions handed to `run_sync(fn, ...)`: they receive a sync Session by design,
 * so their annotations stay as they are (and the file-wide rename is off).
 */
export function runSyncCallbacks(ctx: RuleContext): { start: number; end: number }[] {
  const names = new Set<string>();
  for (const c of ctx.facts.calls) {
    if (c.method !== "run_sync") continue;
    const first = c.call.args[0]?.value;
    if (first?.kind === "Name") names.add(first.id);
    else if (first?.kind === "Attribute") names.add(first.attr);
  }
  return ctx.facts.functions.filter((f) => names.has(f.def.name)).map((f) => ({ start: f.def.start, end: f.def.end }));
}

const inside = (spans: readonly { start: number; end: number }[], offset: number): boolean =>
  spans.some((s) => s.start <= offset && offset < s.end);

/** The offsets of the identifier itself (a Name's span may include enclosing parentheses). */
function identifierSpan(ctx: RuleContext, e: Expr, id: string): { start: number; end: number } | null {
  const text = sliceLine(ctx.lines, e.start, e.end);
  if (text === null) return null;
  const at = text === id ? 0 : text.search(new RegExp(`(?<![\\w.])${id.replace(/\./g, "\\.")}(?![\\w.])`));
  return at < 0 ? null : { start: e.start + at, end: e.start + at + id.length };
}

/** Where a one-line string literal's content starts, when the content is exactly its value (no escapes). */
function stringContent(ctx: RuleContext, s: Str): number | null {
  if (s.value === null || s.fstring || s.bytes) return null;
  const raw = sliceLine(ctx.lines, s.start, s.end);
  const m = raw === null ? null : /^(\(*\s*[rRuU]?)('{3}|"{3}|'|")(.*)\2\s*\)*$/s.exec(raw);
  if (!m || m[3] !== s.value) return null;
  return s.start + (m[1] as string).length + (m[2] as string).length;
}

/** Renames every `from` (a whole name, not an attribute) inside a string annotation. */
function renameInString(ctx: RuleContext, s: Str, from: string, to: string): TextEdit[] | null {
  const at = stringContent(ctx, s);
  if (at === null || s.value === null) return null;
  const re = new RegExp(`(?<![\\w.])${from.replace(/\./g, "\\.")}(?![\\w])`, "g");
  return [...s.value.matchAll(re)].map((m) =>
    replaceEdit(ctx.lines, at + (m.index ?? 0), at + (m.index ?? 0) + from.length, to),
  );
}

const mentions = (text: string, id: string): boolean =>
  new RegExp(`(?<![\\w.])${id.replace(/\./g, "\\.")}(?![\\w])`).test(text);

/** The whole-file change for one sync `Session` import; null when some use cannot be renamed safely. */
function sessionMigration(ctx: RuleContext, imp: SyncSessionImport): Migration | null {
  const local = imp.alias.asname ?? imp.alias.name;
  if (isExported(ctx, local)) return null;
  const target = asyncSessionModule(`${imp.module}.Session`);
  const bound = asyncSessionName(ctx, target);
  if (!bound || bound.local === local) return null;
  // `Session(engine)` builds a sync session: turning it into `AsyncSession(engine)` needs a person (DBF103).
  if (ctx.facts.calls.some((c) => c.call.func.kind === "Name" && c.call.func.id === local)) return null;
  const edits: TextEdit[] = [];
  const callbacks = runSyncCallbacks(ctx);
  for (const n of namesCalled(ctx.tree, local)) {
    if (inside(callbacks, n.start)) return null;
    const span = identifierSpan(ctx, n, local);
    if (!span) return null;
    edits.push(replaceEdit(ctx.lines, span.start, span.end, bound.local));
  }
  // String annotations (`"Session | None"`) are renamed too; one with escapes is left to a person.
  for (const site of ctx.facts.annotations) {
    let ok = true;
    walkExpr(site.annotation, (e) => {
      if (e.kind !== "Str" || e.value === null || !mentions(e.value, local)) return true;
      const renamed = renameInString(ctx, e, local, bound.local);
      if (renamed) edits.push(...renamed);
      else ok = false;
      return false;
    });
    if (!ok) return null;
  }

  const { stmt, alias } = imp;
  const { lines } = ctx;
  const i = stmt.names.indexOf(alias);
  if (stmt.names.length > 1) {
    const next = stmt.names[i + 1];
    const prev = stmt.names[i - 1];
    if (next) edits.push(deleteEdit(lines, alias.start, next.start));
    else if (prev) edits.push(deleteEdit(lines, prev.end, alias.end));
    if (bound.plan) edits.push(...bound.plan.edits);
    return { imp, asyncName: bound.local, edits };
  }
  if (bound.plan?.kind === "line") {
    // The only name: the statement becomes the AsyncSession import, where it was.
    edits.push(replaceEdit(lines, stmt.start, stmt.end, `from ${target} import AsyncSession`));
    return { imp, asyncName: bound.local, edits };
  }
  if (bound.plan) edits.push(...bound.plan.edits);
  const removal = removeStatement(ctx, stmt);
  if (!removal) return null;
  edits.push(removal);
  return { imp, asyncName: bound.local, edits };
}

/** Other modules import the name from this one (or `__all__` lists it): renaming it would break them. */
function isExported(ctx: RuleContext, local: string): boolean {
  if (ctx.facts.summary.exportsAll?.includes(local)) return true;
  return ctx.infer.project.isImportedFrom(ctx.facts.module, local);
}

/** Deletes a statement with its lines when it has them to itself at module level, else leaves `pass`. */
function removeStatement(ctx: RuleContext, stmt: ImportFrom): TextEdit | null {
  const { lines } = ctx;
  const first = lines.lineOf(stmt.start);
  const last = lines.lineOf(Math.max(stmt.start, stmt.end - 1));
  const before = sliceLine(lines, lines.lineStart(first), stmt.start);
  const after = sliceLine(lines, stmt.end, lineEnd(lines, last));
  const alone = before !== null && before.trim() === "" && after !== null && /^\s*(#.*)?$/.test(after);
  if (!ctx.tree.body.includes(stmt)) return alone ? replaceEdit(lines, stmt.start, stmt.end, "pass") : null;
  if (!alone) return null;
  const next = nextLineStart(lines, last);
  return deleteEdit(lines, lines.lineStart(first), next ?? lineEnd(lines, last));
}

/**
 * DBF202 for one annotation use: the file's migration when there is one (plus a rename of this use
 * when the migration does not cover it, e.g. `orm.Session`), else a rename here and an import.
 */
export function annotationFix(
  ctx: RuleContext,
  at: Expr,
  syncQname: string,
  /** For a string annotation: the sync Session uses in the parsed string (offsets 1 past the content's). */
  inner: readonly Expr[] = [],
): { edits: TextEdit[]; wholeFile: boolean } | null {
  if (inside(runSyncCallbacks(ctx), at.start)) return null;
  const migration = fileMigration(ctx);
  const local = migration ? (migration.imp.alias.asname ?? migration.imp.alias.name) : null;
  const covered =
    local !== null &&
    ((at.kind === "Name" && at.id === local) ||
      (at.kind === "Str" && inner.length > 0 && inner.every((u) => u.kind === "Name" && u.id === local)));
  if (migration && covered) return { edits: migration.edits, wholeFile: true };
  const bound = migration
    ? { local: migration.asyncName, plan: null }
    : asyncSessionName(ctx, asyncSessionModule(syncQname));
  if (!bound) return null;
  const edits: TextEdit[] = [];
  if (at.kind === "Str") {
    const content = stringContent(ctx, at);
    if (content === null || at.value === null || inner.length === 0) return null;
    for (const use of inner) {
      const text = at.value.slice(use.start - 1, use.end - 1);
      if (!/^[A-Za-z_][\w.]*$/.test(text)) return null;
      edits.push(replaceEdit(ctx.lines, content + use.start - 1, content + use.end - 1, bound.local));
    }
  } else if (at.kind === "Name" || at.kind === "Attribute") {
    const text = sliceLine(ctx.lines, at.start, at.end);
    const dotted = text?.replace(/^[(\s]+|[)\s]+$/g, "") ?? "";
    const span = /^[A-Za-z_][\w.]*$/.test(dotted) ? identifierSpan(ctx, at, dotted) : null;
    if (!span) return null;
    edits.push(replaceEdit(ctx.lines, span.start, span.end, bound.local));
  } else {
    return null;
  }
  if (migration) return { edits: [...edits, ...migration.edits], wholeFile: true };
  return { edits: [...edits, ...(bound.plan?.edits ?? [])], wholeFile: false };
}
