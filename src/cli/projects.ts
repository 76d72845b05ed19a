/**
 * Hierarchical configuration (INTERFACE.md, Interface v2), as in ruff: every checked file uses the nearest
 * config file above it. The PATHS of a run are split into projects, one per config file that governs some
 * of their Python files (plus one, with the default settings, for files no config governs); a config's
 * folder is its project's root. Each project is checked on its own by `runCheck` — its own cross-file
 * index, cache and baseline — and the results are merged here: this is a layer above the engine, which
 * still checks exactly one project.
 */
import path from "node:path";
import { configInFolder, startFolder } from "../config/discover.js";
import { defaultConfig, type LoadedConfig, loadConfig } from "../config/load.js";
import { discoverFiles } from "../files/discover.js";
import type { CheckResult, Finding } from "../types.js";
import { checkSelectors, existingPaths, isInside, loadProject, type Project } from "./common.js";

export interface ProjectRun extends Project {
  /** Roots of other projects inside this one's root: their files belong to them, not to this project. */
  nested: string[];
}

/** The projects PATHS (default `.`) fall into; with `--config FILE`, that one config for everything. */
export function resolveProjects(positionals: string[], configFile: string | undefined): ProjectRun[] {
  if (configFile !== undefined) {
    const p = loadProject(positionals, configFile);
    return [{ ...p, nested: [] }];
  }
  const paths = existingPaths(positionals);
  const finder = new ConfigFinder();
  const owned = new Map<string | null, string[]>();
  const own = (config: string | null, p: string): void => {
    const list = owned.get(config);
    if (list) list.push(p);
    else owned.set(config, [p]);
  };
  for (const p of paths) {
    const folder = startFolder(p);
    const here = finder.nearest(folder);
    if (folder !== p) {
      own(here, p); // a file: its own config
      continue;
    }
    const governing = finder.governing(p);
    if (governing.size === 0 || governing.has(here)) own(here, p);
    for (const c of governing) if (c !== here && c !== null) own(c, path.dirname(c));
  }
  const projects: ProjectRun[] = [];
  for (const [file, ps] of owned) {
    const loaded: LoadedConfig =
      file === null
        ? { root: startFolder(ps[0] as string), file: null, config: defaultConfig() }
        : loadConfig({ startPath: file, configFile: file });
    checkSelectors(loaded);
    const list = outermost(ps);
    const root = loaded.root;
    const nested = nestedRoots(loaded, finder);
    projects.push({ loaded, paths: list.length === 1 && list[0] === root ? [root] : list, nested });
  }
  return projects.sort((a, b) => (a.loaded.root < b.loaded.root ? -1 : a.loaded.root > b.loaded.root ? 1 : 0));
}

/** The roots of the projects inside a project's root (folders whose own config governs Python files). */
export function nestedRoots(loaded: LoadedConfig, finder: ConfigFinder = new ConfigFinder()): string[] {
  const { root, file } = loaded;
  return [...finder.governing(root)]
    .filter((c): c is string => c !== null && c !== file && isInside(path.dirname(c), root))
    .map((c) => path.dirname(c))
    .filter((dir) => dir !== root);
}

/** Nearest config per folder and the configs governing a folder's Python files, each looked up once. */
class ConfigFinder {
  private readonly near = new Map<string, string | null>();
  private readonly below = new Map<string, Set<string | null>>();

  nearest(folder: string): string | null {
    const known = this.near.get(folder);
    if (known !== undefined) return known;
    const parent = path.dirname(folder);
    const found = configInFolder(folder) ?? (parent === folder ? null : this.nearest(parent));
    this.near.set(folder, found);
    return found;
  }

  /** The configs that govern the Python files under `folder` (every file, `exclude` aside). */
  governing(folder: string): Set<string | null> {
    let set = this.below.get(folder);
    if (!set) {
      set = new Set();
      const found = discoverFiles({
        root: folder,
        paths: [folder],
        include: ["."],
        exclude: [],
        respectGitignore: true,
      });
      for (const f of found.files) set.add(this.nearest(path.dirname(f.abs)));
      this.below.set(folder, set);
    }
    return set;
  }
}

/** The paths not inside another of them, without repeats. */
function outermost(paths: string[]): string[] {
  const unique = [...new Set(paths)];
  return unique.filter((p) => !unique.some((q) => q !== p && isInside(p, q)));
}

/** `exclude` entries that keep nested projects' folders out of a project (anchored, folder-only globs). */
export function withNestedExcluded(project: ProjectRun): LoadedConfig {
  if (project.nested.length === 0) return project.loaded;
  const { loaded } = project;
  const globs = project.nested.map(
    (dir) =>
      `/${path
        .relative(loaded.root, dir)
        .split(path.sep)
        .join("/")
        .replace(/[*?[\]{}()!\\]/g, "\\$&")}/`,
  );
  return { ...loaded, config: { ...loaded.config, exclude: [...loaded.config.exclude, ...globs] } };
}

/** The folder every root is inside (the one root of a single project). */
export function commonRoot(roots: readonly string[]): string {
  let common = roots[0] as string;
  for (const r of roots) while (!isInside(r, common)) common = path.dirname(common);
  return common;
}

/** Findings of several projects as one result whose paths are relative to the projects' common folder. */
export function mergeResults(results: readonly CheckResult[]): CheckResult {
  if (results.length === 1) return results[0] as CheckResult;
  const root = commonRoot(results.map((r) => r.root));
  const findings: Finding[] = [];
  const notices: string[] = [];
  for (const r of results) {
    const prefix = path.relative(root, r.root).split(path.sep).join("/");
    const move = (p: string): string => (prefix === "" ? p : path.posix.normalize(`${prefix}/${p}`));
    for (const f of r.findings) findings.push({ ...f, path: move(f.path) });
    for (const n of r.notices) notices.push(prefix === "" ? n : `${n} (project ${prefix})`);
  }
  const sum = (k: "files" | "findings" | "errors" | "warnings" | "durationMs"): number =>
    results.reduce((n, r) => n + r.summary[k], 0);
  return {
    root,
    findings,
    summary: {
      files: sum("files"),
      findings: sum("findings"),
      errors: sum("errors"),
      warnings: sum("warnings"),
      durationMs: sum("durationMs"),
    },
    notices,
  };
}

/**
 * The result as text, github and SARIF output show it: paths relative to the working directory, as ruff
 * prints them, so terminal links and workflow annotations resolve wherever dbfence runs; a file outside the
 * working directory keeps its absolute path.
 */
export function relativeToCwd(result: CheckResult, cwd: string = process.cwd()): CheckResult {
  const shown = (rel: string): string => {
    const abs = path.resolve(result.root, rel);
    return isInside(abs, cwd) ? path.relative(cwd, abs).split(path.sep).join("/") : abs;
  };
  return { ...result, root: cwd, findings: result.findings.map((f) => ({ ...f, path: shown(f.path) })) };
}
