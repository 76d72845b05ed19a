/** `dbfence check`: the analyzer with a reporter. */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { CACHE_DIR } from "../cache/store.js";
import { SourceLines } from "../engine/baseline.js";
import { runCheck } from "../engine/run.js";
import { decodePythonSource } from "../files/decode.js";
import { runFixes } from "../fix/cli.js";
import { formatResult, isOutputFormat, OUTPUT_FORMATS } from "../reporters/index.js";
import { sanitizePath } from "../reporters/text.js";
import { ruleMetas } from "../rules/index.js";
import { VERSION } from "../version.js";
import { hiddenNote, keepFresh, splitKnown, staleNote } from "./baseline.js";
import { type Command, fail, loadProject, ruleCodes } from "./common.js";
import { checkStaged } from "./staged.js";

export const checkCommand: Command = {
  name: "check",
  summary: "check Python files (default: the current folder)",
  help: `Usage: dbfence check [PATHS...] [options]

Options:
  --format text|json|sarif|github      output format (default: text)
  --config FILE                        use this config file instead of discovering one
  --select CODES                       only these rule codes or prefixes (comma-separated, e.g. DBF1,DBF401)
  --ignore CODES                       skip these rule codes or prefixes
  --strict                             warnings also make the exit code 1
  --statistics                         text format: counts per rule instead of each finding
  --no-color                           no ANSI colours (also NO_COLOR=1)
  --fix                                apply the safe fixes, then report what remains
  --unsafe-fixes                       with --fix/--diff-fixes also apply the unsafe fixes (see dbfence explain CODE)
  --diff-fixes                         print the fixes as a unified diff instead of writing them (exit 1 if any)
  --staged                             only the staged Python files, as staged (for git pre-commit hooks)
  --baseline FILE                      hide the findings recorded in FILE (default: .dbfence-baseline.json
                                       at the project root, when it exists; see 'dbfence baseline')
  --no-baseline                        report every finding, also those in the baseline file
  --diff REV                           only findings introduced since the git revision REV (working tree vs REV)
  --jobs N                             worker threads for runs with 24 MB+ of source to parse (default: the
                                       number of CPUs, at most 8; 1 = none); results are the same for any N
  --no-cache                           neither read nor write the cache (.dbfence_cache/ at the project root)
  --cache-dir DIR                      keep the cache in DIR instead (also DBFENCE_CACHE_DIR)
`,
  run(args, extra) {
    if (args.includes("--staged") && !extra) return checkStaged(args, checkCommand);
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: "string", default: "text" },
        config: { type: "string" },
        select: { type: "string" },
        ignore: { type: "string" },
        strict: { type: "boolean", default: false },
        statistics: { type: "boolean", default: false },
        "no-color": { type: "boolean", default: false },
        fix: { type: "boolean", default: false },
        "unsafe-fixes": { type: "boolean", default: false },
        "diff-fixes": { type: "boolean", default: false },
        baseline: { type: "string" },
        "no-baseline": { type: "boolean", default: false },
        diff: { type: "string" },
        "no-cache": { type: "boolean", default: false },
        jobs: { type: "string" },
        "cache-dir": { type: "string" },
      },
    });
    const format = values.format as string;
    if (!isOutputFormat(format)) fail(`--format must be one of ${OUTPUT_FORMATS.join(", ")}, got '${format}'`);
    const { loaded, paths } = loadProject(positionals, values.config);
    const select = ruleCodes(values.select, "--select");
    const ignore = ruleCodes(values.ignore, "--ignore");
    const fixFlags = { fix: values.fix, unsafe: values["unsafe-fixes"], diff: values["diff-fixes"], format };
    const fixExit = runFixes(loaded, paths, {
      ...fixFlags,
      ...(select ? { select } : {}),
      ...(ignore ? { ignore } : {}),
    });
    if (fixExit !== null) return fixExit;
    const cacheDir = values["no-cache"]
      ? null
      : path.resolve(
          values["cache-dir"] ??
            process.env.DBFENCE_CACHE_DIR ??
            extra?.cacheDir?.(loaded) ??
            path.join(loaded.root, CACHE_DIR),
        );
    const result = runCheck({
      loaded,
      paths,
      cacheDir,
      jobs: jobsOption(values.jobs),
      ...(extra?.snapshot ? { snapshot: extra.snapshot(loaded) } : {}),
      ...(select ? { select } : {}),
      ...(ignore ? { ignore } : {}),
    });
    const known = { baseline: values.baseline, noBaseline: values["no-baseline"], diff: values.diff };
    const split = splitKnown(result, { loaded, paths, select, ignore }, known);
    keepFresh(result, split);
    for (const n of result.notices) process.stderr.write(`dbfence: warning: ${sanitizePath(n)}\n`);
    const color = format === "text" && !values["no-color"] && !process.env.NO_COLOR && process.stdout.isTTY === true;
    const out = formatResult(format, result, ruleMetas(), {
      toolVersion: VERSION,
      color,
      statistics: values.statistics,
      sourceLine: sourceLines(loaded.root),
      fixHint: { unsafe: values["unsafe-fixes"] },
    });
    process.stdout.write(out);
    if (format === "text") process.stdout.write(hiddenNote(split));
    process.stderr.write(staleNote(split));
    const failing = result.summary.errors > 0 || (values.strict && result.summary.warnings > 0);
    return failing ? 1 : 0;
  },
};

/** `--jobs N`: a positive integer; default the CPUs this process may use, at most 8. */
export function jobsOption(value: string | undefined): number {
  if (value === undefined) return Math.min(8, os.availableParallelism());
  if (!/^[1-9][0-9]*$/.test(value)) fail(`--jobs must be a positive whole number, got '${value}'`);
  return Math.min(64, Number(value));
}

/** Source lines for the text reporter, read and indexed once per file (not split: it may have millions). */
export function sourceLines(root: string): (rel: string, line: number) => string | undefined {
  const cache = new Map<string, SourceLines | null>();
  return (rel, line) => {
    let lines = cache.get(rel);
    if (lines === undefined) {
      try {
        const decoded = decodePythonSource(fs.readFileSync(path.resolve(root, rel)));
        lines = decoded.ok ? new SourceLines(decoded.text) : null;
      } catch {
        lines = null;
      }
      cache.set(rel, lines);
    }
    return lines?.line(line);
  };
}
