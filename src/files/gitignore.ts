/**
 * `.gitignore` handling for the walker.
 *
 * The `ignore` package evaluates one rule list against paths relative to one folder, and it always
 * checks parent folders with the same rule list. Git, however, gives a deeper `.gitignore` precedence
 * over a shallower one, and a rule there can re-include (`!build/`) what a parent file excluded.
 * Evaluating one `ignore` instance per `.gitignore` file therefore gets precedence wrong for folders.
 * Instead every `.gitignore` is rewritten relative to a single base folder (the repository top) and
 * appended to ONE instance, ancestors before descendants. "Last matching rule wins" then reproduces
 * git's precedence exactly, parent exclusion included. Rules of a sibling folder carry that folder's
 * prefix, so they can never match elsewhere.
 *
 * Not handled (documented limits): `core.excludesFile`, `.git` files that point elsewhere (worktrees,
 * submodules: their `info/exclude` is not read), nested repositories (treated as plain folders).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ignore, { type Ignore } from "ignore";

/** Posix path of `abs` relative to `base`; "" for the base itself; starts with ".." when outside. */
export function posixRelative(base: string, abs: string): string {
  const rel = path.relative(base, abs);
  return path.sep === "/" ? rel : rel.split(path.sep).join("/");
}

/** True for a `posixRelative` result that leaves the base (but not for a name like `..foo`). */
export function isOutside(rel: string): boolean {
  return rel === ".." || rel.startsWith("../") || path.isAbsolute(rel);
}

export function isInsideOrSame(parent: string, child: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : parent + path.sep;
  return child.startsWith(prefix);
}

/**
 * Rewrites one `.gitignore` line of the folder `prefix` (posix, relative to the base; "" for the base
 * itself) so that it means the same thing when evaluated from the base. Returns null for blank and
 * comment lines.
 */
export function rebaseGitignoreLine(line: string, prefix: string): string | null {
  let body = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (body.trim() === "" || body.startsWith("#")) return null;
  if (prefix === "") return body;
  let negated = false;
  if (body.startsWith("!")) {
    negated = true;
    body = body.slice(1);
  }
  // Unescaped trailing spaces are not part of the pattern; drop them so a trailing "/" is seen.
  while (body.endsWith(" ") && !body.endsWith("\\ ")) body = body.slice(0, -1);
  // `\#` and `\!` only need their backslash at the start of a line; mid-pattern they are literal.
  if (body.startsWith("\\#") || body.startsWith("\\!")) body = body.slice(1);
  const dirOnly = body.endsWith("/");
  const core = dirOnly ? body.slice(0, -1) : body;
  if (core === "") return null;
  // A slash at the start or in the middle anchors the pattern to its .gitignore's folder; otherwise
  // it matches at any depth below that folder (gitignore(5), "PATTERN FORMAT").
  const anchored = core.includes("/");
  const rebased = anchored ? `${prefix}/${core.replace(/^\/+/, "")}` : `${prefix}/**/${core}`;
  return `${negated ? "!" : ""}${rebased}${dirOnly ? "/" : ""}`;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    // A missing or unreadable ignore file means "no rules", as for git itself.
    return null;
  }
}

export class GitignoreContext {
  readonly base: string;
  private readonly ig: Ignore = ignore();
  private readonly loaded = new Set<string>();

  constructor(base: string) {
    this.base = base;
    // `.git/info/exclude` ranks below every .gitignore, so its rules go first (last rule wins).
    const gitDir = path.join(base, ".git");
    if (isDirectory(gitDir)) this.addRules(readText(path.join(gitDir, "info", "exclude")), "");
  }

  /** Loads `dir/.gitignore` once. Callers load ancestors first (see `loadChain`). */
  load(dir: string): void {
    if (this.loaded.has(dir)) return;
    this.loaded.add(dir);
    const prefix = posixRelative(this.base, dir);
    if (isOutside(prefix)) return;
    this.addRules(readText(path.join(dir, ".gitignore")), prefix);
  }

  /** Loads every `.gitignore` from the base down to `dir`, in that order. */
  loadChain(dir: string): void {
    const rel = posixRelative(this.base, dir);
    if (isOutside(rel)) return;
    this.load(this.base);
    let current = this.base;
    for (const part of rel === "" ? [] : rel.split("/")) {
      current = path.join(current, part);
      this.load(current);
    }
  }

  ignores(abs: string, isDir: boolean): boolean {
    const rel = posixRelative(this.base, abs);
    if (rel === "" || isOutside(rel)) return false;
    return this.ig.ignores(isDir ? `${rel}/` : rel);
  }

  private addRules(text: string | null, prefix: string): void {
    if (text === null) return;
    const rules: string[] = [];
    for (const line of text.replace(/^\uFEFF/, "").split("\n")) {
      const rule = rebaseGitignoreLine(line, prefix);
      if (rule !== null) rules.push(rule);
    }
    if (rules.length > 0) this.ig.add(rules);
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * One context per repository top, shared by every walk of a run. The base for a folder is the
 * nearest ancestor holding `.git` (so a `dbfence.toml` in `backend/` still honours the monorepo's
 * top-level .gitignore, as git does); without one, the project root when the folder lies inside it,
 * else the folder itself.
 */
export class GitignoreContexts {
  private readonly byBase = new Map<string, GitignoreContext>();
  private readonly topCache = new Map<string, string | null>();

  constructor(private readonly root: string) {}

  forFolder(dir: string): GitignoreContext {
    const top = this.repoTop(dir);
    const base = top ?? (isInsideOrSame(this.root, dir) ? this.root : dir);
    return this.forBase(base);
  }

  forBase(base: string): GitignoreContext {
    let ctx = this.byBase.get(base);
    if (ctx === undefined) {
      ctx = new GitignoreContext(base);
      this.byBase.set(base, ctx);
    }
    return ctx;
  }

  private repoTop(dir: string): string | null {
    // A loop rather than recursion; every folder on the way up is cached with the answer.
    const seen: string[] = [];
    let current = dir;
    let top: string | null = null;
    for (;;) {
      const cached = this.topCache.get(current);
      if (cached !== undefined) {
        top = cached;
        break;
      }
      seen.push(current);
      if (fs.existsSync(path.join(current, ".git"))) {
        top = current;
        break;
      }
      const parent = path.dirname(current);
      if (parent === current) break;
      current = parent;
    }
    for (const d of seen) this.topCache.set(d, top);
    return top;
  }
}
