/** `dbfence rules` and `dbfence explain CODE`. */
import { RULES_BY_CODE, ruleMetas } from "../rules/index.js";
import { type Command, fail } from "./common.js";
import { explainMarkdown, rulesTable } from "./explain.js";

export const rulesCommand: Command = {
  name: "rules",
  summary: "list every rule",
  help: "Usage: dbfence rules\n",
  run() {
    process.stdout.write(rulesTable(ruleMetas().values()));
    return 0;
  },
};

export const explainCommand: Command = {
  name: "explain",
  summary: "explain one rule (what, why, example, fix)",
  help: "Usage: dbfence explain CODE\n",
  run(args) {
    const code = (args[0] ?? "").toUpperCase();
    const meta = ruleMetas().get(code);
    if (!meta || !RULES_BY_CODE.has(code)) fail(`unknown rule '${args[0] ?? ""}'; 'dbfence rules' lists them`);
    process.stdout.write(explainMarkdown(meta));
    return 0;
  },
};
