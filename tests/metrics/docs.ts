/**
 * docs/commands/metrics.md shows real output: each block after a `<!-- output: dbfence ARGS -->` marker
 * is what `dbfence ARGS` prints when run from the repository root. docs.test.ts checks it; regenerate with
 * `npx tsc -p tsconfig.json && node dist/tests/metrics/docs.js --write`.
 * Not a `*.test.ts`, so the test runner never runs it.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dbfence } from "../cli/run.js";
import { REPO } from "./helpers.js";

export const METRICS_DOC = path.join(REPO, "docs", "commands", "metrics.md");
export const REGENERATE = "npx tsc -p tsconfig.json && node dist/tests/metrics/docs.js --write";

const BLOCK = /(<!-- output: dbfence ([^\n]*?) -->\n```(\w+)\n)([\s\S]*?)(```)/g;

/** The output with what depends on the machine and the day made neutral: the checkout folder and the date. */
export function neutral(text: string): string {
  return text
    .replaceAll(`${REPO}/`, "/path/to/dbfence/")
    .replace(/"today": "\d{4}-\d{2}-\d{2}"/g, '"today": "2026-11-27"');
}

export interface DocBlock {
  args: string[];
  shown: string;
  actual: string;
}

/** Every marked block of the page with the output the command prints now. */
export async function docBlocks(doc = fs.readFileSync(METRICS_DOC, "utf8")): Promise<DocBlock[]> {
  const out: DocBlock[] = [];
  for (const m of doc.matchAll(BLOCK)) {
    const args = (m[2] as string).split(/\s+/).filter(Boolean);
    const run = await dbfence(args, REPO);
    out.push({ args, shown: m[4] as string, actual: neutral(run.stdout) });
  }
  return out;
}

async function write(): Promise<void> {
  let doc = fs.readFileSync(METRICS_DOC, "utf8");
  const blocks = await docBlocks(doc);
  let i = 0;
  doc = doc.replace(BLOCK, (_all, head: string, _args, _lang, _body, end: string) => {
    const b = blocks[i++] as DocBlock;
    return `${head}${b.actual}${end}`;
  });
  fs.writeFileSync(METRICS_DOC, doc);
  process.stdout.write(`updated ${blocks.length} output blocks in ${path.relative(process.cwd(), METRICS_DOC)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--write")) await write();
  else process.stdout.write(`usage: node dist/tests/metrics/docs.js --write\n`);
}
