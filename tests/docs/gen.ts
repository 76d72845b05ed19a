/**
 * Writes docs/rules/ from the rule metadata: `npm run docs` (= build, then `node dist/tests/docs/gen.js --write`).
 * Without `--write` it only checks, exiting 1 when docs/rules/ is out of date (for CI).
 * Not a `*.test.ts`, so the test runner never runs it; rule-docs.test.ts checks the same drift.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { REGENERATE_DOCS_COMMAND, ruleDocFiles } from "../../src/cli/explain.js";

/** docs/rules/ of the repository: this file runs from dist/tests/docs/. */
export const RULE_DOCS_DIR = fileURLToPath(new URL("../../../docs/rules/", import.meta.url));

export interface DocsDrift {
  missing: string[];
  extra: string[];
  changed: string[];
}

/** What differs between `dir` and the generated files (file names, sorted). */
export function docsDrift(dir: string, wanted: Map<string, string> = ruleDocFiles()): DocsDrift {
  const present = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [];
  const drift: DocsDrift = { missing: [], extra: [], changed: [] };
  for (const f of present) {
    const want = wanted.get(f);
    if (want === undefined) drift.extra.push(f);
    else if (fs.readFileSync(path.join(dir, f), "utf8") !== want) drift.changed.push(f);
  }
  for (const f of wanted.keys()) if (!present.includes(f)) drift.missing.push(f);
  for (const list of Object.values(drift) as string[][]) list.sort();
  return drift;
}

/** Makes `dir` hold exactly the generated files; returns what it changed. */
export function writeDocs(dir: string, wanted: Map<string, string> = ruleDocFiles()): DocsDrift {
  const drift = docsDrift(dir, wanted);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of drift.extra) fs.rmSync(path.join(dir, f));
  for (const f of [...drift.missing, ...drift.changed]) fs.writeFileSync(path.join(dir, f), wanted.get(f) as string);
  return drift;
}

function describe(drift: DocsDrift): string {
  const lines = [
    ...drift.missing.map((f) => `  missing: ${f}`),
    ...drift.extra.map((f) => `  extra:   ${f}`),
    ...drift.changed.map((f) => `  changed: ${f}`),
  ];
  return lines.join("\n");
}

function main(argv: string[]): number {
  const dirArg = argv.find((a) => !a.startsWith("--"));
  const dir = dirArg ? path.resolve(dirArg) : RULE_DOCS_DIR;
  if (argv.includes("--write")) {
    const drift = writeDocs(dir);
    const report = describe(drift);
    process.stdout.write(report ? `updated ${dir}\n${report}\n` : `${dir} is up to date\n`);
    return 0;
  }
  const report = describe(docsDrift(dir));
  if (!report) {
    process.stdout.write(`${dir} is up to date\n`);
    return 0;
  }
  process.stderr.write(`${dir} is out of date:\n${report}\nregenerate with: ${REGENERATE_DOCS_COMMAND}\n`);
  return 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
