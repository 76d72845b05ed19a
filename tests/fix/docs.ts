/**
 * docs/commands/fix.md shows real output: each block after a
 * `<!-- output in a copy of FOLDER: dbfence ARGS -->` marker is what `dbfence ARGS` prints (stdout, then
 * stderr) in a temporary copy of the repository folder FOLDER. The blocks run in page order, one copy
 * per folder, so a block after a `--fix` sees the fixed files. docs.test.ts checks the page; regenerate
 * with `npx tsc -p tsconfig.json && node dist/tests/fix/docs.js --write`.
 * Not a `*.test.ts`, so the test runner never runs it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dbfence } from "../cli/run.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const FIX_DOC = path.join(REPO, "docs", "commands", "fix.md");
export const REGENERATE = "npx tsc -p tsconfig.json && node dist/tests/fix/docs.js --write";

const BLOCK = /(<!-- output in a copy of (\S+): dbfence ([^\n]*?) -->\n```(\w+)\n)([\s\S]*?)(```)/g;

export interface DocBlock {
  folder: string;
  args: string[];
  shown: string;
  actual: string;
}

/** Every marked block of the page with what the command prints now. */
export async function docBlocks(doc = fs.readFileSync(FIX_DOC, "utf8")): Promise<DocBlock[]> {
  const copies = new Map<string, string>();
  const out: DocBlock[] = [];
  try {
    for (const m of doc.matchAll(BLOCK)) {
      const folder = m[2] as string;
      let copy = copies.get(folder);
      if (!copy) {
        copy = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-fix-doc-")));
        fs.cpSync(path.join(REPO, folder), copy, { recursive: true });
        copies.set(folder, copy);
      }
      const args = (m[3] as string).split(/\s+/).filter(Boolean);
      const run = await dbfence(args, copy);
      out.push({
        folder,
        args,
        shown: m[5] as string,
        actual: `$ dbfence ${args.join(" ")}\n${run.stdout}${run.stderr}`,
      });
    }
  } finally {
    for (const dir of copies.values()) fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function write(): Promise<void> {
  let doc = fs.readFileSync(FIX_DOC, "utf8");
  const blocks = await docBlocks(doc);
  let i = 0;
  doc = doc.replace(BLOCK, (_all, head: string, _folder, _args, _lang, _body, end: string) => {
    const b = blocks[i++] as DocBlock;
    return `${head}${b.actual}${end}`;
  });
  fs.writeFileSync(FIX_DOC, doc);
  process.stdout.write(`updated ${blocks.length} output blocks in ${path.relative(process.cwd(), FIX_DOC)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--write")) await write();
  else process.stdout.write("usage: node dist/tests/fix/docs.js --write\n");
}
