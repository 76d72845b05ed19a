/**
 * `--format github`: GitHub Actions workflow commands, one annotation per finding:
 * `::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=CODE name::message`.
 */

import type { CheckResult, RuleMeta } from "../types.js";
import { sortFindings } from "./common.js";

/** Nothing to choose yet; kept so every reporter has the same shape. */
export type GithubReporterOptions = Record<string, never>;

/** The data after `::` (GitHub's `escapeData`): `%`, CR and LF. */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A property value (GitHub's `escapeProperty`): as data, plus `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export function formatGithub(
  result: CheckResult,
  _rules: ReadonlyMap<string, RuleMeta>,
  _options: GithubReporterOptions = {},
): string {
  const lines = sortFindings(result.findings).map((finding) => {
    const properties = [
      `file=${escapeProperty(finding.path)}`,
      `line=${finding.line}`,
      `col=${finding.column}`,
      `endLine=${finding.endLine}`,
      `endColumn=${finding.endColumn}`,
      `title=${escapeProperty(`${finding.code} ${finding.name}`)}`,
    ];
    return `::${finding.severity} ${properties.join(",")}::${escapeData(finding.message)}`;
  });
  return lines.map((line) => `${line}\n`).join("");
}
