/** The commit and branch an audit is about, from git (no git, or not a repository: nulls). */
import { execFileSync } from "node:child_process";
import path from "node:path";

export interface GitInfo {
  commit: string | null;
  branch: string | null;
  /** The working tree's top folder, null outside a repository. */
  toplevel: string | null;
}

function git(cwd: string, args: string[]): string | null {
  try {
    const out = execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
      env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" },
    }).trim();
    return out === "" ? null : out;
  } catch {
    return null;
  }
}

export function gitInfo(folder: string, env: NodeJS.ProcessEnv = process.env): GitInfo {
  const toplevel = git(folder, ["rev-parse", "--show-toplevel"]);
  if (toplevel === null) return { commit: null, branch: null, toplevel: null };
  // A detached HEAD (CI checkouts of a pull request) has no branch; CI systems name it in the environment.
  const branch =
    git(folder, ["symbolic-ref", "--short", "-q", "HEAD"]) ??
    (env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME || null);
  return { commit: git(folder, ["rev-parse", "--verify", "-q", "HEAD"]), branch, toplevel: path.resolve(toplevel) };
}

/**
 * The repository name an audit is filed under: `--repository`, else $DBFENCE_REPOSITORY, else
 * $GITHUB_REPOSITORY when the project is the checkout's top folder, else the project folder's name.
 */
export function repositoryName(root: string, git: GitInfo, option: string | undefined, env = process.env): string {
  if (option) return option;
  if (env.DBFENCE_REPOSITORY) return env.DBFENCE_REPOSITORY;
  if (env.GITHUB_REPOSITORY && git.toplevel !== null && path.resolve(root) === git.toplevel)
    return env.GITHUB_REPOSITORY;
  return path.basename(path.resolve(root)) || "project";
}
