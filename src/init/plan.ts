/**
 * What `dbfence init` will write and where, decided before anything is written: an existing file is
 * never overwritten without `--force`, pyproject.toml is appended to (the rest of the file stays byte
 * for byte), and every configuration is loaded through the real config loader before it is written.
 */
import fs from "node:fs";
import path from "node:path";
import { declaresDbfence, isFile } from "../config/discover.js";
import { ConfigError, parseConfigText } from "../config/load.js";
import type { Inspection } from "./inspect.js";
import { githubWorkflow, preCommitConfig, preCommitEntry, renderConfig } from "./render.js";

export interface InitOptions {
  root: string;
  /** The working-tree top (pre-commit config and workflows live there); the root outside git. */
  top: string;
  branch: string;
  dbfenceToml: boolean;
  preCommit: boolean;
  github: boolean;
  force: boolean;
}

export interface PlannedFile {
  abs: string;
  content: string;
  /** What happens to the file, for the report. */
  action: "create" | "append" | "replace" | "overwrite";
  what: string;
}

export interface InitPlan {
  files: PlannedFile[];
  /** Things that stop init (exit 2, nothing written). */
  problems: string[];
  /** Things worth saying that do not stop it. */
  notes: string[];
  /** The config file that will hold the settings. */
  configFile: string | null;
}

const CONFIG_NAMES = ["dbfence.toml", ".dbfence.toml"] as const;

export function planInit(found: Inspection, opts: InitOptions): InitPlan {
  const plan: InitPlan = { files: [], problems: [], notes: [], configFile: null };
  planConfig(found, opts, plan);
  const prefix = path.relative(opts.top, opts.root).split(path.sep).join("/");
  if (opts.preCommit) planPreCommit(opts, prefix, plan);
  if (opts.github) {
    const abs = path.join(opts.top, ".github", "workflows", "dbfence.yml");
    const exists = fs.existsSync(abs);
    if (exists && !opts.force) plan.problems.push(`${show(abs)} already exists; use --force to replace it`);
    else
      plan.files.push({
        abs,
        content: githubWorkflow(prefix, opts.branch),
        action: exists ? "overwrite" : "create",
        what: "workflow: annotations and SARIF for code scanning",
      });
  }
  return plan;
}

function show(abs: string): string {
  return path.relative(process.cwd(), abs) || abs;
}

function planConfig(found: Inspection, opts: InitOptions, plan: InitPlan): void {
  const pyproject = path.join(opts.root, "pyproject.toml");
  const pyText = isFile(pyproject) ? fs.readFileSync(pyproject, "utf8") : null;
  const existing: string[] = CONFIG_NAMES.map((n) => path.join(opts.root, n)).filter(isFile);
  if (pyText !== null && declaresDbfence(pyText)) existing.push(pyproject);
  if (existing.length > 0 && !opts.force) {
    const names = existing.map((f) => show(f)).join(" and ");
    plan.problems.push(`${names} already configures dbfence; use --force to replace it (or edit it by hand)`);
    return;
  }
  // The file that discovery picks first in this folder must be the one written, or the new settings
  // would be shadowed.
  let target: string;
  if (opts.dbfenceToml)
    target = existing.find((f) => path.basename(f) !== "pyproject.toml") ?? path.join(opts.root, "dbfence.toml");
  else target = existing[0] ?? (pyText !== null ? pyproject : path.join(opts.root, "dbfence.toml"));
  plan.configFile = target;

  if (path.basename(target) !== "pyproject.toml") {
    const content = renderConfig(found, "dbfence");
    if (!validates(content, target, "dbfence", plan)) return;
    const exists = isFile(target);
    plan.files.push({ abs: target, content, action: exists ? "overwrite" : "create", what: "dbfence configuration" });
    if (pyText !== null && declaresDbfence(pyText)) {
      plan.notes.push(
        `${show(pyproject)} still holds a [tool.dbfence] table, which ${path.basename(target)} now shadows; remove it`,
      );
    }
    return;
  }
  const text = pyText as string;
  const replacing = declaresDbfence(text);
  let base = text;
  if (replacing) {
    base = removeDbfenceTables(text);
    if (declaresDbfence(base)) {
      plan.problems.push(
        `${show(pyproject)}: cannot take out the existing dbfence settings (dotted tool.dbfence keys?); edit it by hand or use --dbfence-toml`,
      );
      return;
    }
  }
  const trimmed = base.replace(/\s+$/, "");
  const content = `${trimmed}${trimmed === "" ? "" : "\n\n"}${renderConfig(found, "pyproject")}`;
  if (!validates(content, target, "pyproject", plan)) return;
  plan.files.push({
    abs: target,
    content,
    action: replacing ? "replace" : "append",
    what: replacing
      ? "[tool.dbfence] replaced (the rest of the file is unchanged)"
      : "[tool.dbfence] appended (the rest of the file is unchanged)",
  });
}

