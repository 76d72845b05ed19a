/**
 * `dbfence check --staged`: checks what a commit would contain, not the working tree. The index's
 * non-Python files (configs, .gitignore) and the staged Python files are exported into a temporary folder;
 * the normal check then runs there on the staged Python files only, while every other Python file of the
 * index still provides cross-file facts, read from the index on demand (src/engine/snapshot.ts) or known
 * from the working tree's cache by its blob hash. Reported paths are relative to the project root,
 * which has the same layout in the export, so they need no mapping; the export's absolute path in
 * json/sarif output is replaced by the repository's. The export is removed afterwards, whatever
 * happens. Nothing in the repository, its index or the working tree is changed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { CACHE_DIR } from "../cache/store.js";
import { findConfigFile } from "../config/load.js";
import { type IndexEntry, indexEntries, indexSnapshot, stagedBytes } from "../engine/snapshot.js";
import { gitTop, nulList, runGit } from "../init/git.js";
import { type Command, fail, isInside } from "./common.js";

const PYTHON = /\.pyi?$/;
/** dbfence's own files (config, baseline) and pyproject.toml: read from the working tree when not in the index. */
const CONFIG_FILE = /^(\.?dbfence[^/]*|pyproject\.toml)$/;

/**
 * Options of `check` that take a value, read from its help text (`--format text|json`, `--config FILE`:
 * one space between the option and its value), so that a new option cannot be mistaken for a PATH.
 */
export function valueOptions(help: string): Set<string> {
  const out = new Set<string>();
  for (const m of help.matchAll(/^\s*--([a-z][a-z0-9-]*) (?=\S)/gm)) out.add(m[1] as string);
  return out;
}

interface SplitArgs {
  /** Everything but the PATHS, in order; `configAt` is the index of `--config`'s value, -1 without one. */
  options: string[];
  configAt: number;
  positionals: string[];
}

export function splitCheckArgs(args: readonly string[], withValue: ReadonlySet<string>): SplitArgs {
  const options: string[] = [];
  const positionals: string[] = [];
  let configAt = -1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--staged") continue;
    if (a === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const [name, inline] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
      if (inline !== undefined) {
        if (name === "config") {
          options.push("--config");
          configAt = options.length;
          options.push(inline);
        } else options.push(a);
      } else {
        options.push(a);
        if (withValue.has(name) && i + 1 < args.length) {
          if (name === "config") configAt = options.length;
          options.push(args[++i] as string);
        }
      }
      continue;
    }
    if (a.startsWith("-") && a !== "-") options.push(a);
    else positionals.push(a);
  }
  return { options, configAt, positionals };
}

