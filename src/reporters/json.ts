/** `--format json`: schema version 1 of ../shared/spec/INTERFACE.md, field for field. */

import type { CheckResult, Finding, Fix, RuleMeta } from "../types.js";
import { TOOL_NAME } from "../types.js";
import { sortFindings } from "./common.js";

export { jsonOutputSchema } from "./json-schema.js";

export interface JsonReporterOptions {
  /** dbfence's own version (package.json), reported as `tool.version`. */
  toolVersion: string;
}

export interface JsonTextEdit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  text: string;
}

export interface JsonFix {
  description: string;
  edits: JsonTextEdit[];
}

export interface JsonFinding {
  code: string;
  name: string;
  severity: "error" | "warning";
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  fix: JsonFix | null;
}

/** The document `--format json` prints. */
export interface JsonOutput {
  version: 1;
  tool: { name: string; version: string };
  root: string;
  findings: JsonFinding[];
  summary: {
    files: number;
    findings: number;
    errors: number;
    warnings: number;
    durationMs: number;
  };
}

/** Only the public fields, in the contract's order; the internal `applicability` is left out. */
function toJsonFix(fix: Fix | null): JsonFix | null {
  if (fix === null) return null;
  return {
    description: fix.description,
    edits: fix.edits.map((edit) => ({
      line: edit.line,
      column: edit.column,
      endLine: edit.endLine,
      endColumn: edit.endColumn,
      text: edit.text,
    })),
  };
}

function toJsonFinding(finding: Finding): JsonFinding {
  return {
    code: finding.code,
    name: finding.name,
    severity: finding.severity,
    path: finding.path,
    line: finding.line,
    column: finding.column,
    endLine: finding.endLine,
    endColumn: finding.endColumn,
    message: finding.message,
    fix: toJsonFix(finding.fix),
  };
}

export function toJsonOutput(result: CheckResult, options: JsonReporterOptions): JsonOutput {
  const { summary } = result;
  return {
    version: 1,
    tool: { name: TOOL_NAME, version: options.toolVersion },
    root: result.root,
    findings: sortFindings(result.findings).map(toJsonFinding),
    summary: {
      files: summary.files,
      findings: summary.findings,
      errors: summary.errors,
      warnings: summary.warnings,
      // The schema promises a whole number of milliseconds.
      durationMs: Math.max(0, Math.round(summary.durationMs)),
    },
  };
}

/** Two-space indented JSON with a trailing newline. `rules` is unused: the output names rules by code. */
export function formatJson(
  result: CheckResult,
  _rules: ReadonlyMap<string, RuleMeta>,
  options: JsonReporterOptions,
): string {
  return `${JSON.stringify(toJsonOutput(result, options), null, 2)}\n`;
}
