/** `dbfence check`'s options: the help text, the parser, and what the values mean once checked. */
import { parseArgs } from "node:util";
import { isOutputFormat, OUTPUT_FORMATS, type OutputFormat } from "../reporters/index.js";
import { fail, ruleCodes } from "./common.js";

export const CHECK_HELP = `Usage: dbfence check [PATHS...] [options]

Every file is checked under the nearest config file above it (dbfence.toml, .dbfence.toml or
pyproject.toml with [tool.dbfence]); that file's folder is its project's root. At a monorepo's root,
each project is checked under its own config, with its own cross-file facts, cache and baseline.

Options:
  --output-format text|json|sarif|github
                                       output format (default: text; also DBFENCE_OUTPUT_FORMAT)
  --format text|json|sarif|github      the same as --output-format
  --config FILE                        use this config file for every path instead of discovering them
  --select CODES                       only these rule codes or prefixes (comma-separated, e.g. DBF1,DBF401);
                                       replaces the config's select
  --extend-select CODES                these rule codes or prefixes on top of --select or the config's select
  --ignore CODES                       skip these rule codes or prefixes
  --strict                             warnings also make the exit code 1; checking no Python file is exit 2
  --exit-zero                          exit 0 even when there are findings (usage and config errors stay 2)
  -q, --quiet                          only the findings: no summary line, notes or progress
  --statistics                         text format: counts per rule instead of each finding
  --show-fixes                         text format: list the findings --fix can fix, per file
  --no-color                           no ANSI colours (also NO_COLOR=1)
  --fix                                apply the safe fixes, then report what remains
  --unsafe-fixes                       with --fix/--diff-fixes also apply the unsafe fixes (see dbfence explain CODE)
  --diff-fixes                         print the fixes as a unified diff instead of writing them (exit 1 if any)
  --stdin-filename PATH                check the text on stdin as the file PATH of its project (with the
                                       project's cross-file facts); nothing is written
  --watch                              check again whenever a Python file or a config file changes (Ctrl-C ends)
  --show-settings                      print the settings each path is checked with, then exit
  --progress                           progress on stderr also when it is not a terminal or in CI
  --staged                             only the staged Python files, as staged (for git pre-commit hooks)
  --baseline FILE                      hide the findings recorded in FILE (default: .dbfence-baseline.json
                                       at each project root, when it exists; see 'dbfence baseline')
  --no-baseline                        report every finding, also those in the baseline file
  --diff REV                           only findings introduced since the git revision REV (working tree vs REV)
  --jobs N                             worker threads for runs with 24 MB+ of source to parse (default: the
                                       number of CPUs, at most 8; 1 = none); results are the same for any N
  --no-cache                           neither read nor write the cache (.dbfence_cache/ at each project root)
  --cache-dir DIR                      keep the cache in DIR instead (also DBFENCE_CACHE_DIR)
`;

const OPTIONS = {
  format: { type: "string" },
  "output-format": { type: "string" },
  config: { type: "string" },
  select: { type: "string" },
  "extend-select": { type: "string" },
  ignore: { type: "string" },
  strict: { type: "boolean", default: false },
  "exit-zero": { type: "boolean", default: false },
  quiet: { type: "boolean", short: "q", default: false },
  statistics: { type: "boolean", default: false },
  "show-fixes": { type: "boolean", default: false },
  "no-color": { type: "boolean", default: false },
  fix: { type: "boolean", default: false },
  "unsafe-fixes": { type: "boolean", default: false },
  "diff-fixes": { type: "boolean", default: false },
  "stdin-filename": { type: "string" },
  watch: { type: "boolean", default: false },
  "show-settings": { type: "boolean", default: false },
  progress: { type: "boolean", default: false },
  baseline: { type: "string" },
  "no-baseline": { type: "boolean", default: false },
  diff: { type: "string" },
  "no-cache": { type: "boolean", default: false },
  jobs: { type: "string" },
  "cache-dir": { type: "string" },
} as const;

export interface CheckArgs {
  positionals: string[];
  format: OutputFormat;
  config: string | undefined;
  select: string[] | undefined;
  extendSelect: string[] | undefined;
  ignore: string[] | undefined;
  strict: boolean;
  exitZero: boolean;
  quiet: boolean;
  statistics: boolean;
  showFixes: boolean;
  noColor: boolean;
  fix: boolean;
  unsafeFixes: boolean;
  diffFixes: boolean;
  stdinFilename: string | undefined;
  watch: boolean;
  showSettings: boolean;
  progress: boolean;
  baseline: string | undefined;
  noBaseline: boolean;
  diff: string | undefined;
  noCache: boolean;
  jobs: string | undefined;
  cacheDir: string | undefined;
}

/** Parses and checks `check`'s arguments; a bad value is a usage error (exit 2). */
export function parseCheckArgs(args: string[], env: NodeJS.ProcessEnv = process.env): CheckArgs {
  const { values: v, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  if (v.format !== undefined && v["output-format"] !== undefined && v.format !== v["output-format"]) {
    fail(`--format '${v.format}' and --output-format '${v["output-format"]}' disagree; give one of them`);
  }
  const given = v["output-format"] ?? v.format;
  const envFormat = env.DBFENCE_OUTPUT_FORMAT === "" ? undefined : env.DBFENCE_OUTPUT_FORMAT;
  const format = given ?? envFormat ?? "text";
  if (!isOutputFormat(format)) {
    const source =
      given !== undefined ? (v.format !== undefined ? "--format" : "--output-format") : "DBFENCE_OUTPUT_FORMAT";
    fail(`${source} must be one of ${OUTPUT_FORMATS.join(", ")}, got '${format}'`);
  }
  if (v["stdin-filename"] !== undefined) {
    if (v["stdin-filename"] === "") fail("--stdin-filename needs the path the text on stdin stands for");
    if (positionals.length > 0) fail("--stdin-filename checks stdin only: give no PATHS with it");
    if (v.fix || v["diff-fixes"] || v.watch)
      fail("--stdin-filename cannot be combined with --fix, --diff-fixes or --watch");
  }
  if (v.watch && (v.fix || v["diff-fixes"])) fail("--watch cannot be combined with --fix or --diff-fixes");
  return {
    positionals,
    format,
    config: v.config,
    select: ruleCodes(v.select, "--select"),
    extendSelect: ruleCodes(v["extend-select"], "--extend-select"),
    ignore: ruleCodes(v.ignore, "--ignore"),
    strict: v.strict,
    exitZero: v["exit-zero"],
    quiet: v.quiet,
    statistics: v.statistics,
    showFixes: v["show-fixes"],
    noColor: v["no-color"],
    fix: v.fix,
    unsafeFixes: v["unsafe-fixes"],
    diffFixes: v["diff-fixes"],
    stdinFilename: v["stdin-filename"],
    watch: v.watch,
    showSettings: v["show-settings"],
    progress: v.progress,
    baseline: v.baseline,
    noBaseline: v["no-baseline"],
    diff: v.diff,
    noCache: v["no-cache"],
    jobs: v.jobs,
    cacheDir: v["cache-dir"],
  };
}

/** The select a project runs with: `--select` (else the config's), plus `--extend-select`. */
export function effectiveSelect(a: CheckArgs, configSelect: readonly string[]): string[] | undefined {
  if (!a.extendSelect) return a.select;
  return [...new Set([...(a.select ?? configSelect), ...a.extendSelect])];
}
