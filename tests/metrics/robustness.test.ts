/** computeMetrics on hostile input: unparsable and undecodable files, absurd nesting, dependency and call cycles. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { deepCases } from "../robustness/inputs.js";
import { measure, PROJECTS } from "./helpers.js";

function project(files: Record<string, string | Uint8Array>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-metrics-robust-")));
  process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
  const connector = fs.readFileSync(path.join(PROJECTS, "no-handlers", "core", "database.py"));
  const all = { "dbfence.toml": "", "core/__init__.py": "", "core/database.py": connector, ...files };
  for (const [rel, content] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

const CYCLES = `from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import get_db_session

router = APIRouter()


def a(x=Depends(lambda: None)):
    return x


def first(x=Depends("second")):
    return x


async def ping_pong(session: AsyncSession, n: int) -> int:
    return await pong_ping(session, n - 1) if n else 0


async def pong_ping(session: AsyncSession, n: int) -> int:
    return await ping_pong(session, n)


@router.get("/cycle")
async def cycle(session: AsyncSession = Depends(get_db_session)) -> int:
    return await ping_pong(session, 3)


@router.get("/twice")
@router.post("/twice")
async def twice(session: AsyncSession = Depends(get_db_session)) -> int:
    return 0
`;

test("files that do not parse or decode are left out; cycles end; nothing throws", () => {
  const deep = Object.fromEntries(Object.entries(deepCases()).map(([name, text]) => [`deep/${name}`, text]));
  const root = project({
    ...deep,
    "api/cycles.py": CYCLES,
    "api/broken.py": "from core.database import get_db_session\ndef broken(:\n",
    "api/latin.py": new Uint8Array([0x78, 0x20, 0x3d, 0x20, 0x22, 0xff, 0xfe, 0x22, 0x0a]),
    "api/empty.py": "",
    "api/stub.pyi": "from core.database import get_db_session\ndef f(session=...) -> None: ...\n",
  });
  const { metrics: m, result } = measure(root);
  assert.ok(result.findings.some((f) => f.code === "DBF900" && f.path === "api/broken.py"));
  assert.deepEqual(
    m.connectorUsage.list.filter((p) => p.kind === "session-parameter").map((p) => `${p.function} ← ${p.via}`),
    [
      "ping_pong ← AsyncSession from cycle()",
      "pong_ping ← AsyncSession from ping_pong()",
      "cycle ← Depends(get_db_session)",
      "twice ← Depends(get_db_session)",
    ],
  );
  // The unparsable file still counts for the grep (a text search), the .pyi stub does not.
  assert.equal(m.connectorUsage.grepCount, 4);
  assert.deepEqual(
    m.routeHandlers.list.map((h) => `${h.name} [${h.routes.join(", ")}]`),
    ["cycle []", "twice []"],
  );
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
});