/** Loads the text exactly as `dbfence check` will; a failure is a problem, not a broken file on disk. */
function validates(text: string, file: string, kind: "dbfence" | "pyproject", plan: InitPlan): boolean {
  try {
    parseConfigText(text, file, kind);
    return true;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const hint = kind === "pyproject" ? "; fix pyproject.toml or write dbfence.toml instead with --dbfence-toml" : "";
    plan.problems.push(`the configuration would not load: ${e.message}${hint}`);
    return false;
  }
}

/**
 * The text without its `[tool.dbfence]` and `[tool.dbfence.*]` / `[[tool.dbfence.*]]` tables. A table
 * runs from its header to the next header; comments right above the next header stay with it.
 */
export function removeDbfenceTables(text: string): string {
  const lines = text.split(/(?<=\n)/);
  const out: string[] = [];
  let skipping = false;
  for (const line of lines) {
    const header = /^[ \t]*\[\[?([^\]]*)\]\]?[ \t]*(#.*)?\r?\n?$/.exec(line);
    if (header) {
      const name = (header[1] as string).replace(/[ \t"']/g, "");
      skipping = name === "tool.dbfence" || name.startsWith("tool.dbfence.");
      if (!skipping) {
        // Comments that led up to this header were dropped with the skipped table: keep none of them.
        out.push(line);
        continue;
      }
    }
    if (!skipping) out.push(line);
  }
  return out.join("");
}

function planPreCommit(opts: InitOptions, prefix: string, plan: InitPlan): void {
  const abs = path.join(opts.top, ".pre-commit-config.yaml");
  if (!isFile(abs)) {
    plan.files.push({ abs, content: preCommitConfig(prefix), action: "create", what: "pre-commit hook: dbfence" });
    return;
  }
  const text = fs.readFileSync(abs, "utf8");
  if (/^[ \t-]*id:[ \t]*["']?dbfence["']?[ \t]*(#.*)?$/m.test(text)) {
    plan.notes.push(`${show(abs)} already runs the dbfence hook; left as it is`);
    return;
  }
  const added = addPreCommitEntry(text, prefix);
  if (added === null) {
    plan.notes.push(
      `${show(abs)} has no block-style 'repos:' list to add to; add this entry by hand:\n${preCommitEntry("  ", prefix)}`,
    );
    return;
  }
  plan.files.push({
    abs,
    content: added,
    action: "append",
    what: "dbfence hook added to repos (the rest is unchanged)",
  });
}

/** Adds the dbfence entry at the end of a block-style top-level `repos:` list; null when there is none. */
export function addPreCommitEntry(text: string, prefix: string): string | null {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^repos:[ \t]*(#.*)?\r?$/.test(l));
  if (start < 0) return null;
  let end = lines.length;
  let indent: string | null = null;
  for (let j = start + 1; j < lines.length; j++) {
    const l = lines[j] as string;
    if (l.trim() === "" || l.trimStart().startsWith("#")) continue;
    if (/^\S/.test(l) && !l.startsWith("-")) {
      end = j;
      break;
    }
    indent ??= /^([ \t]*)- /.exec(l)?.[1] ?? null;
  }
  let at = end;
  while (at > start + 1 && (lines[at - 1] as string).trim() === "") at--;
  const entry = preCommitEntry(indent ?? "  ", prefix)
    .replace(/\n$/, "")
    .split("\n");
  lines.splice(at, 0, ...entry);
  const out = lines.join("\n");
  return out.endsWith("\n") ? out : `${out}\n`;
}
