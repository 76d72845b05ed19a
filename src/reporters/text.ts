/**
 * Human output, after Ruff: `path:line:col: CODE message`, the source line with carets under the
 * reported span, and a closing summary. `--statistics` prints a count per rule instead.
 */

import type { CheckResult, Finding, RuleMeta, Severity } from "../types.js";
import { compareStrings, plural, sortFindings } from "./common.js";
import { cellWidth } from "./width.js";

/** Gives the text of a 1-based line of a reported file (without its line break), if it can. */
export type SourceLineLookup = (path: string, line: number) => string | undefined;

export interface TextReporterOptions {
  /** ANSI colours; the CLI passes `process.stdout.isTTY && !NO_COLOR`. Default: off. */
  color?: boolean;
  /** Ruff's `--statistics`: one row per rule (count, code, name) instead of every finding. */
  statistics?: boolean;
  /** Where the source lines come from; without it only the finding lines are printed. */
  sourceLine?: SourceLineLookup;
  /**
   * Ruff's `[*] N fixable with --fix` line after the summary; `unsafe` when `--unsafe-fixes` was given
   * (then unsafe fixes count as fixable too). Without it, no such line.
   */
  fixHint?: { unsafe: boolean };
  /** `-q`: the findings only, no summary or fix-hint lines. */
  quiet?: boolean;
  /**
   * `--show-fixes`: a `[*]` after the code of each finding `--fix` would fix (with `--unsafe-fixes`
   * when `fixHint.unsafe`), and a closing list of them per file and code.
   */
  showFixes?: boolean;
}

/**
 * Plain ANSI SGR codes rather than `util.styleText`: from Node 22.13 on, `styleText` looks at
 * `process.stderr` and the environment by default, which would make this pure function depend on
 * where it runs. The caller decides about colour once, through `options.color`.
 */
interface Style {
  bold(text: string): string;
  code(text: string, severity: Severity): string;
  caret(text: string, severity: Severity): string;
  gutter(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) =>
  text === "" ? text : `\x1b[${open}m${text}\x1b[${close}m`;
const bold = sgr(1, 22);
const red = sgr(31, 39);
const yellow = sgr(33, 39);
const blue = sgr(34, 39);

const colourStyle: Style = {
  bold,
  code: (text, severity) => bold(severity === "error" ? red(text) : yellow(text)),
  caret: (text, severity) => (severity === "error" ? red(text) : yellow(text)),
  gutter: (text) => bold(blue(text)),
};

const plainStyle: Style = {
  bold: (text) => text,
  code: (text) => text,
  caret: (text) => text,
  gutter: (text) => text,
};

/**
 * Control characters other than tab are shown as their Unicode "control pictures" (U+2400 block),
 * so a source file cannot send escape sequences to the terminal. Each one stays one code point,
 * which keeps the caret arithmetic right.
 */
export function sanitizeForTerminal(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) =>
    c === "\x7f" ? "\u2421" : String.fromCodePoint(0x2400 + (c.codePointAt(0) ?? 0)),
  );
}

/**
 * A file name as one visible line: every control character — newline and tab included, C1 controls too —
 * becomes a visible symbol or escape, so a crafted file name cannot start a new log line (and forge a
 * `::error` workflow command or a fake finding in a CI log) or move the terminal's cursor.
 */
export function sanitizePath(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    const code = c.codePointAt(0) ?? 0;
    if (code < 0x20) return String.fromCodePoint(0x2400 + code);
    return code === 0x7f ? "\u2421" : `\\x${code.toString(16)}`;
  });
}

/** A message is one line in the listing; further lines (rare) are indented under it. */
function messageText(message: string): string {
  return message
    .split(/\r\n|\r|\n/)
    .map((line) => sanitizeForTerminal(line))
    .join("\n  ");
}

/**
 * The caret line for a finding. Columns are code points; the prefix keeps the tabs of the source
 * line (so the carets line up whatever the tab width) and gives every other code point as many
 * spaces as the terminal gives it cells (two for CJK and emoji, none for combining marks); the
 * carets cover the span the same way, at least one; a span over several lines is underlined to the
 * end of its first line.
 */
