/** `dbfence check`: every project the PATHS fall into is checked, the results merged and reported. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CACHE_DIR, sha1 } from "../cache/store.js";
import type { LoadedConfig } from "../config/load.js";
import { runCheck } from "../engine/run.js";
import { decodePythonSource } from "../files/decode.js";
import { runFixes } from "../fix/cli.js";
import { plural } from "../reporters/common.js";
import { formatResult } from "../reporters/index.js";
import { sanitizePath } from "../reporters/text.js";
import { ruleMetas } from "../rules/index.js";
import type { CheckResult } from "../types.js";
import { VERSION } from "../version.js";
import { hiddenNote, type KnownSplit, keepFresh, splitKnown, staleNote } from "./baseline.js";
import { CHECK_HELP, type CheckArgs, effectiveSelect, parseCheckArgs } from "./check-args.js";
import { type Command, fail, type RunExtras, shownFile } from "./common.js";
import { Progress } from "./progress.js";
import { mergeResults, type ProjectRun, relativeToCwd, resolveProjects, withNestedExcluded } from "./projects.js";
import { showSettings } from "./settings.js";
import { checkStaged } from "./staged.js";
import { readStdin, type StdinFile, stdinProject } from "./stdin.js";
import { watchCheck } from "./watch.js";

export const checkCommand: Command = {
  name: "check",
  summary: "check Python files (default: the current folder)",
  help: CHECK_HELP,
  async run(args, extra) {
    if (args.includes("--staged") && !extra) return checkStaged(args, checkCommand);
    const a = parseCheckArgs(args);
    if (a.showSettings) return showSettings(resolveProjects(a.positionals, a.config));
    if (a.watch) return watchCheck(a, () => checkOnce(a, extra, null));
    const stdin =
      a.stdinFilename !== undefined ? { abs: path.resolve(a.stdinFilename), text: await readStdin() } : null;
    return checkOnce(a, extra, stdin);
  },
};

/** What one project's run gave. */
interface ProjectOutcome {
  project: ProjectRun;
  result: CheckResult;
  split: KnownSplit;
}

/** One whole check: every project, then the merged report. Returns the exit code. */
export function checkOnce(a: CheckArgs, extra: RunExtras | undefined, stdin: StdinFile | null): number {
  const fromStdin = stdin ? stdinProject(stdin, a.config) : null;
  const projects = fromStdin ? [fromStdin.project] : resolveProjects(a.positionals, a.config);
  if (a.baseline !== undefined && projects.length > 1) {
    fail(
      `--baseline FILE names one project's baseline, but these paths are ${projects.length} projects (${projects.map((p) => shownFile(p.loaded.root)).join(", ")}); each uses its own ${"`.dbfence-baseline.json`"}`,
    );
  }
  const progress = new Progress(a, projects.length);
  const outcomes: ProjectOutcome[] = [];
  let fixExit: number | null = null;
  try {
    for (const [i, project] of projects.entries()) {
      const loaded = withNestedExcluded(project);
      const select = effectiveSelect(a, loaded.config.select);
      const ignore = a.ignore;
      const scope = { ...(select ? { select } : {}), ...(ignore ? { ignore } : {}) };
      const fixed = runFixes(loaded, project.paths, {
        fix: a.fix,
        unsafe: a.unsafeFixes,
        diff: a.diffFixes,
        format: a.format,
        showFixes: a.showFixes,
        ...scope,
      });
      if (fixed !== null) {
        fixExit = Math.max(fixExit ?? 0, fixed);
        continue;
      }
      progress.project(i, shownFile(loaded.root));
      const result = runCheck({
        loaded,
        paths: project.paths,
        cacheDir: cacheDirOf(a, loaded, extra, projects.length),
        jobs: jobsOption(a.jobs),
        onPhase: (what) => progress.phase(what),
        ...(fromStdin ? { snapshot: fromStdin.snapshot } : extra?.snapshot ? { snapshot: extra.snapshot(loaded) } : {}),
        ...(stdin ? { sources: new Map([[stdin.abs, stdin.text]]) } : {}),
        ...scope,
      });
      const known = { baseline: a.baseline, noBaseline: a.noBaseline, diff: a.diff };
      const split = splitKnown(result, { loaded, paths: project.paths, ...scope }, known);
      keepFresh(result, split);
      outcomes.push({ project, result, split });
    }
  } finally {
    progress.done();
  }
  if (fixExit !== null) return fixExit;
  return report(a, outcomes, stdin);
}

