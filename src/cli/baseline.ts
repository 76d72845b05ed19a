/**
 * `dbfence baseline`, and what `check` and `review` share to hide known findings: those recorded in
 * the baseline file (`--baseline FILE`, default `.dbfence-baseline.json` at the project root when it
 * exists; `--no-baseline` ignores it) and, with `--diff REV`, those already present at a git revision.
 */

import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { LoadedConfig } from "../config/load.js";
import {
  BASELINE_FILE,
  type BaselineEntry,
  BaselineError,
  fileSources,
  fingerprintFindings,
  makeBaseline,
  matchBaseline,
  NEVER_BASELINED,
  readBaseline,
  serializeBaseline,
} from "../engine/baseline.js";
import { extractBaseTree, GitError } from "../engine/git.js";
import { runCheck } from "../engine/run.js";
import { plural } from "../reporters/common.js";
import { sanitizePath } from "../reporters/text.js";
import type { CheckResult, Finding } from "../types.js";
import { VERSION } from "../version.js";
import { type Command, fail, isInside, loadProject } from "./common.js";

export const baselineCommand: Command = {
  name: "baseline",
  summary: `record today's findings in ${BASELINE_FILE}; check then reports only new ones`,
  help: `Usage: dbfence baseline [PATHS...] [options]

Writes every current finding's fingerprint to ${BASELINE_FILE} at the project root. 'dbfence check'
reads that file when it exists and reports only findings that are not in it, plus the entries that no
longer match anything (run 'dbfence baseline' again to shrink the file). Fingerprints survive edits
above and below a finding; DBF900 and DBF903 are never recorded. With PATHS, entries of other files
are kept from the existing file.

Options:
  --baseline FILE                      write this file instead of ${BASELINE_FILE} at the project root
  --config FILE                        use this config file instead of discovering one
`,
  run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { baseline: { type: "string" }, config: { type: "string" } },
    });
    const { loaded, paths } = loadProject(positionals, values.config);
    const result = runCheck({ loaded, paths });
    for (const n of result.notices) process.stderr.write(`dbfence: warning: ${sanitizePath(n)}\n`);
    const file = values.baseline ? path.resolve(values.baseline) : path.join(loaded.root, BASELINE_FILE);
    const fingerprints = fingerprintFindings(result.findings, fileSources(loaded.root));
    const baseline = makeBaseline(result.findings, fingerprints, VERSION);
    const whole = paths.length === 1 && paths[0] === loaded.root;
    let keptFromFile = 0;
    if (!whole && fs.existsSync(file)) {
      const outside = wrap(() => readBaseline(file, shownPath(file))).entries.filter(
        (e) => !paths.some((p) => isInside(path.join(loaded.root, e.path), p)),
      );
      keptFromFile = outside.length;
      baseline.entries.push(...outside);
    }
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, serializeBaseline(baseline));
    } catch (e) {
      fail(`${shownPath(file)}: cannot write the baseline (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const skipped = result.findings.filter((f) => NEVER_BASELINED.has(f.code)).length;
    const recorded = baseline.entries.length - keptFromFile;
    const files = new Set(baseline.entries.map((e) => e.path)).size;
    process.stdout.write(
      `Wrote ${shownPath(file)}: ${entries(baseline.entries.length)} in ${plural(files, "file")}` +
        (keptFromFile > 0 ? ` (${recorded} from this run, ${keptFromFile} kept for files outside PATHS)` : "") +
        ".\n",
    );
    if (skipped > 0) {
      process.stderr.write(
        `dbfence: ${plural(skipped, "finding")} of DBF900/DBF903 not recorded: a file that does not parse and an expired exception are never baselined\n`,
      );
    }
    return 0;
  },
};

const entries = (n: number) => `${n} ${n === 1 ? "entry" : "entries"}`;

/** The `check`/`review` options about known findings. */
export interface KnownOptions {
  baseline?: string;
  noBaseline?: boolean;
  diff?: string;
}

export interface RunScope {
  loaded: LoadedConfig;
  paths: string[];
  select?: string[];
  ignore?: string[];
}

export interface KnownSplit {
  /** Not in the baseline and (with --diff) not at the revision: what to report. */
  fresh: Finding[];
  /** With --diff: also present at the revision. */
  preexisting: Finding[];
  baselined: Finding[];
  /** Baseline entries that match nothing any more. */
  stale: BaselineEntry[];
  /** The baseline file as shown to the user, when one was used. */
  baselineFile: string | null;
  diff: { rev: string; commit: string; prefix: string } | null;
}

const wrap = <T>(f: () => T): T => {
  try {
    return f();
  } catch (e) {
    if (e instanceof BaselineError || e instanceof GitError) fail(e.message);
    throw e;
  }
};

export function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : file;
}

export function checkKnownOptions(o: KnownOptions): void {
  if (o.baseline !== undefined && o.noBaseline) fail("--baseline and --no-baseline exclude each other");
  if (o.diff !== undefined && (o.diff === "" || o.diff.startsWith("-"))) {
    fail(`--diff needs a git revision (a branch, tag or commit), got '${o.diff}'`);
  }
}

/**
 * Splits a check result into fresh, pre-existing and baselined findings. `onBase` runs while the
 * revision's tree is extracted (review checks its tests there too).
 */
export function splitKnown(
  result: CheckResult,
  scope: RunScope,
  opts: KnownOptions,
  onBase?: (baseRoot: string) => void,
): KnownSplit {
  checkKnownOptions(opts);
  const { loaded } = scope;
  const fingerprints = fingerprintFindings(result.findings, fileSources(loaded.root));
  const split: KnownSplit = {
    fresh: [...result.findings],
    preexisting: [],
    baselined: [],
    stale: [],
    baselineFile: null,
    diff: null,
  };
  let prints = fingerprints;

  const file = opts.noBaseline
    ? null
    : opts.baseline !== undefined
      ? path.resolve(opts.baseline)
      : path.join(loaded.root, BASELINE_FILE);
  if (file !== null && (opts.baseline !== undefined || fs.existsSync(file))) {
    split.baselineFile = shownPath(file);
    const baseline = wrap(() => readBaseline(file, split.baselineFile as string));
    const m = matchBaseline(result.findings, fingerprints, baseline, inScope(scope));
    const keptSet = new Set(m.kept);
    prints = fingerprints.filter((_, i) => keptSet.has(result.findings[i] as Finding));
    split.fresh = m.kept;
    split.baselined = m.baselined;
    split.stale = m.stale;
  }

  if (opts.diff !== undefined) {
    const rev = opts.diff;
    const base = wrap(() => extractBaseTree(loaded.root, rev));
    try {
      const baseLoaded: LoadedConfig = {
        ...loaded,
        root: base.root,
        file: loaded.file ? path.join(base.root, path.relative(loaded.root, loaded.file)) : null,
      };
      const before = runCheck({
        loaded: baseLoaded,
        paths: [base.root],
        ...(scope.select ? { select: scope.select } : {}),
        ...(scope.ignore ? { ignore: scope.ignore } : {}),
      });
      const old = new Set(fingerprintFindings(before.findings, fileSources(base.root)));
      const fresh: Finding[] = [];
      split.fresh.forEach((f, i) => {
        if (old.has(prints[i] as string)) split.preexisting.push(f);
        else fresh.push(f);
      });
      split.fresh = fresh;
      split.diff = { rev, commit: base.commit, prefix: base.location.prefix };
      onBase?.(base.root);
    } finally {
      base.dispose();
    }
  }
  return split;
}

/** Whether a rule code is switched on for this run (config select/ignore narrowed by the command line). */
export function activeCode(scope: RunScope): (code: string) => boolean {
  const { config } = scope.loaded;
  const select =
    scope.select && scope.select.length > 0 ? scope.select : config.select.length > 0 ? config.select : ["DBF"];
  const ignore = [...config.ignore, ...(scope.ignore ?? [])];
  return (code) => select.some((s) => code.startsWith(s)) && !ignore.some((s) => code.startsWith(s));
}

/** Whether a baseline entry's file and code were checked by this run, so that it can be stale. */
function inScope(scope: RunScope): (e: BaselineEntry) => boolean {
  const active = activeCode(scope);
  return (e) => active(e.code) && scope.paths.some((p) => isInside(path.join(scope.loaded.root, e.path), p));
}

/** Replaces the result's findings by the fresh ones and recounts its summary. */
export function keepFresh(result: CheckResult, split: KnownSplit): void {
  result.findings = split.fresh;
  const errors = split.fresh.filter((f) => f.severity === "error").length;
  result.summary = { ...result.summary, findings: split.fresh.length, errors, warnings: split.fresh.length - errors };
}

/** Lines for the end of the text report: what was hidden and why. */
export function hiddenNote(split: KnownSplit): string {
  const lines: string[] = [];
  if (split.baselined.length > 0) {
    lines.push(`${plural(split.baselined.length, "finding")} in the baseline (${split.baselineFile}) not shown.`);
  }
  if (split.diff && split.preexisting.length > 0) {
    lines.push(`${plural(split.preexisting.length, "finding")} already at ${revName(split.diff)} not shown.`);
  }
  return lines.map((l) => `${l}\n`).join("");
}

export function revName(d: { rev: string; commit: string }): string {
  const short = d.commit.slice(0, 12);
  return d.rev === d.commit || short.startsWith(d.rev) ? short : `${d.rev} (${short})`;
}

/** Stale baseline entries, for stderr. */
export function staleNote(split: KnownSplit): string {
  const n = split.stale.length;
  if (n === 0) return "";
  const head = `dbfence: ${n} baseline ${n === 1 ? "entry no longer matches" : "entries no longer match"} a finding; run \`dbfence baseline\` to shrink ${split.baselineFile}:\n`;
  return head + split.stale.map((e) => `  ${e.path}:${e.line} ${e.code} ${e.message}\n`).join("");
}
