/**
 * Read-only git access for `--diff REV`: which repository a project lives in, and the project's files
 * as they were at a revision, extracted into a temporary folder. Nothing here changes the repository,
 * its index or the working tree: only `rev-parse`, `ls-tree` and `cat-file` run.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Not a git repository, git missing, or an unknown revision (the CLI exits 2). */
export class GitError extends Error {}

function git(cwd: string, args: string[], input?: string): Buffer {
  const r = spawnSync("git", args, {
    cwd,
    input,
    maxBuffer: 1 << 30,
    // Never prompt, never page; a user's git config cannot make a read-only command interactive.
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat" },
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new GitError(code === "ENOENT" ? "--diff needs git, which is not on PATH" : `git failed: ${r.error.message}`);
  }
  if (r.status !== 0) {
    const err = r.stderr.toString("utf8").trim().split("\n")[0] ?? "";
    throw new GitError(err || `git ${args[0]} exited with ${r.status}`);
  }
  return r.stdout;
}

export interface RepoLocation {
  /** Absolute top folder of the working tree. */
  top: string;
  /** The folder's path inside the repository, `/` separators, "" at the top (ends without `/`). */
  prefix: string;
}

/** Where `dir` sits in its git working tree. */
export function repoLocation(dir: string): RepoLocation {
  let out: string;
  try {
    out = git(dir, ["rev-parse", "--show-toplevel", "--show-prefix"]).toString("utf8");
  } catch (e) {
    if (e instanceof GitError && /not a git repository/i.test(e.message)) {
      throw new GitError(`--diff: '${dir}' is not inside a git repository`);
    }
    throw e;
  }
  const [top = "", prefix = ""] = out.split("\n");
  if (top === "") throw new GitError(`--diff: '${dir}' is not inside a git working tree`);
  return { top, prefix: prefix.replace(/\/$/, "") };
}

/** The commit a revision names (`main`, `HEAD~2`, `origin/main`, a hash). */
export function resolveCommit(dir: string, rev: string): string {
  if (rev === "" || rev.startsWith("-")) throw new GitError(`--diff: '${rev}' is not a git revision`);
  try {
    return git(dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`])
      .toString("utf8")
      .trim();
  } catch (e) {
    if (e instanceof GitError && e.message.startsWith("--diff needs git")) throw e;
    throw new GitError(`--diff: unknown git revision '${rev}'`);
  }
}

interface TreeEntry {
  mode: string;
  sha: string;
  path: string;
}

/** Every regular file of a commit, paths relative to the repository top. */
function listTree(top: string, commit: string): TreeEntry[] {
  const out = git(top, ["ls-tree", "-r", "-z", "--full-tree", commit]).toString("utf8");
  const entries: TreeEntry[] = [];
  for (const record of out.split("\0")) {
    const tab = record.indexOf("\t");
    if (tab < 0) continue;
    const [mode = "", type = "", sha = ""] = record.slice(0, tab).split(" ");
    // Submodules ("commit" entries) are other repositories; symbolic links are blobs holding their target.
    if (type !== "blob") continue;
    entries.push({ mode, sha, path: record.slice(tab + 1) });
  }
  return entries;
}

/** The contents of blobs, by hash, in one `git cat-file --batch` process. */
function readBlobs(top: string, shas: string[]): Map<string, Buffer> {
  const blobs = new Map<string, Buffer>();
  if (shas.length === 0) return blobs;
  const out = git(top, ["cat-file", "--batch"], `${shas.join("\n")}\n`);
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(10, at);
    if (nl < 0) break;
    const [sha = "", type = "", size = ""] = out.subarray(at, nl).toString("utf8").split(" ");
    at = nl + 1;
    if (type === "missing" || size === "") continue;
    const n = Number(size);
    blobs.set(sha, out.subarray(at, at + n));
    at += n + 1;
  }
  return blobs;
}

/**
 * What the analysis reads: Python sources and symbolic links under the project root (discovery follows
 * links, as in the working tree), and the .gitignore files that decide which files are checked.
 */
function wanted(e: TreeEntry, prefix: string): boolean {
  const name = e.path.slice(e.path.lastIndexOf("/") + 1);
  if (name === ".gitignore") return true;
  const inside = prefix === "" || e.path.startsWith(`${prefix}/`);
  return inside && (e.mode === SYMLINK || name.endsWith(".py") || name.endsWith(".pyi"));
}

const SYMLINK = "120000";

/**
 * When the project holds symbolic links, they may point out of it: then every Python file of the
 * repository is extracted, so that the links resolve as in the working tree (rare, so kept simple).
 */
function linkTargets(tree: TreeEntry[], chosen: TreeEntry[], prefix: string): TreeEntry[] {
  if (prefix === "" || !chosen.some((e) => e.mode === SYMLINK)) return [];
  return tree.filter((e) => e.mode !== SYMLINK && /\.pyi?$/.test(e.path) && !e.path.startsWith(`${prefix}/`));
}

export interface BaseTree {
  /** The commit the revision named. */
  commit: string;
  /** The project root inside the extracted tree (same relative place as in the working tree). */
  root: string;
  location: RepoLocation;
  /** Removes the temporary folder. */
  dispose(): void;
}

/**
 * Extracts the project's Python files (and every .gitignore) at `rev` into a temporary folder, laid
 * out as in the repository, so the same analysis can run on the old version. The folder gets an empty
 * `.git` so that .gitignore files above the project root apply there as they do in the working tree.
 */
export function extractBaseTree(projectRoot: string, rev: string): BaseTree {
  const location = repoLocation(projectRoot);
  const commit = resolveCommit(projectRoot, rev);
  const tree = listTree(location.top, commit);
  const entries = tree.filter((e) => wanted(e, location.prefix));
  entries.push(...linkTargets(tree, entries, location.prefix));
  const blobs = readBlobs(location.top, [...new Set(entries.map((e) => e.sha))]);
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-base-")));
  try {
    fs.mkdirSync(path.join(tmp, ".git"));
    for (const e of entries) {
      const abs = path.join(tmp, ...e.path.split("/"));
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      const content = blobs.get(e.sha) ?? Buffer.alloc(0);
      if (e.mode !== SYMLINK) fs.writeFileSync(abs, content);
      else makeLink(content.toString("utf8"), abs);
    }
    const root = path.join(tmp, ...location.prefix.split("/").filter(Boolean));
    fs.mkdirSync(root, { recursive: true });
    return { commit, root, location, dispose: () => fs.rmSync(tmp, { recursive: true, force: true }) };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** A symbolic link as git stored it; where links cannot be made (Windows without the right), none. */
function makeLink(target: string, abs: string): void {
  try {
    fs.symlinkSync(target, abs);
  } catch {
    // The working tree's discovery follows the link; without it here, its findings look new.
  }
}
