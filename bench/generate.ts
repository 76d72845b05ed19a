/**
 * Deterministic generator of a realistic FastAPI + SQLAlchemy backend of about N lines, for benchmarks.
 *
 * Layout (per domain entity, repeated until the line budget is used): `app/models/<e>.py`,
 * `app/schemas/<e>.py`, `app/repositories/<e>_repository.py`, `app/services/<e>_service.py`,
 * `app/routers/<e>.py`, `tests/test_<e>_api.py`, `tests/test_<e>_service.py`; once: the connector
 * `app/core/database.py`, `app/api/deps.py` (a session type alias), `app/main.py` (app, lifespan, health),
 * `app/utils/*.py`, `scripts/*.py`, `tests/conftest.py`, `dbfence.toml`.
 *
 * Most code follows the policy. A realistic share breaks it: legacy sync routers (`def` + sync `Session`
 * + `db.query`), imported `SessionLocal`, raw SQL strings, f-string SQL, missing awaits, raw drivers in
 * scripts. The same seed and size give byte-identical trees.
 *
 * Run: node dist/bench/generate.js OUT_DIR [--lines 1000000] [--seed 7]
 * OUT_DIR must not be inside this repository.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export interface GenerateStats {
  files: number;
  lines: number;
  bytes: number;
  domains: number;
  /** Domains written with each kind of violation. */
  violations: Record<string, number>;
}

/** mulberry32: small, fast, deterministic (the bench's, the mutation harness's and the fuzz campaign's PRNG). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOUNS = [
  "plant",
  "agent",
  "skill",
  "order",
  "invoice",
  "customer",
  "supplier",
  "shipment",
  "warehouse",
  "product",
  "category",
  "review",
  "payment",
  "refund",
  "coupon",
  "campaign",
  "ticket",
  "comment",
  "project",
  "task",
  "team",
  "member",
  "role",
  "permission",
  "device",
  "sensor",
  "reading",
  "alert",
  "report",
  "schedule",
  "booking",
  "room",
  "vehicle",
  "driver",
  "route",
  "stop",
  "contract",
  "document",
  "folder",
  "tag",
];
const FIELDS: [string, string, string][] = [
  ["name", "String(120)", "str"],
  ["description", "Text", "str"],
  ["status", "String(32)", "str"],
  ["priority", "Integer", "int"],
  ["amount", "Numeric(12, 2)", "float"],
  ["email", "String(255)", "str"],
  ["code", "String(64)", "str"],
  ["quantity", "Integer", "int"],
  ["notes", "Text", "str"],
  ["score", "Float", "float"],
];

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const camel = (s: string): string => s.split("_").map(cap).join("");

interface Domain {
  e: string;
  E: string;
  table: string;
  fields: [string, string, string][];
  extra: number;
}

/** Violation kinds, with the share of domains that carry each. */
const SHARES: Record<string, number> = {
  legacyRouter: 0.04,
  sessionLocalImport: 0.02,
  rawSql: 0.04,
  fstringSql: 0.02,
  missingAwait: 0.02,
  syncEndpoint: 0.03,
};

