"""Connector: a registry object whose @asynccontextmanager method opens sessions (letta's DatabaseRegistry)."""
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

engine = create_async_engine("postgresql+asyncpg://app@db/app")
async_session_factory = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class DatabaseRegistry:
    @asynccontextmanager
    async def async_session(self) -> AsyncGenerator[AsyncSession, None]:
        async with async_session_factory() as session:
            try:
                yield session
                await session.commit()
            except Exception:
                await session.rollback()
                raise


db_registry = DatabaseRegistry()


async def get_db_session() -> AsyncGenerator[AsyncSession, None]:
    async with db_registry.async_session() as session:
        yield session
