/**
 * `check --watch`: checks, then checks again whenever a Python file, a config file or a .gitignore under
 * the PATHS (or a project root's config) changes, until Ctrl-C. Node's `fs.watch` on each folder (not its
 * recursive mode, which on Linux would put a watch on every folder of `.venv` and `node_modules`): the
 * folders are those discovery would walk (the skip list left out), found again after every run, so new
 * folders are watched too. Changes within 150 ms are one re-check. A usage or config error during a re-check
 * is printed and watching goes on (the user is probably still editing the config).
 */
import fs from "node:fs";
import path from "node:path";
import { CONFIG_FILE_NAMES } from "../config/discover.js";
import { ConfigError } from "../config/load.js";
import { SKIPPED_FOLDERS } from "../files/discover.js";
import type { CheckArgs } from "./check-args.js";
import { existingPaths, UsageError } from "./common.js";
import { resolveProjects } from "./projects.js";

/** At most this many folders are watched (each is one inotify watch). */
const MAX_FOLDERS = 4000;
const DEBOUNCE_MS = 150;
const WATCHED = new RegExp(
  `(\\.pyi?|^\\.gitignore|^(${CONFIG_FILE_NAMES.map((n) => n.replace(/\./g, "\\.")).join("|")}))$`,
);

export function watchCheck(a: CheckArgs, once: () => number): Promise<number> {
  const note = (text: string): void => {
    process.stderr.write(`dbfence: ${text}\n`);
  };
  const run = (): void => {
    try {
      once();
    } catch (e) {
      if (!(e instanceof UsageError || e instanceof ConfigError)) throw e;
      process.stderr.write(`dbfence: ${e.message}\n`);
    }
  };
  run();
  let watchers: fs.FSWatcher[] = [];
  let timer: NodeJS.Timeout | null = null;
  const rewatch = (): void => {
    for (const w of watchers) w.close();
    watchers = [];
    for (const dir of watchedFolders(a)) {
      try {
        watchers.push(fs.watch(dir, (_event, name) => onChange(name)));
      } catch {
        // A folder that went away since it was found: the next run finds the folders again.
      }
    }
  };
  const onChange = (name: string | Buffer | null): void => {
    const file = name === null ? "" : String(name);
    if (SKIPPED_FOLDERS.has(file)) return;
    if (file !== "" && !WATCHED.test(file) && path.extname(file) !== "") return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      note(`change detected at ${new Date().toLocaleTimeString()}; checking again`);
      run();
      rewatch();
      note("watching for changes (Ctrl-C ends)");
    }, DEBOUNCE_MS);
  };
  rewatch();
  note("watching for changes (Ctrl-C ends)");
  return new Promise((resolve) => {
    const stop = (): void => {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** The folders under the PATHS that discovery would walk, and each project's root. */
function watchedFolders(a: CheckArgs): string[] {
  const out = new Set<string>();
  let roots: string[] = [];
  try {
    roots = resolveProjects(a.positionals, a.config).map((p) => p.loaded.root);
  } catch {
    // A broken config is reported by the run; the PATHS are still watched.
  }
  for (const r of roots) out.add(r);
  const stack = existingPaths(a.positionals).map((p) => (isDirectory(p) ? p : path.dirname(p)));
  while (stack.length > 0 && out.size < MAX_FOLDERS) {
    const dir = stack.pop() as string;
    out.add(dir);
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) if (e.isDirectory() && !SKIPPED_FOLDERS.has(e.name)) stack.push(path.join(dir, e.name));
  }
  return [...out];
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
