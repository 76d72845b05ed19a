/**
 * The git index as a snapshot for `check --staged` (src/engine/run.ts `Snapshot`): the project's Python
 * files as staged, without writing them anywhere. Each file carries its blob hash from `git ls-files -s`,
 * so files the cache already knows are never read; the others are read from the working tree when it
 * holds the same bytes (the usual case), else with `git cat-file`.
 *
 * Which files belong to the project follows discovery (src/files/discover.ts): `.py`/`.pyi`, not under a
 * skipped folder (`.venv`, `node_modules`, ...), `include`/`exclude` of the config, and not ignored by
 * `.gitignore` (asked of git itself: `git ls-files --cached --ignored --exclude-standard`).
 */

import fs from "node:fs";
import path from "node:path";
import { blobHash } from "../cache/store.js";
import type { DiscoveredFile } from "../files/discover.js";
import { isPythonSource, SKIPPED_FOLDERS } from "../files/discover.js";
import { compileGlobs } from "../files/globs.js";
import { nulList, runGit } from "../init/git.js";
import type { Snapshot } from "./run.js";

export interface IndexEntry {
  /** Path relative to the repository top, with `/`. */
  rel: string;
  blob: string;
  /** A symbolic link: the index holds the link's text, the content is what it points to. */
  link: boolean;
}

/** Stage-0 entries of the index (`git ls-files -s -z`); null when git fails. */
export function indexEntries(top: string): IndexEntry[] | null {
  const r = runGit(top, ["ls-files", "-s", "-z"]);
  if (!r.ok) return null;
  const out: IndexEntry[] = [];
  for (const line of nulList(r.stdout)) {
    // <mode> SP <object> SP <stage> TAB <file>
    const tab = line.indexOf("\t");
    const [mode, blob, stage] = line.slice(0, tab).split(" ");
    if (stage !== "0" || mode === "160000" || !blob) continue; // conflicts and submodules are not files to read
    out.push({ rel: line.slice(tab + 1), blob, link: mode === "120000" });
  }
  return out;
}

/**
 * The snapshot of the project rooted at `root` (inside the working tree `top`), as the index holds it.
 * `mirror` is where the files appear to live (the folder the config was exported to), so that reported
 * paths are relative to the project root as usual.
 */
export function indexSnapshot(opts: {
  top: string;
  mirror: string;
  root: string;
  entries: readonly IndexEntry[];
  include: string[];
  exclude: string[];
}): Snapshot {
  const { top, mirror, root, entries } = opts;
  const include = compileGlobs(opts.include);
  const exclude = compileGlobs(opts.exclude);
  const ignored = new Set(
    nulList(runGit(top, ["ls-files", "-z", "--cached", "--ignored", "--exclude-standard"]).stdout),
  );
  const prefix = path.relative(mirror, root).split(path.sep).join("/");
  const blobs = new Map<string, { blob: string; rel: string; link: boolean }>();
  const files: DiscoveredFile[] = [];
  for (const e of entries) {
    if (!isPythonSource(e.rel) || ignored.has(e.rel)) continue;
    if (prefix !== "" && !e.rel.startsWith(`${prefix}/`)) continue;
    const rel = prefix === "" ? e.rel : e.rel.slice(prefix.length + 1);
    const parts = rel.split("/");
    if (parts.slice(0, -1).some((p) => SKIPPED_FOLDERS.has(p))) continue;
    if (exclude.matchesSelfOrAncestor(rel, false)) continue;
    if (!include.matchesEverything && !include.matchesSelfOrAncestor(rel, false)) continue;
    const abs = path.join(root, ...parts);
    files.push({ abs, rel });
    blobs.set(abs, { blob: e.blob, rel: e.rel, link: e.link });
  }
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const entry = (abs: string): { blob: string; rel: string; link: boolean } => {
    const e = blobs.get(abs);
    if (!e) throw new Error(`${abs} is not in the index`);
    return e;
  };
  // A symbolic link is checked as what it points to in the working tree, as discovery does.
  const linked = (e: { rel: string }): Buffer => fs.readFileSync(path.join(top, ...e.rel.split("/")));
  return {
    files,
    blob: (abs) => {
      const e = entry(abs);
      return e.link ? blobHash(linked(e)) : e.blob;
    },
    read: (abs) => {
      const e = entry(abs);
      if (e.link) return linked(e);
      return stagedBytes(top, e.rel, e.blob);
    },
  };
}

/**
 * The bytes of an index entry (`rel` from the repository top): the working tree's when they are the staged
 * ones (the usual case, and cheaper than asking git), else `git cat-file`.
 */
export function stagedBytes(top: string, rel: string, blob: string): Buffer {
  try {
    const bytes = fs.readFileSync(path.join(top, ...rel.split("/")));
    if (blobHash(bytes) === blob) return bytes;
  } catch {
    // deleted or unreadable in the working tree: the index still has it
  }
  const r = runGit(top, ["cat-file", "blob", blob]);
  if (!r.ok) throw new Error(`git cat-file blob ${blob} failed: ${r.stderr || "no message"}`);
  return r.stdout;
}