/** Runs `check` (given as a Command, so this module does not import it) on the staged files. */
export async function checkStaged(args: readonly string[], check: Command): Promise<number> {
  const cwd = process.cwd();
  const top = gitTop(cwd);
  if (top === null) fail("--staged needs git and a repository: run it inside the working tree");
  const split = splitCheckArgs(args, valueOptions(check.help));
  if (split.options.some((o) => o === "--diff" || o.startsWith("--diff="))) {
    fail("--staged and --diff cannot be combined: --staged already checks only what the commit changes");
  }
  const scopes = (split.positionals.length > 0 ? split.positionals : ["."]).map((p) => path.resolve(cwd, p));
  for (const [i, s] of scopes.entries()) {
    if (!isInside(s, top)) fail(`--staged: '${split.positionals[i]}' is outside the repository`);
  }
  const staged = nulList(
    gitOrFail(top, ["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--no-renames"]),
  ).filter((rel) => PYTHON.test(rel) && scopes.some((s) => isInside(path.join(top, rel), s)));
  if (staged.length === 0) {
    process.stderr.write("dbfence: no staged Python files to check\n");
    return 0;
  }

  const entries = indexEntries(top);
  if (entries === null) fail("--staged: git ls-files failed");
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-staged-")));
  const restoreWrite = process.stdout.write;
  try {
    exportIndex(top, tmp, entries);
    // The staged files themselves, as staged: the reporters read their lines, and PATHS must exist.
    const asStaged = new Map(entries.map((e) => [e.rel, e.blob]));
    for (const rel of staged) {
      const blob = asStaged.get(rel);
      if (!blob) continue;
      const to = path.join(tmp, rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      try {
        fs.writeFileSync(to, stagedBytes(top, rel, blob));
      } catch (e) {
        fail(`--staged: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const here = path.join(tmp, path.relative(top, cwd));
    fs.mkdirSync(here, { recursive: true });
    const options = [...split.options];
    if (split.configAt >= 0) {
      const abs = path.resolve(cwd, options[split.configAt] as string);
      const mirrored = isInside(abs, top) ? path.join(tmp, path.relative(top, abs)) : abs;
      options[split.configAt] = fs.existsSync(mirrored) ? mirrored : abs;
    }
    const files = staged.map((rel) => path.relative(here, path.join(tmp, rel)) || ".");
    if (split.configAt < 0) {
      const found = findConfigFile(path.join(tmp, staged[0] as string));
      if (found === null || !isInside(found, tmp)) fs.writeFileSync(path.join(tmp, "dbfence.toml"), "");
    }
    process.chdir(here);
    const swap = pathSwapper(tmp, top);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
      (restoreWrite as (...a: unknown[]) => boolean).call(
        process.stdout,
        typeof chunk === "string" ? swap(chunk) : chunk,
        ...rest,
      )) as typeof process.stdout.write;
    // The project's files come from the index (never written out), and the working tree's cache is used:
    // files the index holds as the cache knows them are not even read.
    const inTop = (p: string): string => path.join(top, path.relative(tmp, p));
    return await check.run([...options, "--", ...files], {
      snapshot: (loaded) =>
        indexSnapshot({
          top,
          mirror: tmp,
          root: loaded.root,
          entries,
          include: loaded.config.include,
          exclude: loaded.config.exclude,
        }),
      cacheDir: (loaded) => path.join(isInside(loaded.root, tmp) ? inTop(loaded.root) : loaded.root, CACHE_DIR),
    });
  } finally {
    process.stdout.write = restoreWrite;
    process.chdir(cwd);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function gitOrFail(cwd: string, args: string[]): Buffer {
  const r = runGit(cwd, args);
  if (!r.ok) fail(`--staged: git ${args[0]} failed: ${r.stderr || "no message"}`);
  return r.stdout;
}

/**
 * Writes the index's files other than Python sources under `dest` (configs, .gitignore files, baseline):
 * the Python files are read from the index on demand (src/engine/snapshot.ts). Config files that are not
 * in the index (a dbfence.toml written by `init` and not added yet) come from the working tree, so the
 * project is configured as it is for `dbfence check`.
 */
export function exportIndex(top: string, dest: string, entries: readonly IndexEntry[]): void {
  // An empty .git makes the export a repository top, so .gitignore files apply as in the repository.
  fs.mkdirSync(path.join(dest, ".git"), { recursive: true });
  const others = entries.filter((e) => !PYTHON.test(e.rel)).map((e) => e.rel);
  if (others.length > 0) {
    const r = runGit(
      top,
      ["checkout-index", "--force", "-z", "--stdin", `--prefix=${dest}${path.sep}`],
      Buffer.from(`${others.join("\0")}\0`),
    );
    if (!r.ok) fail(`--staged: git checkout-index failed: ${r.stderr || "no message"}`);
  }
  const untracked = nulList(gitOrFail(top, ["ls-files", "-z", "--others", "--exclude-standard"])).filter((rel) =>
    CONFIG_FILE.test(path.posix.basename(rel)),
  );
  for (const rel of untracked) {
    const to = path.join(dest, rel);
    if (fs.existsSync(to)) continue;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(top, rel), to);
  }
}

/** Replaces the export's absolute path (and its file: URL) with the repository's in printed output. */
function pathSwapper(from: string, to: string): (text: string) => string {
  const pairs: [string, string][] = [
    [pathToFileURL(from).href, pathToFileURL(to).href],
    [JSON.stringify(from).slice(1, -1), JSON.stringify(to).slice(1, -1)],
    [from, to],
  ];
  return (text) => {
    let out = text;
    for (const [a, b] of pairs) out = out.split(a).join(b);
    return out;
  };
}
