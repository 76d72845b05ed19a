/** What every command shares: usage errors, project loading from PATHS and --config, rule-code options. */

import fs from "node:fs";
import path from "node:path";
import { ConfigError, type LoadedConfig, loadConfig } from "../config/load.js";
import type { Snapshot } from "../engine/run.js";
import { RULES_BY_CODE } from "../rules/index.js";

/** A usage error: the CLI prints `dbfence: <message>` on stderr and exits 2. */
export class UsageError extends Error {}

export function fail(message: string): never {
  throw new UsageError(message);
}

export interface Command {
  name: string;
  /** One line for `dbfence --help`. */
  summary: string;
  /** `dbfence <name> --help` text: usage line and options. */
  help: string;
  run(args: string[], extra?: RunExtras): number | Promise<number>;
}

/** What `check --staged` hands to `check` besides arguments. */
export interface RunExtras {
  /** The files as staged, for the project the config was loaded for. */
  snapshot?: (loaded: LoadedConfig) => Snapshot;
  /** Where the cache lives when no --cache-dir/--no-cache says otherwise (the working tree's). */
  cacheDir?: (loaded: LoadedConfig) => string;
}

/** Parses `--select`/`--ignore` values: rule codes or prefixes that match at least one rule. */
export function ruleCodes(value: string | undefined, option: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const known = [...RULES_BY_CODE.keys()];
  for (const c of list) {
    if (!/^DBF\d{0,3}$/.test(c)) fail(`${option}: '${c}' is not a rule code or prefix (like DBF401 or DBF4)`);
    if (!known.some((k) => k.startsWith(c))) fail(`${option}: no rule matches '${c}'; 'dbfence rules' lists them`);
  }
  return list;
}

export function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

export interface Project {
  loaded: LoadedConfig;
  /** Absolute paths to report on. */
  paths: string[];
}

/** PATHS (default `.`) as absolute paths; a path that does not exist is a usage error. */
export function existingPaths(positionals: string[]): string[] {
  const paths = (positionals.length > 0 ? positionals : ["."]).map((p) => path.resolve(p));
  for (const p of paths) {
    const shown = path.relative(process.cwd(), p) || p;
    if (!fs.existsSync(p)) fail(`path '${shown}' does not exist`);
    const st = fs.statSync(p);
    // Never opened: reading a FIFO would block the run until something writes to it.
    if (!st.isFile() && !st.isDirectory())
      fail(`path '${shown}' is not a regular file or folder (a FIFO, socket or device)`);
  }
  return paths;
}

/** Resolves PATHS (default `.`) and the config (discovered, or `--config FILE`). */
export function loadProject(positionals: string[], configFile: string | undefined): Project {
  const paths = existingPaths(positionals);
  const loaded = loadConfig({
    startPath: paths[0] as string,
    ...(configFile ? { configFile: path.resolve(configFile) } : {}),
  });
  // An explicit --config elsewhere (ci/dbfence.toml) configures the project; it does not move its root.
  if (configFile && !paths.every((p) => isInside(p, loaded.root))) {
    const cwd = process.cwd();
    const first = paths[0] as string;
    loaded.root = paths.every((p) => isInside(p, cwd))
      ? cwd
      : fs.statSync(first).isDirectory()
        ? first
        : path.dirname(first);
  }
  checkSelectors(loaded);
  const onlyRoot = paths.length === 1 && paths[0] === loaded.root;
  return { loaded, paths: onlyRoot ? [loaded.root] : paths };
}

/**
 * A config's `select`, `extend-select` and `ignore` entries must each match a rule: a typo would otherwise
 * turn every rule off (or none) and pass in silence. The same check as for `--select` on the command line.
 */
export function checkSelectors(loaded: LoadedConfig): void {
  const { config, file } = loaded;
  if (file === null) return;
  const known = [...RULES_BY_CODE.keys()];
  const lists: [string, string[]][] = [
    ["select", config.select.filter((c) => !config.extendSelect.includes(c))],
    ["extend-select", config.extendSelect],
    ["ignore", config.ignore],
  ];
  const prefix = path.basename(file) === "pyproject.toml" ? "[tool.dbfence] " : "";
  for (const [key, codes] of lists) {
    const miss = codes.find((c) => !known.some((k) => k.startsWith(c)));
    if (miss === undefined) continue;
    const shown = shownFile(file);
    throw new ConfigError(
      `${shown}: ${prefix}${key}: no rule matches '${miss}' (a typo here silently changes what is checked); 'dbfence rules' lists the codes`,
      file,
      key,
    );
  }
}

/** A path as the user knows it: relative to the working directory (`.` for itself) when inside it. */
export function shownFile(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  if (!isInside(abs, process.cwd())) return abs;
  return rel === "" ? "." : rel.split(path.sep).join("/");
}
