"""Database connector: the only module that creates the engine and hands out sessions.

Everything else imports only its API: `get_db_session` (the FastAPI dependency), `initialize_database` /
`shutdown_database` (the app's lifespan), `health_check_database` (GET /health/db) and `Base` (models).
Works with SQLAlchemy 1.4 (asyncio extension) and 2.0.
"""
import asyncio
import os
from typing import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import declarative_base, sessionmaker

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql+asyncpg://plant:plant@localhost:5432/plant")
HEALTH_TIMEOUT_SECONDS = float(os.environ.get("DB_HEALTH_TIMEOUT", "2"))

# Pool settings come from the environment, so each deployment sizes its own pool.
engine = create_async_engine(
    DATABASE_URL,
    pool_size=int(os.environ.get("DB_POOL_SIZE", "5")),
    max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "10")),
    pool_timeout=float(os.environ.get("DB_POOL_TIMEOUT", "30")),
    pool_recycle=int(os.environ.get("DB_POOL_RECYCLE", "1800")),
    pool_pre_ping=True,
    echo=os.environ.get("DB_ECHO", "") == "1",
    # asyncpg's own connect timeout: a database that is down fails fast instead of hanging requests.
    connect_args={"timeout": float(os.environ.get("DB_CONNECT_TIMEOUT", "5"))},
)
# sessionmaker(class_=AsyncSession) works on SQLAlchemy 1.4 and 2.0 alike (async_sessionmaker is 2.0 only).
SessionFactory = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

Base = declarative_base()


async def get_db_session() -> AsyncIterator[AsyncSession]:
    """One session per request; rolled back when the request fails."""
    async with SessionFactory() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise


async def initialize_database() -> None:
    """Opens the pool and creates missing tables (a real deployment would run migrations instead)."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


async def shutdown_database() -> None:
    await engine.dispose()


async def _ping() -> None:
    async with SessionFactory() as session:
        await session.execute(text("SELECT 1"))


async def health_check_database() -> bool:
    """True when the database answers `SELECT 1` within DB_HEALTH_TIMEOUT seconds."""
    try:
        await asyncio.wait_for(_ping(), timeout=HEALTH_TIMEOUT_SECONDS)
    except Exception:
        return False
    return True
