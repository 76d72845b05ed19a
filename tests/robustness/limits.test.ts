/**
 * Inference limits (issue 17): chains far longer than real code (hundreds of alias hops, dozens of
 * `Depends` levels) are still followed, and where a limit does cut a chain, stderr names the file and
 * line — a finding is never dropped in silence. Cycles end quietly: they are not cut chains.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { dbfence } from "../cli/run.js";

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-limits-"));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

const CONNECTOR =
  "from sqlalchemy.ext.asyncio import AsyncSession\n\nasync def get_db_session() -> AsyncSession:\n    yield None\n";

function chains(aliases: number, levels: number): string {
  const lines = [
    "from fastapi import APIRouter, Depends",
    "from core.database import get_db_session",
    "router = APIRouter()",
  ];
  lines.push("A0 = get_db_session");
  for (let i = 1; i < aliases; i++) lines.push(`A${i} = A${i - 1}`);
  lines.push("@router.get('/a')", `def by_alias(db=Depends(A${aliases - 1})):`, "    return 1");
  lines.push("def dep0(db: object = Depends(get_db_session)):", "    return db");
  for (let i = 1; i < levels; i++) lines.push(`def dep${i}(x=Depends(dep${i - 1})):`, "    return x");
  lines.push("@router.get('/b')", `def by_chain(x=Depends(dep${levels - 1})):`, "    return 1");
  lines.push("C1 = C2", "C2 = C1", "@router.get('/c')", "def by_cycle(x=Depends(C1)):", "    return 1");
  return `${lines.join("\n")}\n`;
}

function codesByLine(stdout: string): string[] {
  const doc = JSON.parse(stdout) as { findings: { line: number; code: string; path: string }[] };
  return doc.findings.filter((f) => f.path === "api/routes.py").map((f) => `${f.line} ${f.code}`);
}

test("50 alias hops and 40 Depends levels are followed: both sync handlers are DBF301, no notice", async () => {
  const text = chains(50, 40);
  const root = project({ "dbfence.toml": "", "core/database.py": CONNECTOR, "api/routes.py": text });
  const run = await dbfence(["check", ".", "--format", "json", "--no-cache"], root);
  const lines = text.split("\n");
  const at = (needle: string) => lines.findIndex((l) => l.startsWith(needle)) + 1;
  const codes = codesByLine(run.stdout);
  assert.ok(codes.includes(`${at("def by_alias")} DBF301`), codes.join(", "));
  assert.ok(codes.includes(`${at("def by_chain")} DBF301`), codes.join(", "));
  assert.doesNotMatch(run.stderr, /analysis stopped/);
});

test("a chain past a limit prints a notice naming the file and line; a cycle does not", async () => {
  const text = chains(260, 80);
  const root = project({ "dbfence.toml": "", "core/database.py": CONNECTOR, "api/routes.py": text });
  const run = await dbfence(["check", ".", "--format", "json", "--no-cache"], root);
  JSON.parse(run.stdout); // stdout stays a JSON document: notices go to stderr only
  const notices = run.stderr.split("\n").filter((l) => l.includes("analysis stopped"));
  assert.equal(notices.length, 2, run.stderr);
  const alias = /^dbfence: warning: api\/routes\.py:\d+: analysis stopped at more than 200 alias hops/;
  const depends = /^dbfence: warning: api\/routes\.py:\d+: analysis stopped at a Depends chain deeper than 64 levels/;
  assert.ok(
    notices.some((n) => alias.test(n)),
    run.stderr,
  );
  assert.ok(
    notices.some((n) => depends.test(n)),
    run.stderr,
  );
  for (const n of notices) {
    const line = Number(/routes\.py:(\d+):/.exec(n)?.[1]);
    assert.ok(line > 3 && line <= text.split("\n").length, n);
  }
});
