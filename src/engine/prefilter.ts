/**
 * The exact prefilter: which files can possibly produce a per-file finding, decided from words and the
 * import graph before any rule runs.
 *
 * Why it is exact. Every per-file rule reports on a fact that needs one of:
 *  - a library name (`sqlalchemy.orm.Session`, `fastapi.APIRouter`, `psycopg2.connect`, `sqlalchemy.text`):
 *    its qualified name comes from an import, so the module root (`sqlalchemy`, `sqlmodel`, `fastapi`,
 *    `starlette`, a driver) is spelled in this file or in a project module reached through imports;
 *  - a session type (receiver types of DBF203/DBF303/DBF4xx/DBF501/DBF502): it comes from a library class,
 *    a library factory or the connector's session dependency, so again from a library root or the connector,
 *    in this file or through its imports;
 *  - the connector itself (DBF101): through an import of a connector module (seeded as tainted);
 *  - a bare attribute or method name with no type behind it: DBF105 (`.raw_connection`, `.dbapi_connection`,
 *    `.exec_driver_sql`, ...) and DBF502 (`.exec_driver_sql(...)`) — these words are seeds themselves.
 * Other modules are only reached through imports (ProjectIndex resolves names through import bindings,
 * re-exports and `module.attr` chains). So a file is **tainted** when its text has a seed word, or it is
 * a connector module, or it imports (at any depth: in functions too) a module that is tainted, an ancestor
 * package of one, or a descendant of one. A file that is not tainted cannot produce a per-file finding;
 * its rule pass is skipped. Whole-project rules (DBF601-603) still see every summary, and suppression
 * comments of every file are still collected (DBF901/902 do not depend on the rule pass being run).
 * tests/perf/prefilter.test.ts checks the words per rule and that results are identical with and without it.
 */
import type { DbfenceConfig } from "../config/load.js";
import type { Stmt } from "../parser/ast.js";
import { walkStmts } from "../parser/walk.js";
import { BLOCKING_DRIVERS, RAW_CONNECTION_ATTRIBUTES } from "../semantic/knowledge/sqlalchemy.js";
import { absoluteModule } from "../semantic/summary.js";

/** Library roots every library fact needs to have been imported from. */
export const LIBRARY_ROOTS: readonly string[] = ["sqlalchemy", "sqlmodel", "fastapi", "starlette"];
/** Names rules match without a type behind them. */
export const UNTYPED_NAMES: readonly string[] = [...RAW_CONNECTION_ATTRIBUTES];

/** The seed words for a config: library roots, driver roots, untyped names. */
export function seedWords(config: DbfenceConfig): string[] {
  const words = new Set<string>([...LIBRARY_ROOTS, ...UNTYPED_NAMES]);
  for (const d of [...config.drivers, ...BLOCKING_DRIVERS]) words.add(d.split(".")[0] as string);
  return [...words].sort();
}

export class WordMatcher {
  private readonly exact: RegExp;
  private readonly loose: RegExp;
  constructor(words: readonly string[]) {
    const alt = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
    // A seed word counts as a whole ASCII identifier (also inside strings and comments: more "yes", still exact).
    this.exact = new RegExp(`(?<![A-Za-z0-9_])(?:${alt})(?![A-Za-z0-9_])`);
    this.loose = new RegExp(`(?:${alt})`);
  }
  /** Does the decoded text contain a seed word? */
  test(text: string): boolean {
    if (this.exact.test(text)) return true;
    // Python identifiers are NFKC-normalised (`ｓqlalchemy` is `sqlalchemy`) and may hold non-ASCII letters,
    // which the ASCII boundaries above do not see: then any occurrence in the normal form counts.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an ASCII test
    return /[^\x00-\x7f]/.test(text) && this.loose.test(text.normalize("NFKC"));
  }
}

/** Every module a file's import statements (at any depth) can reach, as absolute dotted names. */
export function importedModules(body: Stmt[], module: string, isPackage: boolean): string[] {
  const out = new Set<string>();
  walkStmts(
    body,
    (s) => {
      if (s.kind === "Import") {
        for (const a of s.names) out.add(a.name);
      } else if (s.kind === "ImportFrom") {
        const base = absoluteModule(module, isPackage, s.level, s.module);
        if (base) out.add(base);
        for (const a of s.names) if (a.name !== "*") out.add(base ? `${base}.${a.name}` : a.name);
      }
    },
    true,
  );
  return [...out];
}

export interface TaintNode {
  module: string;
  seeded: boolean;
  imports: readonly string[];
}

/**
 * Does an import of `imp` reach a tainted module: `imp` itself, a package above a tainted module, or a
 * module inside a tainted package (the same reach `taintedModules` propagates along).
 */
export function reachesTainted(tainted: ReadonlySet<string>): (imp: string) => boolean {
  const withAncestors = new Set<string>();
  for (const m of tainted) {
    const parts = m.split(".");
    for (let i = parts.length; i > 0; i--) withAncestors.add(parts.slice(0, i).join("."));
  }
  return (imp) => {
    if (withAncestors.has(imp)) return true;
    const parts = imp.split(".");
    for (let i = parts.length - 1; i > 0; i--) if (tainted.has(parts.slice(0, i).join("."))) return true;
    return false;
  };
}

/** Words without which no module can reach FastAPI or Starlette (the app model's web taint). */
export const WEB_ROOTS: readonly string[] = ["fastapi", "starlette"];

/** The set of tainted modules: seeded ones and, to a fixpoint, those importing a tainted module (or an ancestor or descendant of one). */
export function taintedModules(nodes: readonly TaintNode[]): Set<string> {
  const tainted = new Set<string>();
  /** Tainted modules and all their ancestors: an import of `x` is tainted when `x` is here (x or a descendant tainted). */
  const withAncestors = new Set<string>();
  const mark = (m: string): void => {
    tainted.add(m);
    const parts = m.split(".");
    for (let i = parts.length; i > 0; i--) withAncestors.add(parts.slice(0, i).join("."));
  };
  const reaches = (imp: string): boolean => {
    if (withAncestors.has(imp)) return true;
    const parts = imp.split(".");
    for (let i = parts.length - 1; i > 0; i--) if (tainted.has(parts.slice(0, i).join("."))) return true;
    return false;
  };
  for (const n of nodes) if (n.seeded) mark(n.module);
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of nodes) {
      if (tainted.has(n.module)) continue;
      if (n.imports.some(reaches)) {
        mark(n.module);
        changed = true;
      }
    }
  }
  return tainted;
}
