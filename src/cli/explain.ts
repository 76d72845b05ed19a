/** `dbfence rules` and `dbfence explain CODE`: rule documentation generated from rule metadata. */
import type { RuleMeta } from "../types.js";
import { DOCS_BASE_URL } from "../types.js";

export function rulesTable(rules: Iterable<RuleMeta>): string {
  const rows = [...rules].map((r) => `${r.code}  ${r.name.padEnd(36)} ${r.severity.padEnd(8)} ${r.summary}`);
  return `${["code    name                                 severity summary", ...rows].join("\n")}\n`;
}

/** The rule's docs in Ruff's layout; the same text is docs/rules/<CODE>.md. */
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
  parts.push("", `<!-- generated from src/rules by \`npm run docs\`; see ${DOCS_BASE_URL}/${r.code}.md -->`, "");
  return parts.join("\n");
}
