/** Temporary mini-projects with the standard connector, shared by the docs and CLI tests. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The connector every example runs against: core/database.py with the default connector API. */
export const CONNECTOR = `"""Database connector: the only module that creates the engine and hands out sessions."""
import os
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql+asyncpg://app:app@localhost:5432/app")

engine = create_async_engine(DATABASE_URL, pool_pre_ping=True)
SessionFactory = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


async def get_db_session() -> AsyncIterator[AsyncSession]:
    async with SessionFactory() as session:
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
        async with SessionFactory() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
`;

const created: string[] = [];
process.on("exit", () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh project folder (realpath'd) holding `files` (posix path → content or bytes) plus, unless
 * overridden, the standard connector and an empty dbfence.toml. A `null` content leaves the file out.
 */
export function miniProject(files: Record<string, string | Uint8Array | null>, prefix = "dbfence-mini-"): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  created.push(root);
  const all: Record<string, string | Uint8Array | null> = {
    "dbfence.toml": "",
    "core/__init__.py": "",
    "core/database.py": CONNECTOR,
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    if (content === null) continue;
    const abs = path.join(root, ...rel.split("/"));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return root;
}
