/** File paths ⇄ dotted module names through the `src` import roots. */
import path from "node:path";

export interface ModuleIdentity {
  module: string;
  isPackage: boolean;
}

/**
 * The module a file defines: `<src>/core/database.py` → `core.database`, `<src>/core/__init__.py` → `core`
 * (a package). Folders without `__init__.py` are namespace packages and count the same. The longest
 * matching `src` root wins; a file outside every root is named from the project root.
 */
export function moduleForFile(rel: string, srcRoots: readonly string[]): ModuleIdentity {
  const roots = srcRoots
    .map((r) => path.posix.normalize(r.replace(/\\/g, "/")).replace(/\/$/, ""))
    .map((r) => (r === "." ? "" : r))
    .sort((a, b) => b.length - a.length);
  let inside = rel;
  for (const r of roots) {
    if (r === "" || rel.startsWith(`${r}/`)) {
      inside = r === "" ? rel : rel.slice(r.length + 1);
      break;
    }
  }
  const noExt = inside.replace(/\.pyi?$/, "");
  const parts = noExt.split("/").filter((p) => p !== "" && p !== ".");
  const isPackage = parts[parts.length - 1] === "__init__";
  if (isPackage) parts.pop();
  return { module: parts.join("."), isPackage };
}

/** `connector` entries may be dotted names or file paths (`app/core/database.py`). */
export function connectorModules(entries: readonly string[], srcRoots: readonly string[]): string[] {
  return entries.map((e) => (e.endsWith(".py") || e.includes("/") ? moduleForFile(e, srcRoots).module : e));
}
