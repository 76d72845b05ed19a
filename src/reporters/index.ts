/** The reporters: pure functions from a check result and the rule catalog to the text to print. */

import type { CheckResult, RuleMeta } from "../types.js";
import { formatGithub } from "./github.js";
import { formatJson } from "./json.js";
import { formatSarif } from "./sarif.js";
import { formatText, type SourceLineLookup } from "./text.js";

export { escapeData, escapeProperty, formatGithub } from "./github.js";
export {
  formatJson,
  type JsonOutput,
  jsonOutputSchema,
  toJsonOutput,
} from "./json.js";
export { formatSarif, toSarifLog } from "./sarif.js";
export {
  formatText,
  type SourceLineLookup,
  summaryLine,
  type TextReporterOptions,
} from "./text.js";

export const OUTPUT_FORMATS = ["text", "json", "sarif", "github"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isOutputFormat(value: string): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(value);
}

/** Everything any reporter may use; each one reads only its own fields. */
export interface ReporterOptions {
  /** dbfence's version (package.json): `tool.version` in json, `tool.driver.version` in sarif. */
  toolVersion: string;
  /** text: ANSI colours (`process.stdout.isTTY && !NO_COLOR`). Default: off. */
  color?: boolean;
  /** text: `--statistics`, one row per rule instead of every finding. */
  statistics?: boolean;
  /** text: the source line shown under each finding. */
  sourceLine?: SourceLineLookup;
  /** text: a `[*] N fixable with --fix` line after the summary (the CLI's `check`). */
  fixHint?: { unsafe: boolean };
  /** text: `-q`, the findings only. */
  quiet?: boolean;
  /** text: `--show-fixes`, fixable findings marked and listed. */
  showFixes?: boolean;
}

export function formatResult(
  format: OutputFormat,
  result: CheckResult,
  rules: ReadonlyMap<string, RuleMeta>,
  options: ReporterOptions,
): string {
  switch (format) {
    case "text":
      return formatText(result, rules, options);
    case "json":
      return formatJson(result, rules, options);
    case "sarif":
      return formatSarif(result, rules, options);
    case "github":
      return formatGithub(result, rules);
  }
}
