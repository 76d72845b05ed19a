/**
 * The examples in docs/commands/{baseline,check-diff,review}.md are real output: this module runs
 * each example on a copy of tests/baseline/projects/shop (in a git repository with fixed commit
 * dates, so hashes are stable) and fills the blocks between `<!-- generated: KEY -->` and
 * `<!-- end generated -->`.
 *
 * `npm run build && node dist/tests/baseline/docs.js --write` rewrites the blocks; docs.test.ts fails
 * when they are out of date. Not a `*.test.ts`, so the test runner does not run it by itself.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dbfence } from "../cli/run.js";
import { commitAll, copyProject, git, initRepo, insertLines, replaceOnce } from "./repo.js";

export const COMMAND_DOCS_DIR = fileURLToPath(new URL("../../../docs/commands/", import.meta.url));
export const GENERATED_PAGES = ["baseline.md", "check-diff.md", "review.md"];
export const REGENERATE = "npm run build && node dist/tests/baseline/docs.js --write";

const ORDERS = "api/orders.py";

/** `$ dbfence ARGS` and what it printed (stdout, then stderr), then its exit code. */
async function session(root: string, args: string[]): Promise<string> {
  const r = await dbfence(args, root);
  return `$ dbfence ${args.join(" ")}; echo "exit $?"\n${r.stdout}${r.stderr}exit ${r.status}\n`;
}

const fence = (lang: string, body: string) => `\`\`\`${lang}\n${body.replace(/\n$/, "")}\n\`\`\``;

/** Every generated block, by key. */
export async function generatedBlocks(): Promise<Map<string, string>> {
  const blocks = new Map<string, string>();

  // baseline.md: adopt the policy on shop, then edit around the baselined findings.
  const legacy = copyProject("shop");
  blocks.set("baseline-check-before", fence("console", await session(legacy, ["check", "--statistics"])));
  blocks.set("baseline-write", fence("console", await session(legacy, ["baseline"])));
  blocks.set("baseline-file", fence("json", fs.readFileSync(path.join(legacy, ".dbfence-baseline.json"), "utf8")));
  blocks.set("baseline-check-after", fence("console", await session(legacy, ["check"])));
  replaceOnce(
    legacy,
    ORDERS,
    '"""Orders: still half on the sync API."""\n',
    '"""Orders.\n\nStill half on the sync API.\n"""\nimport sqlite3\n',
  );
  replaceOnce(
    legacy,
    ORDERS,
    "    session.commit()\n    session.commit()\n",
    "    await session.commit()\n    session.commit()\n",
  );
  blocks.set("baseline-check-edited", fence("console", await session(legacy, ["check"])));
  replaceOnce(legacy, ORDERS, "import sqlite3\n", "");
  blocks.set("baseline-shrink", fence("console", await session(legacy, ["baseline"])));

  // check-diff.md and review.md: a feature branch that moves the old findings and adds one.
  const repo = copyProject("shop");
  initRepo(repo);
  git(repo, "checkout", "-q", "-b", "feature");
  insertLines(repo, ORDERS, 2, ["import logging", "", "logger = logging.getLogger(__name__)"]);
  fs.appendFileSync(
    path.join(repo, ORDERS),
    '\n\n@router.delete("/orders/{order_id}")\nasync def delete_order(order_id: int, session: AsyncSession = Depends(get_db_session)) -> None:\n    session.flush()\n',
  );
  commitAll(repo, "Delete orders");
  blocks.set("diff-git-log", fence("console", `$ git log --oneline\n${git(repo, "log", "--oneline")}`));
  blocks.set("diff-check", fence("console", await session(repo, ["check", "--diff", "main"])));
  blocks.set("diff-check-all", fence("console", await session(repo, ["check", "--statistics"])));
  blocks.set("diff-unknown", fence("console", await session(repo, ["check", "--diff", "mian"])));

  const review = await dbfence(
    ["review", "--diff", "main", "--link-base", "https://github.com/acme/shop/blob/feature"],
    repo,
  );
  blocks.set(
    "review-diff",
    fence(
      "console",
      `$ dbfence review --diff main --link-base https://github.com/acme/shop/blob/feature > review.md; echo "exit $?"\nexit ${review.status}\n`,
    ),
  );
  blocks.set("review-markdown", fence("markdown", review.stdout));
  blocks.set(
    "review-rendered",
    review.stdout
      .replace(/\n$/, "")
      .split("\n")
      .map((l) => (l === "" ? ">" : `> ${l}`))
      .join("\n"),
  );
  return blocks;
}

const BLOCK = /(<!-- generated: ([a-z-]+) -->\n)([\s\S]*?)(<!-- end generated -->)/g;

/** The page with its generated blocks replaced; unknown keys are an error. */
export function fillPage(text: string, blocks: Map<string, string>, page: string): string {
  return text.replace(BLOCK, (_m, open: string, key: string, _old: string, close: string) => {
    const body = blocks.get(key);
    if (body === undefined) throw new Error(`${page}: no generated block '${key}'`);
    return `${open}${body}\n${close}`;
  });
}

export function blockKeys(text: string): string[] {
  return [...text.matchAll(BLOCK)].map((m) => m[2] as string);
}

async function main(argv: string[]): Promise<number> {
  const blocks = await generatedBlocks();
  let stale = 0;
  for (const page of GENERATED_PAGES) {
    const file = path.join(COMMAND_DOCS_DIR, page);
    const text = fs.readFileSync(file, "utf8");
    const filled = fillPage(text, blocks, page);
    if (filled === text) continue;
    stale++;
    if (argv.includes("--write")) {
      fs.writeFileSync(file, filled);
      process.stdout.write(`updated docs/commands/${page}\n`);
    } else {
      process.stdout.write(`out of date: docs/commands/${page}\n`);
    }
  }
  return stale > 0 && !argv.includes("--write") ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
