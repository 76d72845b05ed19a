/** Temporary copies of tests/baseline/projects/, optionally inside real git repositories. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Compiled to dist/tests/baseline/; the projects stay in the source tree. */
export const PROJECTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "tests",
  "baseline",
  "projects",
);

const created: string[] = [];
process.on("exit", () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh, realpath'd temporary folder. */
export function tempDir(prefix = "dbfence-baseline-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

/** Copies project `name` to `dest` (default: a new temporary folder) and returns `dest`. */
export function copyProject(name: string, dest = tempDir()): string {
  fs.mkdirSync(dest, { recursive: true });
  fs.cpSync(path.join(PROJECTS, name), dest, { recursive: true });
  return dest;
}

/** Fixed dates: the same commits get the same hashes on every run (the docs show them). */
const GIT_ENV = {
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_DATE: "2025-06-01T12:00:00+00:00",
  GIT_COMMITTER_DATE: "2025-06-01T12:00:00+00:00",
};

/** git with a fixed identity and dates and no signing, whatever the user's configuration says. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    "git",
    ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", ...args],
    { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...GIT_ENV } },
  );
}

/** `git init` on branch main with everything in `dir` committed. */
export function initRepo(dir: string): void {
  git(dir, "init", "-q", "-b", "main");
  commitAll(dir, "initial");
}

export function commitAll(dir: string, message: string): void {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
}

/** Everything git would tell about the repository's state: HEAD, branch, index and working tree. */
export function repoState(dir: string): string {
  return [
    git(dir, "rev-parse", "HEAD"),
    git(dir, "branch", "--show-current"),
    git(dir, "status", "--porcelain", "--untracked-files=all"),
    git(dir, "stash", "list"),
  ].join("\n");
}

export function read(root: string, rel: string): string {
  return fs.readFileSync(path.join(root, ...rel.split("/")), "utf8");
}

export function write(root: string, rel: string, text: string): void {
  const abs = path.join(root, ...rel.split("/"));
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, text);
}

/** Inserts `lines` before 1-based line `at` (past the end appends). */
export function insertLines(root: string, rel: string, at: number, lines: string[]): void {
  const all = read(root, rel).split("\n");
  all.splice(at - 1, 0, ...lines);
  write(root, rel, all.join("\n"));
}

/** Replaces exactly one occurrence of `from` in a file. */
export function replaceOnce(root: string, rel: string, from: string, to: string): void {
  const text = read(root, rel);
  assert.equal(text.split(from).length, 2, `${rel} should contain '${from}' exactly once`);
  write(root, rel, text.replace(from, to));
}