/** Prints the merged report and the notes; returns the exit code. */
function report(a: CheckArgs, outcomes: ProjectOutcome[], stdin: StdinFile | null): number {
  const merged = mergeResults(outcomes.map((o) => o.result));
  for (const n of merged.notices) process.stderr.write(`dbfence: warning: ${sanitizePath(n)}\n`);
  if (!a.quiet) process.stderr.write(defaultsNote(outcomes));
  const shown = a.format === "json" ? merged : relativeToCwd(merged);
  const color = a.format === "text" && !a.noColor && !process.env.NO_COLOR && process.stdout.isTTY === true;
  const out = formatResult(a.format, shown, ruleMetas(), {
    toolVersion: VERSION,
    color,
    statistics: a.statistics,
    sourceLine: sourceLines(shown.root, stdin),
    fixHint: { unsafe: a.unsafeFixes },
    quiet: a.quiet,
    showFixes: a.showFixes,
  });
  process.stdout.write(out);
  for (const o of outcomes) {
    if (a.format === "text" && !a.quiet) process.stdout.write(hiddenNote(o.split));
    process.stderr.write(staleNote(o.split));
  }
  if (merged.summary.files === 0) {
    process.stderr.write(nothingChecked(outcomes));
    if (a.strict) return 2;
  }
  if (a.exitZero) return 0;
  const failing = merged.summary.errors > 0 || (a.strict && merged.summary.warnings > 0);
  return failing ? 1 : 0;
}

/** A note when some (or all) files were checked with the default settings: no config governs them. */
function defaultsNote(outcomes: ProjectOutcome[]): string {
  const bare = outcomes.filter((o) => o.project.loaded.file === null);
  if (bare.length === 0) return "";
  const where = bare.map((o) => shownFile(o.project.loaded.root) || ".").join(", ");
  if (bare.length === outcomes.length) {
    return `dbfence: note: no config file (dbfence.toml, .dbfence.toml or pyproject.toml with [tool.dbfence]) in ${where} or above; using the default settings ('dbfence init' writes one)\n`;
  }
  const files = bare.reduce((n, o) => n + o.result.summary.files, 0);
  if (files === 0) return "";
  return `dbfence: note: ${plural(files, "file")} under ${where} ${files === 1 ? "has" : "have"} no config file above ${files === 1 ? "it" : "them"}; checked with the default settings\n`;
}

/** The warning for a run that checked no Python file: which paths, under which configs. */
function nothingChecked(outcomes: ProjectOutcome[]): string {
  const paths = outcomes.flatMap((o) => o.project.paths.map((p) => shownFile(p) || "."));
  const configs = outcomes.map((o) =>
    o.project.loaded.file ? shownFile(o.project.loaded.file) : "no config file (default settings)",
  );
  return `dbfence: warning: no Python file was checked in ${paths.join(", ")} (config: ${[...new Set(configs)].join(", ")}); check the PATHS and the config's include/exclude\n`;
}

/** Where a project's cache lives: --no-cache none; --cache-dir DIR (one folder per project when several). */
function cacheDirOf(a: CheckArgs, loaded: LoadedConfig, extra: RunExtras | undefined, projects: number): string | null {
  if (a.noCache) return null;
  const given = a.cacheDir ?? process.env.DBFENCE_CACHE_DIR;
  if (given !== undefined) {
    const dir = path.resolve(given);
    return projects > 1 ? path.join(dir, sha1(loaded.root).slice(0, 16)) : dir;
  }
  return path.resolve(extra?.cacheDir?.(loaded) ?? path.join(loaded.root, CACHE_DIR));
}

/** `--jobs N`: a positive integer; default the CPUs this process may use, at most 8. */
export function jobsOption(value: string | undefined): number {
  if (value === undefined) return Math.min(8, os.availableParallelism());
  if (!/^[1-9][0-9]*$/.test(value)) fail(`--jobs must be a positive whole number, got '${value}'`);
  return Math.min(64, Number(value));
}

/** Source lines for the text reporter, read once per file (stdin's text for `--stdin-filename`). */
export function sourceLines(
  root: string,
  stdin: StdinFile | null = null,
): (rel: string, line: number) => string | undefined {
  const cache = new Map<string, string[]>();
  return (rel, line) => {
    let lines = cache.get(rel);
    if (!lines) {
      const abs = path.resolve(root, rel);
      try {
        const text = stdin && abs === stdin.abs ? stdin.text : readText(abs);
        lines = text === null ? [] : text.split(/\r\n|\r|\n/);
      } catch {
        lines = [];
      }
      cache.set(rel, lines);
    }
    return lines[line - 1];
  };
}

function readText(abs: string): string | null {
  const decoded = decodePythonSource(fs.readFileSync(abs));
  return decoded.ok ? decoded.text : null;
}