export function caretLine(source: string, finding: Finding): string {
  const chars = Array.from(source);
  const start = Math.max(finding.column, 1) - 1;
  const end = finding.endLine === finding.line ? Math.max(finding.endColumn, 1) - 1 : chars.length;
  let prefix = "";
  for (let i = 0; i < start; i++) {
    prefix += chars[i] === "\t" ? "\t" : " ".repeat(cellWidth(chars, i));
  }
  let carets = 0;
  for (let i = start; i < end; i++) {
    carets += chars[i] === "\t" ? 1 : cellWidth(chars, i);
  }
  return prefix + "^".repeat(Math.max(carets, 1));
}

function formatFinding(
  finding: Finding,
  style: Style,
  sourceLine: SourceLineLookup | undefined,
  fixable = false,
): string[] {
  const location = `${style.bold(sanitizePath(finding.path))}:${finding.line}:${finding.column}:`;
  const marker = fixable ? " [*]" : "";
  const lines = [`${location} ${style.code(finding.code, finding.severity)}${marker} ${messageText(finding.message)}`];
  const raw = sourceLine?.(finding.path, finding.line);
  const help = finding.fix ? sanitizeForTerminal(finding.fix.description) : undefined;
  if (raw === undefined) {
    if (help !== undefined) lines.push(`  = help: ${help}`);
    return lines;
  }
  const source = sanitizeForTerminal(raw.replace(/[\r\n]+$/, ""));
  const number = String(finding.line);
  const pad = " ".repeat(number.length);
  const bar = style.gutter("|");
  lines.push(`${pad} ${bar}`);
  lines.push(`${style.gutter(number)} ${bar} ${source}`.trimEnd());
  lines.push(`${pad} ${bar} ${style.caret(caretLine(source, finding), finding.severity)}`);
  if (help !== undefined) {
    lines.push(`${pad} ${style.gutter("=")} help: ${help}`);
  }
  return lines;
}

/** `Found 2 errors and 1 warning in 3 files.` or `All checks passed! (3 files)`. */
export function summaryLine(result: CheckResult): string {
  const { errors, warnings, files } = result.summary;
  if (errors === 0 && warnings === 0 && result.findings.length === 0) {
    return `All checks passed! (${plural(files, "file")})`;
  }
  return `Found ${plural(errors, "error")} and ${plural(warnings, "warning")} in ${plural(files, "file")}.`;
}

interface StatisticsRow {
  count: number;
  code: string;
  name: string;
  severity: Severity;
  fixable: boolean;
}

/** One row per code: count descending, then code. Names come from the rule catalog when known. */
export function statisticsRows(
  findings: readonly Finding[],
  rules: ReadonlyMap<string, RuleMeta>,
  /** Which findings count as fixable (`[*]`); default: any with a fix. */
  fixable: (f: Finding) => boolean = (f) => f.fix !== null,
): StatisticsRow[] {
  const rows = new Map<string, StatisticsRow>();
  for (const finding of findings) {
    const row = rows.get(finding.code);
    if (row) {
      row.count += 1;
      row.fixable ||= fixable(finding);
      if (finding.severity === "error") row.severity = "error";
    } else {
      rows.set(finding.code, {
        count: 1,
        code: finding.code,
        name: rules.get(finding.code)?.name ?? finding.name,
        severity: finding.severity,
        fixable: fixable(finding),
      });
    }
  }
  return [...rows.values()].sort((a, b) => b.count - a.count || compareStrings(a.code, b.code));
}

function formatStatistics(
  result: CheckResult,
  rules: ReadonlyMap<string, RuleMeta>,
  style: Style,
  fixHint: TextReporterOptions["fixHint"],
): string[] {
  const rows = statisticsRows(
    result.findings,
    rules,
    fixHint ? (f) => applicable(f, rules, fixHint.unsafe) : undefined,
  );
  const countWidth = Math.max(...rows.map((row) => String(row.count).length));
  const codeWidth = Math.max(...rows.map((row) => row.code.length));
  const anyFixable = rows.some((row) => row.fixable);
  return rows.map((row) => {
    const count = String(row.count).padStart(countWidth);
    const code = style.code(row.code, row.severity) + " ".repeat(codeWidth - row.code.length);
    const marker = anyFixable ? (row.fixable ? "[*] " : "    ") : "";
    return `${style.bold(count)}  ${code}  ${marker}${row.name}`;
  });
}

