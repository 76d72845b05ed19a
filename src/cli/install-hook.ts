/**
 * `dbfence install-hook`: a git pre-commit hook for teams without the pre-commit framework. The hook
 * runs `dbfence check --staged` (the staged Python files, as staged); a finding blocks the commit.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runGit } from "../init/git.js";
import { type Command, fail } from "./common.js";

/** The line that marks a hook as dbfence's own: such a hook is rewritten without --force. */
export const HOOK_MARKER = "# dbfence-managed-hook";
const CLI = fileURLToPath(new URL("../cli.js", import.meta.url));

export const installHookCommand: Command = {
  name: "install-hook",
  summary: "install a git pre-commit hook that checks the staged Python files",
  help: `Usage: dbfence install-hook [--force] [-- CHECK-OPTIONS...]

Writes the repository's pre-commit hook (.git/hooks/pre-commit, or where core.hooksPath points).
It runs 'dbfence check --staged': only the staged Python files, with their staged content (not
the working tree); the rest of the staged project provides cross-file facts. Any finding that
makes 'dbfence check' exit non-zero blocks the commit ('git commit --no-verify' skips it once).
CHECK-OPTIONS after '--' are passed on, e.g. 'dbfence install-hook -- --strict'.

Options:
  --force      replace a pre-commit hook that dbfence did not write (it is kept as pre-commit.dbfence-backup)
  --print      print the hook instead of writing it
`,
  run(args) {
    const dash = args.indexOf("--");
    const own = dash < 0 ? args : args.slice(0, dash);
    const passOn = dash < 0 ? [] : args.slice(dash + 1);
    const { values, positionals } = parseArgs({
      args: own,
      allowPositionals: true,
      options: { force: { type: "boolean", default: false }, print: { type: "boolean", default: false } },
    });
    if (positionals.length > 0)
      fail(`install-hook takes no PATHS (got '${positionals[0]}'); run it inside the repository`);
    if (passOn.includes("--staged")) fail("'--staged' is what the hook runs already; pass other check options");
    const script = hookScript(process.execPath, CLI, passOn);
    if (values.print) {
      process.stdout.write(script);
      return 0;
    }
    const r = runGit(process.cwd(), ["rev-parse", "--git-path", "hooks/pre-commit"]);
    if (!r.ok) {
      fail(
        r.missing
          ? "install-hook needs git, which is not on PATH"
          : "not inside a git repository (run it in the working tree)",
      );
    }
    const hook = path.resolve(process.cwd(), r.stdout.toString("utf8").trim());
    let note = "";
    if (fs.existsSync(hook)) {
      const old = fs.readFileSync(hook, "utf8");
      if (!old.includes(HOOK_MARKER)) {
        if (!values.force) {
          fail(
            `${display(hook)} already exists and was not written by dbfence; use --force to replace it (it is kept as pre-commit.dbfence-backup), or add 'dbfence check --staged' to it`,
          );
        }
        const backup = `${hook}.dbfence-backup`;
        fs.copyFileSync(hook, backup);
        note = ` (the previous hook is in ${display(backup)})`;
      }
    }
    fs.mkdirSync(path.dirname(hook), { recursive: true });
    fs.writeFileSync(hook, script, { mode: 0o755 });
    fs.chmodSync(hook, 0o755);
    process.stdout.write(
      `dbfence: wrote ${display(hook)}${note}\n` +
        "  every commit now runs 'dbfence check --staged' on the staged Python files; findings block it\n" +
        "  skip once with 'git commit --no-verify'; remove the file to uninstall\n",
    );
    return 0;
  },
};

function display(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel === "" || rel.startsWith("..") ? abs : rel;
}

/** POSIX shell single quotes. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The hook: the dbfence that installed it (this node, this cli.js), else `dbfence` on PATH. Without
 * either it blocks the commit and says why, rather than letting unchecked code through.
 */
export function hookScript(node: string, cli: string, checkArgs: readonly string[]): string {
  const extra = checkArgs.map(shellQuote).join(" ");
  const args = `check --staged${extra ? ` ${extra}` : ""}`;
  return `#!/bin/sh
${HOOK_MARKER}: written by 'dbfence install-hook', which rewrites it; delete this file to uninstall.
# Checks the staged Python files as they will be committed (not the working tree); findings block
# the commit. Skip once with 'git commit --no-verify'.
node=${shellQuote(node)}
cli=${shellQuote(cli)}
if [ -f "$cli" ]; then
  command -v "$node" >/dev/null 2>&1 || node=node
  exec "$node" "$cli" ${args}
fi
if command -v dbfence >/dev/null 2>&1; then
  exec dbfence ${args}
fi
echo "dbfence pre-commit hook: dbfence not found (not at $cli, not on PATH); commit blocked." >&2
echo "Install dbfence, run 'dbfence install-hook' again, or delete $0." >&2
exit 1
`;
}