export function generate(out: string, targetLines = 1_000_000, seed = 7): GenerateStats {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const stats: GenerateStats = { files: 0, lines: 0, bytes: 0, domains: 0, violations: {} };
  fs.mkdirSync(out, { recursive: true });
  const write = (rel: string, text: string): void => {
    const abs = path.join(out, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
    stats.files++;
    stats.bytes += Buffer.byteLength(text);
    stats.lines += text.split("\n").length - 1;
  };

  write(
    "dbfence.toml",
    `# generated benchmark backend\nconnector = ["app.core.database"]\nsrc = ["."]\ntest-fixture-modules = ["tests/conftest.py"]\nper-file-ignores = { "scripts/**" = ["DBF104"] }\n`,
  );
  for (const pkg of [
    "app",
    "app/core",
    "app/api",
    "app/models",
    "app/schemas",
    "app/repositories",
    "app/services",
    "app/routers",
    "app/utils",
    "tests",
    "scripts",
  ])
    write(`${pkg}/__init__.py`, "");
  write("app/core/database.py", CONNECTOR);
  write("app/core/legacy_session.py", LEGACY_SESSION);
  write("app/core/config.py", CONFIG);
  write("app/api/deps.py", DEPS);
  write("tests/conftest.py", CONFTEST);
  for (let i = 0; i < 12; i++) write(`app/utils/helpers_${i}.py`, utils(i, 40 + Math.floor(rand() * 40)));
  write("scripts/export_csv.py", SCRIPT_DRIVER);

  const routers: string[] = [];
  // The app module and the rest are small; domains use the budget.
  const reserve = 200;
  let d = 0;
  while (stats.lines < targetLines - reserve) {
    const base = NOUNS[d % NOUNS.length] as string;
    const e = d < NOUNS.length ? base : `${base}_${Math.floor(d / NOUNS.length)}`;
    const fields = [...FIELDS].sort(() => rand() - 0.5).slice(0, 3 + Math.floor(rand() * 5));
    const dom: Domain = { e, E: camel(e), table: `${e}s`, fields, extra: 4 + Math.floor(rand() * 16) };
    const v: Record<string, boolean> = {};
    for (const [k, share] of Object.entries(SHARES)) {
      v[k] = rand() < share;
      if (v[k]) stats.violations[k] = (stats.violations[k] ?? 0) + 1;
    }
    write(`app/models/${e}.py`, model(dom));
    write(`app/schemas/${e}.py`, schemas(dom));
    write(`app/repositories/${e}_repository.py`, repository(dom, v, pick));
    write(`app/services/${e}_service.py`, service(dom, v));
    write(`app/routers/${e}.py`, router(dom, v));
    write(`tests/test_${e}_api.py`, apiTests(dom));
    write(`tests/test_${e}_service.py`, serviceTests(dom));
    routers.push(e);
    d++;
  }
  stats.domains = d;
  write("app/main.py", mainModule(routers));
  return stats;
}

const CONNECTOR = `"""The database connector: the only module that creates the engine and hands out sessions."""
import os
from typing import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql+asyncpg://app:app@localhost:5432/app")

engine = create_async_engine(DATABASE_URL, pool_size=10, max_overflow=20, pool_pre_ping=True)
SessionLocal = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


async def get_db_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise


async def initialize_database() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


async def shutdown_database() -> None:
    await engine.dispose()


async def health_check_database() -> bool:
    try:
        async with SessionLocal() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
`;

const LEGACY_SESSION = `"""Left over from the sync days: a second, sync session factory."""
from typing import Iterator

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import settings

sync_engine = create_engine(settings.sync_database_url)
LegacySession = sessionmaker(bind=sync_engine)


def get_db() -> Iterator[Session]:
    db = LegacySession()
    try:
        yield db
    finally:
        db.close()
`;

const CONFIG = `import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_url: str = os.environ.get("DATABASE_URL", "postgresql+asyncpg://app:app@localhost/app")
    sync_database_url: str = os.environ.get("SYNC_DATABASE_URL", "postgresql://app:app@localhost/app")
    page_size: int = int(os.environ.get("PAGE_SIZE", "50"))
    debug: bool = os.environ.get("DEBUG", "0") == "1"


settings = Settings()
`;

const DEPS = `"""Shared FastAPI dependencies."""
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import get_db_session

DbSession = Annotated[AsyncSession, Depends(get_db_session)]


def pagination(limit: int = 50, offset: int = 0) -> dict:
    return {"limit": min(limit, 500), "offset": max(offset, 0)}
`;

const CONFTEST = `import os
from typing import AsyncIterator

import pytest
import pytest_asyncio
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.core.database import Base
from app.main import app

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://app:app@localhost/app_test")


@pytest_asyncio.fixture
async def db_session() -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(TEST_DATABASE_URL)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield session
    await engine.dispose()


@pytest_asyncio.fixture
async def client() -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as c:
        yield c


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
`;

const SCRIPT_DRIVER = `"""Nightly CSV export, still on the raw driver (per-file-ignores in dbfence.toml)."""
import csv
import os
import sys

import psycopg2


def main() -> int:
    conn = psycopg2.connect(os.environ["SYNC_DATABASE_URL"])
    with conn.cursor() as cur, open(sys.argv[1], "w", newline="") as fh:
        cur.execute("SELECT id, name FROM plants ORDER BY id")
        writer = csv.writer(fh)
        for row in cur:
            writer.writerow(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
`;

function utils(i: number, funcs: number): string {
  const out = [
    `"""Pure helpers, part ${i}: no database here."""`,
    "import re",
    "from datetime import datetime, timezone",
    "",
  ];
  for (let f = 0; f < funcs; f++) {
    out.push(
      "",
      `def normalise_${i}_${f}(value: str, limit: int = ${20 + f}) -> str:`,
      `    """Trim, collapse whitespace and cut to the limit."""`,
      `    cleaned = re.sub(r"\\s+", " ", value.strip())`,
      "    if len(cleaned) > limit:",
      "        cleaned = cleaned[:limit].rstrip()",
      "    return cleaned",
      "",
      "",
      `def stamp_${i}_${f}() -> str:`,
      "    return datetime.now(timezone.utc).isoformat()",
    );
  }
  return `${out.join("\n")}\n`;
}

function model(d: Domain): string {
  const cols = d.fields.map(([n, t, py]) => `    ${n}: Mapped[${py} | None] = mapped_column(${t}, nullable=True)`);
  return `"""ORM model for ${d.e}."""
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base


class ${d.E}(Base):
    __tablename__ = "${d.table}"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
${cols.join("\n")}
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())

    def __repr__(self) -> str:
        return f"<${d.E} id={self.id}>"
`;
}

function schemas(d: Domain): string {
  const fields = d.fields.map(([n, , py]) => `    ${n}: ${py} | None = None`);
  return `"""Request and response bodies for ${d.e}."""
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ${d.E}Base(BaseModel):
${fields.join("\n")}


class ${d.E}Create(${d.E}Base):
    pass


class ${d.E}Update(${d.E}Base):
    pass


class ${d.E}Out(${d.E}Base):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    updated_at: datetime


class ${d.E}Page(BaseModel):
    items: list[${d.E}Out] = Field(default_factory=list)
    total: int = 0
    limit: int = 50
    offset: int = 0
`;
}

function repository(d: Domain, v: Record<string, boolean>, pick: <T>(xs: readonly T[]) => T): string {
  const lines: string[] = [
    `"""Data access for ${d.e}: every query goes through the AsyncSession handed in."""`,
    "from typing import Sequence",
    "",
    "from sqlalchemy import delete, func, select, text, update",
    "from sqlalchemy.ext.asyncio import AsyncSession",
    "",
    `from app.models.${d.e} import ${d.E}`,
    "",
    "",
    `class ${d.E}Repository:`,
    "    def __init__(self, session: AsyncSession) -> None:",
    "        self.session = session",
    "",
    `    async def get(self, item_id: int) -> ${d.E} | None:`,
    `        return await self.session.get(${d.E}, item_id)`,
    "",
    `    async def list(self, limit: int = 50, offset: int = 0) -> Sequence[${d.E}]:`,
    `        stmt = select(${d.E}).order_by(${d.E}.id).limit(limit).offset(offset)`,
    "        result = await self.session.scalars(stmt)",
    "        return result.all()",
    "",
    "    async def count(self) -> int:",
    `        return (await self.session.scalar(select(func.count()).select_from(${d.E}))) or 0`,
    "",
    `    async def add(self, item: ${d.E}) -> ${d.E}:`,
    "        self.session.add(item)",
    v.missingAwait ? "        self.session.flush()" : "        await self.session.flush()",
    "        await self.session.refresh(item)",
    "        return item",
    "",
    "    async def remove(self, item_id: int) -> None:",
    `        await self.session.execute(delete(${d.E}).where(${d.E}.id == item_id))`,
    "",
  ];
  for (const [n] of d.fields) {
    lines.push(
      `    async def find_by_${n}(self, value) -> Sequence[${d.E}]:`,
      `        stmt = select(${d.E}).where(${d.E}.${n} == value).order_by(${d.E}.id)`,
      "        return (await self.session.scalars(stmt)).all()",
      "",
      `    async def set_${n}(self, item_id: int, value) -> None:`,
      `        await self.session.execute(update(${d.E}).where(${d.E}.id == item_id).values(${n}=value))`,
      "",
    );
  }
  const f0 = (d.fields[0] as [string, string, string])[0];
  lines.push(
    "    async def stats(self) -> dict:",
    `        result = await self.session.execute(text("SELECT count(*) AS n FROM ${d.table}"))`,
    "        return dict(result.mappings().one())",
    "",
  );
  if (v.rawSql)
    lines.push(
      "    async def purge_old(self) -> None:",
      `        await self.session.execute("DELETE FROM ${d.table} WHERE created_at < now() - interval '1 year'")`,
      "",
    );
  if (v.fstringSql)
    lines.push(
      "    async def search(self, term: str) -> list:",
      `        sql = f"SELECT id FROM ${d.table} WHERE ${f0} LIKE '%{term}%'"`,
      "        return list((await self.session.execute(text(sql))).scalars())",
      "",
    );
  for (let i = 0; i < d.extra; i++) {
    const [n] = pick(d.fields);
    lines.push(
      `    async def page_by_${n}_${i}(self, value, limit: int = 50, offset: int = 0) -> Sequence[${d.E}]:`,
      `        """Page ${i} of ${d.e} rows filtered by ${n}."""`,
      "        stmt = (",
      `            select(${d.E})`,
      `            .where(${d.E}.${n} == value)`,
      `            .order_by(${d.E}.updated_at.desc(), ${d.E}.id)`,
      "            .limit(limit)",
      "            .offset(offset)",
      "        )",
      "        rows = await self.session.scalars(stmt)",
      "        return rows.all()",
      "",
    );
  }
  return `${lines.join("\n")}`;
}

function service(d: Domain, v: Record<string, boolean>): string {
  const lines: string[] = [
    `"""Business rules for ${d.e}."""`,
    "import logging",
    "",
    v.sessionLocalImport
      ? "from app.core.database import SessionLocal"
      : "from sqlalchemy.ext.asyncio import AsyncSession",
    "",
    `from app.models.${d.e} import ${d.E}`,
    `from app.repositories.${d.e}_repository import ${d.E}Repository`,
    `from app.schemas.${d.e} import ${d.E}Create, ${d.E}Page, ${d.E}Update`,
    "",
    "log = logging.getLogger(__name__)",
    "",
    "",
    `class ${d.E}NotFound(Exception):`,
    "    pass",
    "",
    "",
    `class ${d.E}Service:`,
    v.sessionLocalImport
      ? "    def __init__(self, session=None) -> None:"
      : "    def __init__(self, session: AsyncSession) -> None:",
    v.sessionLocalImport ? "        self.session = session or SessionLocal()" : "        self.session = session",
    `        self.repo = ${d.E}Repository(self.session)`,
    "",
    `    async def get(self, item_id: int) -> ${d.E}:`,
    "        item = await self.repo.get(item_id)",
    "        if item is None:",
    `            raise ${d.E}NotFound(item_id)`,
    "        return item",
    "",
    `    async def page(self, limit: int, offset: int) -> ${d.E}Page:`,
    "        items = await self.repo.list(limit=limit, offset=offset)",
    "        total = await self.repo.count()",
    `        return ${d.E}Page(items=list(items), total=total, limit=limit, offset=offset)`,
    "",
    `    async def create(self, body: ${d.E}Create) -> ${d.E}:`,
    `        item = ${d.E}(**body.model_dump(exclude_unset=True))`,
    "        item = await self.repo.add(item)",
    "        await self.session.commit()",
    `        log.info("created ${d.e} %s", item.id)`,
    "        return item",
    "",
    `    async def update(self, item_id: int, body: ${d.E}Update) -> ${d.E}:`,
    "        item = await self.get(item_id)",
    "        for key, value in body.model_dump(exclude_unset=True).items():",
    "            setattr(item, key, value)",
    "        await self.session.commit()",
    "        return item",
    "",
    "    async def delete(self, item_id: int) -> None:",
    "        await self.repo.remove(item_id)",
    "        await self.session.commit()",
    "",
  ];
  for (let i = 0; i < d.extra; i++) {
    lines.push(
      `    @staticmethod`,
      `    def score_${i}(values: list[float], weight: float = ${(i + 1) / 10}) -> float:`,
      `        """Weighted mean used by the ${d.e} dashboard (pure)."""`,
      "        if not values:",
      "            return 0.0",
      "        total = 0.0",
      "        for index, value in enumerate(values):",
      "            total += value * (weight ** index)",
      "        return round(total / len(values), 4)",
      "",
    );
  }
  return `${lines.join("\n")}`;
}

function router(d: Domain, v: Record<string, boolean>): string {
  if (v.legacyRouter)
    return `"""Legacy sync router for ${d.e}, not yet migrated."""
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from app.core.legacy_session import get_db
from app.models.${d.e} import ${d.E}
from app.schemas.${d.e} import ${d.E}Out

router = APIRouter(prefix="/${d.table}", tags=["${d.e}"])


@router.get("/", response_model=list[${d.E}Out])
def list_${d.table}(db: Session = Depends(get_db)):
    return db.query(${d.E}).order_by(${d.E}.id).all()


@router.get("/{item_id}", response_model=${d.E}Out)
def get_${d.e}(item_id: int, db: Session = Depends(get_db)):
    item = db.query(${d.E}).get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="${d.e} not found")
    return item
`;
  const lines = [
    `"""HTTP endpoints for ${d.e}."""`,
    "from fastapi import APIRouter, Depends, HTTPException, status",
    "",
    "from app.api.deps import DbSession, pagination",
    `from app.schemas.${d.e} import ${d.E}Create, ${d.E}Out, ${d.E}Page, ${d.E}Update`,
    `from app.services.${d.e}_service import ${d.E}NotFound, ${d.E}Service`,
    "",
    `router = APIRouter(prefix="/${d.table}", tags=["${d.e}"])`,
    "",
    "",
    `@router.get("/", response_model=${d.E}Page)`,
    `async def list_${d.table}(db: DbSession, page: dict = Depends(pagination)) -> ${d.E}Page:`,
    `    return await ${d.E}Service(db).page(page["limit"], page["offset"])`,
    "",
    "",
    `@router.get("/{item_id}", response_model=${d.E}Out)`,
    `async def get_${d.e}(item_id: int, db: DbSession):`,
    "    try:",
    `        return await ${d.E}Service(db).get(item_id)`,
    `    except ${d.E}NotFound:`,
    `        raise HTTPException(status_code=404, detail="${d.e} not found") from None`,
    "",
    "",
    `@router.post("/", response_model=${d.E}Out, status_code=status.HTTP_201_CREATED)`,
    `async def create_${d.e}(body: ${d.E}Create, db: DbSession):`,
    `    return await ${d.E}Service(db).create(body)`,
    "",
    "",
    `@router.patch("/{item_id}", response_model=${d.E}Out)`,
    `async def update_${d.e}(item_id: int, body: ${d.E}Update, db: DbSession):`,
    "    try:",
    `        return await ${d.E}Service(db).update(item_id, body)`,
    `    except ${d.E}NotFound:`,
    `        raise HTTPException(status_code=404, detail="${d.e} not found") from None`,
    "",
    "",
    `@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)`,
    `async def delete_${d.e}(item_id: int, db: DbSession) -> None:`,
    `    await ${d.E}Service(db).delete(item_id)`,
    "",
  ];
  if (v.syncEndpoint)
    lines.push("", `@router.get("/meta/version")`, `def ${d.e}_version() -> dict:`, `    return {"version": 1}`, "");
  return `${lines.join("\n")}`;
}

function apiTests(d: Domain): string {
  const lines = [
    "import pytest",
    "",
    "",
    "@pytest.mark.anyio",
    `async def test_create_and_get_${d.e}(client) -> None:`,
    `    created = await client.post("/${d.table}/", json={})`,
    "    assert created.status_code == 201",
    '    item_id = created.json()["id"]',
    `    fetched = await client.get(f"/${d.table}/{item_id}")`,
    "    assert fetched.status_code == 200",
    '    assert fetched.json()["id"] == item_id',
    "",
    "",
    "@pytest.mark.anyio",
    `async def test_missing_${d.e}_is_404(client) -> None:`,
    `    response = await client.get("/${d.table}/999999")`,
    "    assert response.status_code == 404",
    "",
  ];
  for (let i = 0; i < d.extra; i++) {
    lines.push(
      "",
      "@pytest.mark.anyio",
      `@pytest.mark.parametrize("limit", [1, 10, 50])`,
      `async def test_${d.e}_paging_${i}(client, limit: int) -> None:`,
      `    response = await client.get("/${d.table}/", params={"limit": limit, "offset": ${i}})`,
      "    assert response.status_code == 200",
      "    body = response.json()",
      '    assert len(body["items"]) <= limit',
      "",
    );
  }
  return `${lines.join("\n")}`;
}

function serviceTests(d: Domain): string {
  const lines = [
    "import pytest",
    "",
    `from app.schemas.${d.e} import ${d.E}Create`,
    `from app.services.${d.e}_service import ${d.E}NotFound, ${d.E}Service`,
    "",
    "",
    "@pytest.mark.anyio",
    `async def test_${d.e}_roundtrip(db_session) -> None:`,
    `    service = ${d.E}Service(db_session)`,
    `    item = await service.create(${d.E}Create())`,
    "    assert (await service.get(item.id)).id == item.id",
    "",
    "",
    "@pytest.mark.anyio",
    `async def test_${d.e}_not_found(db_session) -> None:`,
    `    with pytest.raises(${d.E}NotFound):`,
    `        await ${d.E}Service(db_session).get(-1)`,
    "",
  ];
  for (let i = 0; i < d.extra; i++) {
    lines.push(
      "",
      `def test_${d.e}_score_${i}() -> None:`,
      `    assert ${d.E}Service.score_${i}([]) == 0.0`,
      `    assert ${d.E}Service.score_${i}([1.0, 2.0, 3.0]) > 0`,
      "",
    );
  }
  return `${lines.join("\n")}`;
}

function mainModule(routers: string[]): string {
  return `from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI, HTTPException

from app.core.database import health_check_database, initialize_database, shutdown_database
from app.routers import (
${routers.map((r) => `    ${r},`).join("\n")}
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await initialize_database()
    try:
        yield
    finally:
        await shutdown_database()


app = FastAPI(title="generated-backend", lifespan=lifespan)


@app.get("/health/db")
async def database_health() -> dict:
    if not await health_check_database():
        raise HTTPException(status_code=503, detail="database unavailable")
    return {"database": "ok"}


${routers.map((r) => `app.include_router(${r}.router, prefix="/api")`).join("\n")}
`;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { lines: { type: "string", default: "1000000" }, seed: { type: "string", default: "7" } },
  });
  const out = positionals[0];
  if (!out) {
    process.stderr.write("usage: node dist/bench/generate.js OUT_DIR [--lines N] [--seed S]\n");
    process.exit(2);
  }
  const abs = path.resolve(out);
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  if (abs === repo || abs.startsWith(`${repo}${path.sep}`)) {
    process.stderr.write(`generate: refusing to write inside the repository (${repo}); pick a folder outside it\n`);
    process.exit(2);
  }
  if (fs.existsSync(abs) && fs.readdirSync(abs).length > 0) {
    process.stderr.write(`generate: ${abs} is not empty\n`);
    process.exit(2);
  }
  const stats = generate(abs, Number(values.lines), Number(values.seed));
  process.stdout.write(`${JSON.stringify(stats)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