/** The finding's fix is one `--fix` applies (with `--unsafe-fixes` when `unsafe`). */
function applicable(f: Finding, rules: ReadonlyMap<string, RuleMeta>, unsafe: boolean): boolean {
  if (!f.fix || f.fix.edits.length === 0) return false;
  return unsafe || (f.fix.applicability ?? rules.get(f.code)?.fix?.applicability ?? "unsafe") === "safe";
}

/**
 * `[*] 3 fixable with --fix (2 more with --fix --unsafe-fixes).`, or "" when no finding has a fix.
 * A fix's own applicability wins over its rule's.
 */
export function fixableLine(
  findings: readonly Finding[],
  rules: ReadonlyMap<string, RuleMeta>,
  unsafe: boolean,
): string {
  let safe = 0;
  let risky = 0;
  for (const f of findings) {
    if (!f.fix || f.fix.edits.length === 0) continue;
    if ((f.fix.applicability ?? rules.get(f.code)?.fix?.applicability ?? "unsafe") === "safe") safe++;
    else risky++;
  }
  if (unsafe && safe + risky > 0) {
    return `[*] ${safe + risky} fixable with --fix${risky > 0 ? " --unsafe-fixes" : ""}.`;
  }
  if (safe > 0)
    return `[*] ${safe} fixable with --fix${risky > 0 ? ` (${risky} more with --fix --unsafe-fixes)` : ""}.`;
  return risky > 0 ? `No safe fixes; ${risky} fixable with --fix --unsafe-fixes.` : "";
}

export function formatText(
  result: CheckResult,
  rules: ReadonlyMap<string, RuleMeta>,
  options: TextReporterOptions = {},
): string {
  const style = options.color ? colourStyle : plainStyle;
  const blocks: string[] = [];
  if (result.findings.length > 0) {
    if (options.statistics) {
      blocks.push(formatStatistics(result, rules, style, options.fixHint).join("\n"));
    } else {
      const unsafe = options.fixHint?.unsafe ?? false;
      for (const finding of sortFindings(result.findings)) {
        const fixable = options.showFixes === true && applicable(finding, rules, unsafe);
        blocks.push(formatFinding(finding, style, options.sourceLine, fixable).join("\n"));
      }
    }
    if (options.showFixes) blocks.push(fixesList(result.findings, rules, options.fixHint?.unsafe ?? false));
  }
  if (options.quiet) return blocks.length > 0 ? `${blocks.join("\n\n")}\n` : "";
  const hint = options.fixHint ? fixableLine(result.findings, rules, options.fixHint.unsafe) : "";
  blocks.push(style.bold(summaryLine(result)) + (hint ? `\n${hint}` : ""));
  return `${blocks.join("\n\n")}\n`;
}

/** `--show-fixes`: what `--fix` would fix, per file and code (ruff's fix summary layout). */
export function fixesList(findings: readonly Finding[], rules: ReadonlyMap<string, RuleMeta>, unsafe: boolean): string {
  const byFile = new Map<string, Map<string, number>>();
  let total = 0;
  for (const f of sortFindings(findings)) {
    if (!applicable(f, rules, unsafe)) continue;
    total++;
    const codes = byFile.get(f.path) ?? new Map<string, number>();
    codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
    byFile.set(f.path, codes);
  }
  if (total === 0) return `No finding can be fixed with --fix${unsafe ? " --unsafe-fixes" : ""}.`;
  const lines = [`${plural(total, "finding")} fixable with --fix${unsafe ? " --unsafe-fixes" : ""}:`];
  for (const [file, codes] of byFile) {
    lines.push(`- ${sanitizeForTerminal(file)}:`);
    for (const [code, n] of [...codes].sort(([a], [b]) => compareStrings(a, b))) {
      lines.push(`    ${n} × ${code} (${rules.get(code)?.name ?? code})`);
    }
  }
  return lines.join("\n");
}
