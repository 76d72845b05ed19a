/** The few git questions `init`, `install-hook` and `check --staged` ask; git is run, never linked. */
import { spawnSync } from "node:child_process";

export interface GitResult {
  ok: boolean;
  stdout: Buffer;
  stderr: string;
  /** ENOENT and the like: git itself could not be started. */
  missing: boolean;
}

/** Runs git in `cwd` without a pager or prompts; `input` goes to its standard input. */
export function runGit(cwd: string, args: string[], input?: string | Buffer): GitResult {
  const r = spawnSync("git", args, {
    cwd,
    input,
    maxBuffer: 1 << 30,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat" },
  });
  if (r.error) return { ok: false, stdout: Buffer.alloc(0), stderr: r.error.message, missing: true };
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr.toString("utf8").trim(), missing: false };
}

/** The top folder of the working tree `dir` is in, or null outside a repository (or without git). */
export function gitTop(dir: string): string | null {
  const r = runGit(dir, ["rev-parse", "--show-toplevel"]);
  return r.ok ? r.stdout.toString("utf8").trim() : null;
}

/** The current branch name, or null (detached, unborn without a name, or not a repository). */
export function currentBranch(dir: string): string | null {
  const r = runGit(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  const name = r.ok ? r.stdout.toString("utf8").trim() : "";
  return name === "" ? null : name;
}

/** NUL-separated git output as a list. */
export function nulList(out: Buffer): string[] {
  return out
    .toString("utf8")
    .split("\0")
    .filter((s) => s !== "");
}
