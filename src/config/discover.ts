/** Finding the config file (INTERFACE.md "Configuration discovery"). */
import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { editDistance } from "./messages.js";

/** Files looked for in each folder, in this order; a pyproject.toml counts only with a [tool.dbfence] table. */
export const CONFIG_FILE_NAMES = ["dbfence.toml", ".dbfence.toml", "pyproject.toml"] as const;

export function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The folder a search starts from: a folder itself, or the folder of a file (or of a path that does not exist). */
export function startFolder(startPath: string): string {
  const absolute = path.resolve(startPath);
  try {
    if (fs.statSync(absolute).isDirectory()) return absolute;
  } catch {
    // A missing path is the CLI's to report; discovery still starts next to it.
  }
  return path.dirname(absolute);
}

/**
 * Whether a pyproject.toml declares `[tool.dbfence]`. A file that does not parse is judged by its
 * text, so a broken pyproject that clearly holds dbfence settings is still picked — and its syntax
 * error reported — instead of being skipped in silence.
 */
export function declaresDbfence(text: string): boolean {
  try {
    const document = parse(text.replace(/^\uFEFF/, ""));
    const tool = document.tool;
    if (tool !== null && typeof tool === "object" && Object.hasOwn(tool, "dbfence")) return true;
    // A misspelt table ([tool.dbfenc], [tools.dbfence]) is picked too, so loading it says so instead of
    // the run falling back to defaults in silence.
    return misspeltDbfenceTable(document) !== null;
  } catch {
    // An unterminated header (`[tool.dbfence` alone on its line) counts: the TOML error is then reported.
    const header = /^[ \t]*\[\[?[ \t]*["']?tool["']?[ \t]*\.[ \t]*["']?dbfence["']?[ \t]*([\].]|$)/m;
    const dotted = /^[ \t]*tool[ \t]*\.[ \t]*dbfence[ \t]*[.=]/m;
    return header.test(text) || dotted.test(text);
  }
}

/** `[tool.X]` or `[tools.dbfence]` where X is a near miss of `dbfence` (one or two edits, `_`/`-` variants): its header as written. */
export function misspeltDbfenceTable(document: Record<string, unknown>): string | null {
  const tables = (value: unknown): string[] =>
    value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
  for (const name of tables(document.tool)) {
    const normal = name.toLowerCase().replace(/[-_]/g, "");
    if (name !== "dbfence" && editDistance(normal, "dbfence") <= 2) return `[tool.${name}]`;
  }
  for (const top of ["tools", "Tool", "TOOL"]) {
    if (tables(document[top]).includes("dbfence")) return `[${top}.dbfence]`;
  }
  return null;
}

function pyprojectDeclaresDbfence(file: string): boolean {
  if (!isFile(file)) return false;
  try {
    return declaresDbfence(fs.readFileSync(file, "utf8"));
  } catch {
    return false; // unreadable: it cannot be our config; the search goes on upward
  }
}

/** The config file of this folder itself (not above it), or null. */
export function configInFolder(folder: string): string | null {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = path.join(folder, name);
    const found = name === "pyproject.toml" ? pyprojectDeclaresDbfence(candidate) : isFile(candidate);
    if (found) return candidate;
  }
  return null;
}

/** From startPath (a file → its folder) upward: the first dbfence.toml, .dbfence.toml or pyproject.toml with [tool.dbfence]. */
export function findConfigFile(startPath: string): string | null {
  let folder = startFolder(startPath);
  for (;;) {
    const found = configInFolder(folder);
    if (found !== null) return found;
    const parent = path.dirname(folder);
    if (parent === folder) return null;
    folder = parent;
  }
}
