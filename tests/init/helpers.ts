/** Temporary projects and git repositories for the init and integration tests; removed after the run. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder holding `files` (relative posix paths → text). */
export function tmpProject(files: Record<string, string>, prefix = "dbfence-init-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(dir, ...rel.split("/"));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
  }
}

/** A copy of a folder in a fresh temporary folder (returns the copy). */
export function tmpCopy(src: string, prefix = "dbfence-copy-"): string {
  const dir = tmpProject({}, prefix);
  fs.cpSync(src, dir, { recursive: true });
  return dir;
}

/** git with a fixed identity and no user or system configuration (no global hooksPath, no signing). */
export function git(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...gitEnv(), PATH: process.env.PATH ?? "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function gitEnv(): Record<string, string> {
  return {
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "dbfence test",
    GIT_AUTHOR_EMAIL: "test@dbfence.invalid",
    GIT_COMMITTER_NAME: "dbfence test",
    GIT_COMMITTER_EMAIL: "test@dbfence.invalid",
    HOME: os.tmpdir(),
  };
}

/** `git init` with a `main` branch; throws when git fails. */
export function gitInit(dir: string): void {
  const r = git(dir, ["init", "-q", "-b", "main"]);
  if (r.status !== 0) throw new Error(`git init failed: ${r.stderr}`);
}

export const EXAMPLES = fileURLToPath(new URL("../../../examples", import.meta.url));
