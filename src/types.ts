/** Shared vocabulary of the engine, the rules and the reporters. Plain data only. */

export type Severity = "error" | "warning";

export interface TextEdit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  text: string;
}

export interface Fix {
  description: string;
  /** "safe" fixes are applied by --fix, "unsafe" ones only with --unsafe-fixes. */
  applicability?: "safe" | "unsafe";
  edits: TextEdit[];
}

/** One reported problem. Lines and columns are 1-based; columns count Unicode code points. */
export interface Finding {
  code: string;
  name: string;
  severity: Severity;
  /** Relative to the project root, with `/` separators. */
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  fix: Fix | null;
}

export interface RuleDocs {
  /** Ruff's headings: What it does / Why is this bad? / Example / Use instead / Fix safety. */
  what: string;
  why: string;
  example: { bad: string; good: string; fixed?: string };
  fixSafety?: string;
}

/** What reporters and `dbfence rules`/`explain` know about a rule. */
export interface RuleMeta {
  code: string;
  name: string;
  /** Default severity; config `severity` overrides it. */
  severity: Severity;
  /** One line for `dbfence rules` and SARIF shortDescription. */
  summary: string;
  docs: RuleDocs;
  fix?: { applicability: "safe" | "unsafe"; description: string };
}

export interface CheckSummary {
  files: number;
  findings: number;
  errors: number;
  warnings: number;
  durationMs: number;
}

export interface CheckResult {
  /** Absolute path of the project root. */
  root: string;
  findings: Finding[];
  summary: CheckSummary;
  /** Files that could not be read or decoded are also DBF900 findings; this keeps their OS message. */
  notices: string[];
}

export const TOOL_NAME = "dbfence";
export const DOCS_BASE_URL = "https://github.com/dbfence/dbfence/blob/main/docs/rules";
