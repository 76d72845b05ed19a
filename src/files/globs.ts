/**
 * The `include` / `exclude` globs of the configuration, compiled once.
 *
 * Semantics (documented for users in the same words):
 * - Patterns are relative to the project root and use `/`; they are matched with picomatch and
 *   `{ dot: true }`, so `**` also walks into folders whose name starts with a dot.
 * - A leading `./` is dropped. `.` (or an empty pattern, or `/`) means "the whole project".
 * - A path **without glob characters** (`tests`, `app/legacy`, `conftest.py`) names that path from the
 *   project root: the folder (and everything below it) or the file, never a folder of that name deeper
 *   down (`tests` does not match `src/x/tests`).
 * - A glob without a slash (`*.py`, `test_*`) matches at any depth, like `.gitignore`: it is compiled as
 *   `**∕test_*`. A glob with a slash is anchored at the root (`legacy/**`, `app/*.py`); a leading `/`
 *   only anchors (`/legacy` = the root's `legacy`).
 * - A trailing `/` (`legacy/`) restricts the pattern to folders, as in `.gitignore`.
 * - A folder matches when the glob matches its path or its path followed by `/`, so `legacy`,
 *   `legacy/`, `legacy/**` and `**∕alembic/**` all name the folder itself; excluding a folder excludes
 *   everything below it and lets the walker skip it without reading it.
 * - A path outside the project root (an explicit `../x.py`) only matches patterns that spell out
 *   its `../` prefix: `**` never crosses `..`.
 */
import picomatch from "picomatch";

interface CompiledGlob {
  source: string;
  dirOnly: boolean;
  test: (path: string) => boolean;
}

export interface PathMatcher {
  /** True when a pattern is `.`: every path matches (the default `include`). */
  readonly matchesEverything: boolean;
  /** Does `rel` itself match? Ancestors are not looked at (the walker has pruned them already). */
  matches(rel: string, isDir: boolean): boolean;
  /** Does `rel` or one of its ancestor folders match? For paths that did not come from the walk. */
  matchesSelfOrAncestor(rel: string, isDir: boolean): boolean;
}

/** Pattern → picomatch glob, following the rules in the header. `null` means "everything". */
export function normaliseGlob(pattern: string): { glob: string; dirOnly: boolean } | null {
  let p = pattern.trim();
  while (p.startsWith("./")) p = p.slice(2);
  const anchored = p.startsWith("/");
  p = p.replace(/^\/+/, "");
  const dirOnly = p.endsWith("/");
  p = p.replace(/\/+$/, "");
  if (p === "" || p === ".") return null;
  if (!anchored && !p.includes("/") && hasGlobCharacters(p)) p = `**/${p}`;
  return { glob: p, dirOnly };
}

/** Does a pattern use glob syntax (`*`, `?`, `[...]`, `{a,b}`, `!(...)`)? A backslash escape is literal. */
export function hasGlobCharacters(pattern: string): boolean {
  return /(?<!\\)[*?[\]{}!()]/.test(pattern);
}

export function compileGlobs(patterns: readonly string[]): PathMatcher {
  let everything = false;
  const globs: CompiledGlob[] = [];
  for (const pattern of patterns) {
    const n = normaliseGlob(pattern);
    if (n === null) {
      everything = true;
      continue;
    }
    globs.push({
      source: pattern,
      dirOnly: n.dirOnly,
      test: picomatch(n.glob, { dot: true }),
    });
  }

  const matches = (rel: string, isDir: boolean): boolean => {
    if (everything) return true;
    if (rel === "") return false; // the root itself is only named by `.`
    for (const g of globs) {
      if (g.dirOnly && !isDir) continue;
      if (g.test(rel) || (isDir && g.test(`${rel}/`))) return true;
    }
    return false;
  };

  const matchesSelfOrAncestor = (rel: string, isDir: boolean): boolean => {
    if (matches(rel, isDir)) return true;
    for (let i = rel.lastIndexOf("/"); i > 0; i = rel.lastIndexOf("/", i - 1)) {
      if (matches(rel.slice(0, i), true)) return true;
    }
    return false;
  };

  return { matchesEverything: everything, matches, matchesSelfOrAncestor };
}
