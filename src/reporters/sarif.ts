/**
 * `--format sarif`: a SARIF 2.1.0 log with one run, for GitHub code scanning and other viewers.
 * Columns are Unicode code points (`columnKind`), end columns exclusive, as in SARIF.
 */

import { createHash } from "node:crypto";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { CheckResult, Finding, Fix, RuleMeta } from "../types.js";
import { DOCS_BASE_URL, TOOL_NAME } from "../types.js";
import { compareStrings, sortFindings } from "./common.js";

export interface SarifReporterOptions {
  /** dbfence's own version (package.json), reported as `tool.driver.version`. */
  toolVersion: string;
}

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
export const SARIF_FINGERPRINT_KEY = "dbfence/v1";
/** The repository home, from the docs URL (`…/blob/main/docs/rules` → the repository). */
export const TOOL_INFORMATION_URI = DOCS_BASE_URL.replace(/\/blob\/.*$/, "");
const SRCROOT = "%SRCROOT%";

type Level = "error" | "warning";

interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

/** `missing-await` → `MissingAwait`: SARIF wants `reportingDescriptor.name` to be an identifier. */
export function pascalCase(kebab: string): string {
  return kebab
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== "")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** A relative `/` path as a URI reference: each segment percent-encoded (spaces, `#`, `%`, `?`…). */
export function relativePathToUri(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** `file:///abs/root/`: SARIF requires the base URI to end with a slash. */
export function rootToFileUri(root: string): string {
  const href = pathToFileURL(root).href;
  return href.endsWith("/") ? href : `${href}/`;
}

/** A reported path: relative to %SRCROOT%, or (a file outside it, shown absolute) its own file: URI. */
function artifactLocation(path: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(path)) return { uri: pathToFileURL(path).href };
  return { uri: relativePathToUri(path), uriBaseId: SRCROOT };
}

function region(line: number, column: number, endLine: number, endColumn: number): SarifRegion {
  const startLine = Math.max(line, 1);
  const startColumn = Math.max(column, 1);
  const end = Math.max(endLine, startLine);
  return {
    startLine,
    startColumn,
    endLine: end,
    endColumn: end === startLine ? Math.max(endColumn, startColumn) : Math.max(endColumn, 1),
  };
}

function fence(code: string): string {
  const longest = Math.max(2, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}python\n${code.replace(/\n+$/, "")}\n${ticks}`;
}

function indent(code: string): string {
  return code
    .replace(/\n+$/, "")
    .split("\n")
    .map((line) => (line === "" ? "" : `    ${line}`))
    .join("\n");
}

/** Rule help with Ruff's headings, as plain text and as Markdown. */
export function ruleHelp(rule: RuleMeta): { text: string; markdown: string } {
  const { docs } = rule;
  const text = [
    `What it does:\n${docs.what}`,
    `Why is this bad?\n${docs.why}`,
    `Example:\n${indent(docs.example.bad)}`,
    `Use instead:\n${indent(docs.example.good)}`,
  ];
  const markdown = [
    `## What it does\n${docs.what}`,
    `## Why is this bad?\n${docs.why}`,
    `## Example\n${fence(docs.example.bad)}`,
    `## Use instead\n${fence(docs.example.good)}`,
  ];
  if (docs.fixSafety) {
    text.push(`Fix safety:\n${docs.fixSafety}`);
    markdown.push(`## Fix safety\n${docs.fixSafety}`);
  }
  return {
    text: `${text.join("\n\n")}\n`,
    markdown: `${markdown.join("\n\n")}\n`,
  };
}

function reportingDescriptor(rule: RuleMeta) {
  return {
    id: rule.code,
    name: pascalCase(rule.name),
    shortDescription: { text: rule.summary },
    fullDescription: { text: rule.docs.what },
    help: ruleHelp(rule),
    helpUri: `${DOCS_BASE_URL}/${rule.code}.md`,
    defaultConfiguration: { level: rule.severity as Level },
  };
}

function fingerprintBase(finding: Finding): string {
  return createHash("sha256").update(`${finding.code}\0${finding.path}\0${finding.message}`).digest("hex");
}

function sarifFix(finding: Finding, fix: Fix) {
  return {
    description: { text: fix.description },
    artifactChanges: [
      {
        artifactLocation: artifactLocation(finding.path),
        replacements: fix.edits.map((edit) => ({
          deletedRegion: region(edit.line, edit.column, edit.endLine, edit.endColumn),
          insertedContent: { text: edit.text },
        })),
      },
    ],
  };
}

/** The SARIF log as a plain object (what `formatSarif` serialises). */
export function toSarifLog(result: CheckResult, rules: ReadonlyMap<string, RuleMeta>, options: SarifReporterOptions) {
  const ruleList = [...rules.values()].sort((a, b) => compareStrings(a.code, b.code));
  const ruleIndex = new Map(ruleList.map((rule, index) => [rule.code, index]));
  // Same code, file and message more than once: number them, as GitHub does with its own hashes,
  // so each result keeps a distinct fingerprint that survives lines moving.
  const seen = new Map<string, number>();
  const results = sortFindings(result.findings).map((finding) => {
    const base = fingerprintBase(finding);
    const occurrence = (seen.get(base) ?? 0) + 1;
    seen.set(base, occurrence);
    const index = ruleIndex.get(finding.code);
    const fixes = finding.fix && finding.fix.edits.length > 0 ? [sarifFix(finding, finding.fix)] : undefined;
    return {
      ruleId: finding.code,
      ...(index === undefined ? {} : { ruleIndex: index }),
      level: finding.severity as Level,
      message: { text: finding.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: artifactLocation(finding.path),
            region: region(finding.line, finding.column, finding.endLine, finding.endColumn),
          },
        },
      ],
      partialFingerprints: { [SARIF_FINGERPRINT_KEY]: `${base}:${occurrence}` },
      ...(fixes ? { fixes } : {}),
    };
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: options.toolVersion,
            informationUri: TOOL_INFORMATION_URI,
            rules: ruleList.map(reportingDescriptor),
          },
        },
        invocations: [{ executionSuccessful: true }],
        originalUriBaseIds: { [SRCROOT]: { uri: rootToFileUri(result.root) } },
        columnKind: "unicodeCodePoints",
        results,
      },
    ],
  };
}

export function formatSarif(
  result: CheckResult,
  rules: ReadonlyMap<string, RuleMeta>,
  options: SarifReporterOptions,
): string {
  return `${JSON.stringify(toSarifLog(result, rules, options), null, 2)}\n`;
}
