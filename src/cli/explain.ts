/** `dbfence rules`, `dbfence explain CODE` and docs/rules/: rule documentation generated from rule metadata. */
import { ruleMetas } from "../rules/index.js";
import type { RuleMeta } from "../types.js";

/** How docs/rules/ is rewritten; named in every generated page and in the docs drift test. */
export const REGENERATE_DOCS_COMMAND = "npm run docs";

export function rulesTable(rules: Iterable<RuleMeta>): string {
  const rows = [...rules].map((r) => `${r.code}  ${r.name.padEnd(36)} ${r.severity.padEnd(8)} ${r.summary}`);
  return `${["code    name                                 severity summary", ...rows].join("\n")}\n`;
}

/** The rule's docs in Ruff's layout; the same text (plus a "generated" note) is docs/rules/<CODE>.md. */
export function explainMarkdown(r: RuleMeta): string {
  const parts = [
    `# ${r.code} ${r.name}`,
    "",
    `Default severity: \`${r.severity}\`. ${r.fix ? `Fix: ${r.fix.applicability} — ${r.fix.description}.` : "No automatic fix."}`,
    "",
    "## What it does",
    r.docs.what,
    "",
    "## Why is this bad?",
    r.docs.why,
    "",
    "## Example",
    "```python",
    r.docs.example.bad.trimEnd(),
    "```",
    "",
    "## Use instead",
    "```python",
    r.docs.example.good.trimEnd(),
    "```",
  ];
  if (r.docs.fixSafety) parts.push("", "## Fix safety", r.docs.fixSafety);
  parts.push("");
  return parts.join("\n");
}

const GENERATED_NOTE = `<!-- generated from the rule metadata in src/rules; do not edit, regenerate with \`${REGENERATE_DOCS_COMMAND}\` -->`;

/** A Markdown table cell: pipes would end the cell early, newlines the row. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/**
 * The whole docs/rules/ folder: file name → content. One `<CODE>.md` per rule (the `explain` text)
 * and a `README.md` index linking them, in the order given (the registry's code order).
 */
export function ruleDocFiles(rules: Iterable<RuleMeta> = ruleMetas().values()): Map<string, string> {
  const list = [...rules];
  const files = new Map<string, string>();
  for (const r of list) files.set(`${r.code}.md`, `${explainMarkdown(r)}\n${GENERATED_NOTE}\n`);
  const index = [
    "# dbfence rules",
    "",
    "Every rule dbfence checks. `dbfence explain CODE` prints the same page in the terminal;",
    "config `severity`, `select` and `ignore` change what is reported (see [configuration](../configuration.md)).",
    "",
    "| code | name | severity | summary |",
    "|---|---|---|---|",
    ...list.map((r) => `| [${r.code}](${r.code}.md) | ${cell(r.name)} | ${r.severity} | ${cell(r.summary)} |`),
    "",
    GENERATED_NOTE,
    "",
  ];
  files.set("README.md", index.join("\n"));
  return files;
}
