"""Async database connector: the engine, the session factory and the app's lifecycle hooks."""
import os
from collections.abc import AsyncGenerator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

DB_URL = os.getenv("APP_DB_URL", "postgresql+asyncpg://svc:svc@db:5432/svc")

engine: AsyncEngine = create_async_engine(DB_URL, pool_pre_ping=True, pool_recycle=1800)
SessionFactory = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


async def get_db_session() -> AsyncGenerator[AsyncSession, None]:
    async with SessionFactory() as session:
        yield session


async def initialize_database() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


async def shutdown_database() -> None:
    await engine.dispose()


async def health_check_database() -> bool:
    async with SessionFactory() as session:
        result = await session.execute(text("SELECT 1"))
        return result.scalar_one() == 1
