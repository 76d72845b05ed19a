/**
 * `dbfence check --fix / --unsafe-fixes / --diff-fixes` through the real CLI, in a git repository the
 * test makes: git shows exactly what was written, and `git apply` proves the printed diff is the fix.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { checkJson, dbfence } from "../cli/run.js";
import { CONNECTOR } from "../docs/project.js";

const SERVICE = `from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import get_db_session

router = APIRouter()


@router.get("/items")
def list_items(session: AsyncSession = Depends(get_db_session)) -> list[int]:
    return []


@router.post("/items")
async def add_item(session: AsyncSession = Depends(get_db_session)) -> int:
    await session.add(object())
    session.commit()
    return session.scalar(select(1))  # noqa: DBF104
`;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=dbfence tests", "-c", "user.email=tests@dbfence.invalid", ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** A committed git repository holding the connector and the service above. */
function repo(): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-fix-cli-")));
  dirs.push(root);
  const files: Record<string, string> = {
    "dbfence.toml": "",
    "core/__init__.py": "",
    "core/database.py": CONNECTOR,
    "api/__init__.py": "",
    "api/items.py": SERVICE,
  };
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  git(root, "init", "-q");
  git(root, "add", "-A");
  git(root, "commit", "-q", "--no-gpg-sign", "-m", "initial");
  return root;
}

const status = (root: string): string => git(root, "status", "--porcelain");
const read = (root: string): string => fs.readFileSync(path.join(root, "api", "items.py"), "utf8");

describe("check --fix", () => {
  test("the text report says what --fix and --unsafe-fixes would fix", async () => {
    const root = repo();
    const r = await dbfence(["check"], root);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /\n\[\*\] 4 fixable with --fix \(1 more with --fix --unsafe-fixes\)\.\n$/);
    assert.match(r.stdout, /= help: Add `await`/);
    const unsafe = await dbfence(["check", "--unsafe-fixes"], root);
    assert.match(unsafe.stdout, /\n\[\*\] 5 fixable with --fix --unsafe-fixes\.\n$/);
    assert.equal(status(root), "", "check alone writes nothing");
  });

  test("--diff-fixes prints a diff that git applies, writes nothing, and exits 1", async () => {
    const root = repo();
    const r = await dbfence(["check", "--diff-fixes"], root);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(status(root), "", "--diff-fixes must not write");
    assert.match(r.stdout, /^--- a\/api\/items\.py\n\+\+\+ b\/api\/items\.py\n@@ /);
    assert.match(r.stderr, /Would fix 4 findings in 1 file: DBF401 ×2, DBF402 ×1, DBF901 ×1\./);
    fs.writeFileSync(path.join(root, "fix.patch"), r.stdout);
    git(root, "apply", "fix.patch");
    fs.rmSync(path.join(root, "fix.patch"));
    const viaPatch = read(root);
    git(root, "checkout", "--", ".");

    const fixed = await dbfence(["check", "--fix"], root);
    assert.equal(read(root), viaPatch, "--fix writes what --diff-fixes printed");
    assert.equal(status(root), " M api/items.py\n");
    assert.match(fixed.stdout, /^Fixed 4 findings in 1 file: DBF401 ×2, DBF402 ×1, DBF901 ×1\.\n\n/);
    // What remains is the sync handler (an unsafe fix), so the exit code is still 1.
    assert.equal(fixed.status, 1);
    assert.match(fixed.stdout, /DBF301 handler 'list_items'/);
    assert.match(fixed.stdout, /No safe fixes; 1 fixable with --fix --unsafe-fixes\.\n$/);
    assert.doesNotMatch(fixed.stdout.slice(fixed.stdout.indexOf("\n")), /DBF40[12]|DBF901/);
  });

  test("--fix --unsafe-fixes fixes everything; the rewritten file is what was expected", async () => {
    const root = repo();
    const r = await dbfence(["check", "--fix", "--unsafe-fixes"], root);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^Fixed 5 findings in 1 file: DBF301 ×1, DBF401 ×2, DBF402 ×1, DBF901 ×1\.\n\nAll checks passed!/,
    );
    const diff = git(root, "diff", "--no-color", "-U0", "api/items.py")
      .split("\n")
      .filter((l) => /^[-+][^-+]/.test(l));
    assert.deepEqual(diff, [
      "-def list_items(session: AsyncSession = Depends(get_db_session)) -> list[int]:",
      "+async def list_items(session: AsyncSession = Depends(get_db_session)) -> list[int]:",
      "-    await session.add(object())",
      "-    session.commit()",
      "-    return session.scalar(select(1))  # noqa: DBF104",
      "+    session.add(object())",
      "+    await session.commit()",
      "+    return await session.scalar(select(1))",
    ]);
    const again = await dbfence(["check", "--fix", "--unsafe-fixes"], root);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /^No fixes applied\.\n\nAll checks passed!/);
    assert.equal(status(root), " M api/items.py\n", "the second run changes nothing more");
  });

  test("with --format json stdout stays one JSON document of what remains", async () => {
    const root = repo();
    const r = await checkJson(["--fix"], root);
    assert.deepEqual(
      r.json.findings.map((f) => f.code),
      ["DBF301"],
    );
    assert.match(r.stderr, /Fixed 4 findings in 1 file/);
    const fix = r.json.findings[0]?.fix as { description: string; edits: unknown[] };
    assert.deepEqual(fix, {
      description: "Make the handler `async def`",
      edits: [{ line: 11, column: 1, endLine: 11, endColumn: 1, text: "async " }],
    });
  });

  test("--diff-fixes with nothing to fix prints nothing and exits 0", async () => {
    const root = repo();
    await dbfence(["check", "--fix", "--unsafe-fixes"], root);
    const r = await dbfence(["check", "--diff-fixes", "--unsafe-fixes"], root);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /No fixes available\./);
  });

  test("--select limits the fixes to the selected rules", async () => {
    const root = repo();
    const r = await dbfence(["check", "--fix", "--select", "DBF402"], root);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Fixed 1 finding in 1 file: DBF402 ×1\./);
    assert.match(read(root), /\n {4}session\.add\(object\(\)\)\n {4}session\.commit\(\)\n/);
  });
});
