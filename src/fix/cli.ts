/**
 * `dbfence check --fix / --unsafe-fixes / --diff-fixes`: runs the fix loop before the check. With
 * `--fix` the fixed files are written and the check that follows reports what remains; with
 * `--diff-fixes` nothing is written: the diff is printed and the command ends there.
 */
import type { LoadedConfig } from "../config/load.js";
import { unifiedDiffs } from "./diff.js";
import { type AppliedFix, fixProject, writeFixedFiles } from "./loop.js";

export interface FixFlags {
  fix: boolean;
  unsafe: boolean;
  diff: boolean;
  /** Where the "Fixed ..." line goes: stdout for text output, stderr otherwise (stdout holds the report). */
  format: string;
  /** `--show-fixes`: list what was fixed, per file and code. */
  showFixes?: boolean;
  select?: string[];
  ignore?: string[];
}

/** `DBF401 ×3, DBF901 ×1`: what was (or would be) fixed, per code. */
function perCode(applied: readonly AppliedFix[]): string {
  const counts = new Map<string, number>();
  for (const a of applied) counts.set(a.code, (counts.get(a.code) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, n]) => `${code} ×${n}`)
    .join(", ");
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Runs the fixes the flags ask for. Returns the exit code when the command is complete (`--diff-fixes`:
 * 1 when there is something to fix, else 0), or null when the check should go on and report what remains.
 */
export function runFixes(loaded: LoadedConfig, paths: string[], flags: FixFlags): number | null {
  if (!flags.fix && !flags.diff) return null;
  const outcome = fixProject(loaded, paths, {
    unsafe: flags.unsafe,
    ...(flags.select ? { select: flags.select } : {}),
    ...(flags.ignore ? { ignore: flags.ignore } : {}),
  });
  for (const p of outcome.problems) process.stderr.write(`dbfence: warning: ${p}\n`);
  const files = plural(outcome.changedFiles.length, "file");
  const what = outcome.applied.length > 0 ? `: ${perCode(outcome.applied)}` : "";
  if (flags.diff) {
    process.stdout.write(unifiedDiffs(outcome.changedFiles));
    process.stderr.write(
      outcome.applied.length > 0
        ? `Would fix ${plural(outcome.applied.length, "finding")} in ${files}${what}.\n`
        : "No fixes available.\n",
    );
    return outcome.changedFiles.length > 0 ? 1 : 0;
  }
  const unwritten = writeFixedFiles(outcome.changedFiles);
  for (const p of unwritten) process.stderr.write(`dbfence: warning: ${p}\n`);
  const written = outcome.applied.filter((a) => !unwritten.some((u) => u.startsWith(`${a.path}: `)));
  const line =
    written.length > 0
      ? `Fixed ${plural(written.length, "finding")} in ${plural(new Set(written.map((a) => a.path)).size, "file")}: ${perCode(written)}.`
      : "No fixes applied.";
  const list = flags.showFixes ? fixedList(written) : "";
  if (flags.format === "text") process.stdout.write(`${line}\n${list}\n`);
  else process.stderr.write(`${line}\n${list}`);
  return null;
}

/** `--show-fixes` with `--fix`: `- path:` then `    2 × DBF901` lines (paths as the fix loop knows them). */
function fixedList(applied: readonly AppliedFix[]): string {
  const byFile = new Map<string, Map<string, number>>();
  for (const a of applied) {
    const codes = byFile.get(a.path) ?? new Map<string, number>();
    codes.set(a.code, (codes.get(a.code) ?? 0) + 1);
    byFile.set(a.path, codes);
  }
  const lines: string[] = [];
  for (const [file, codes] of [...byFile].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`- ${file}:`);
    for (const [code, n] of [...codes].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`    ${n} × ${code}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}
