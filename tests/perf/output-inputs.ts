/**
 * Inputs with very many findings, suppressions or routes in one file (issue 17's quadratic output paths),
 * shared by tests/perf/output.test.ts (asserts they finish) and bench/output.ts (times them).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CONNECTOR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "tests",
  "fixtures",
  "DBF104-driver-imports-all-forms",
  "core",
  "database.py",
);

export type OutputCase = "findings" | "noqa" | "routes";

/** The text of the one big file of a case with `n` findings, `noqa` lines or routes. */
export function bigFile(kind: OutputCase, n: number): string {
  if (kind === "findings") return "import psycopg2\n".repeat(n);
  if (kind === "noqa") {
    // Used suppressions, unused ones (DBF901, with a fix) and reasonless ones (DBF902), alternating.
    return Array.from({ length: n }, (_, i) =>
      i % 2 === 0 ? "import psycopg2  # noqa: DBF104\n" : `x${i} = 1  # noqa: DBF104, E501\n`,
    ).join("");
  }
  const head = [
    "from fastapi import APIRouter, Depends, FastAPI",
    "from sqlalchemy.ext.asyncio import AsyncSession",
    "from core.database import get_db_session",
    "router = APIRouter()",
    "app = FastAPI()",
    "",
  ].join("\n");
  const routes = Array.from(
    { length: n },
    (_, i) =>
      `@router.get("/r${i}")\nasync def r${i}(session: AsyncSession = Depends(get_db_session)):\n    return await session.execute("select ${i}")\n\n`,
  ).join("");
  return `${head}${routes}app.include_router(router)\n`;
}

/** Writes a project whose `app/big.py` is the case's big file; returns its root. */
export function writeOutputProject(root: string, kind: OutputCase, n: number): string {
  const files: Record<string, string> = {
    "dbfence.toml": "",
    "core/__init__.py": "",
    "core/database.py": fs.readFileSync(CONNECTOR, "utf8"),
    "app/__init__.py": "",
    "app/big.py": bigFile(kind, n),
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}
