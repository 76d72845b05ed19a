/** `dbfence rules` and `dbfence explain CODE|NAME`. */
import { parseArgs } from "node:util";
import { RULES_BY_CODE, ruleMetas } from "../rules/index.js";
import { DOCS_BASE_URL, type RuleMeta } from "../types.js";
import { type Command, fail } from "./common.js";
import { explainMarkdown, rulesTable } from "./explain.js";

export const rulesCommand: Command = {
  name: "rules",
  summary: "list every rule (--format json for tools)",
  help: `Usage: dbfence rules [--format text|json]

Options:
  --format text|json                   a table (default), or a JSON array of the rules
`,
  run(args) {
    const { values } = parseArgs({ args, options: { format: { type: "string", default: "text" } } });
    if (values.format === "json") {
      process.stdout.write(`${JSON.stringify([...ruleMetas().values()].map(ruleJson), null, 2)}\n`);
      return 0;
    }
    if (values.format !== "text") fail(`--format must be text or json, got '${values.format}'`);
    process.stdout.write(rulesTable(ruleMetas().values()));
    return 0;
  },
};

/** One rule in `dbfence rules --format json`. */
export function ruleJson(r: RuleMeta) {
  return {
    code: r.code,
    name: r.name,
    severity: r.severity,
    summary: r.summary,
    fix: r.fix ? { applicability: r.fix.applicability, description: r.fix.description } : null,
    url: `${DOCS_BASE_URL}/${r.code}.md`,
  };
}

export const explainCommand: Command = {
  name: "explain",
  summary: "explain one rule by code or name (what, why, example, fix)",
  help: "Usage: dbfence explain CODE|NAME      e.g. dbfence explain DBF401, dbfence explain missing-await\n",
  run(args) {
    const asked = (args[0] ?? "").trim();
    const metas = ruleMetas();
    const code = asked.toUpperCase();
    const meta =
      (RULES_BY_CODE.has(code) ? metas.get(code) : undefined) ??
      [...metas.values()].find((r) => r.name === asked.toLowerCase().replace(/_/g, "-"));
    if (!meta)
      fail(
        `unknown rule '${asked}' (give a code like DBF401 or a name like missing-await); 'dbfence rules' lists them`,
      );
    process.stdout.write(explainMarkdown(meta));
    return 0;
  },
};
