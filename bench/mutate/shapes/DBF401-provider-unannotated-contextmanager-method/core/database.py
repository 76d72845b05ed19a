"""Connector: a database interface class whose unannotated @asynccontextmanager method yields the value of an
`-> AsyncSession` method (prefect's PrefectDBInterface.session_context)."""
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class DBInterface:
    async def engine(self) -> AsyncEngine:
        return create_async_engine("postgresql+asyncpg://app@db/app")

    async def session(self) -> AsyncSession:
        return AsyncSession(await self.engine(), expire_on_commit=False)

    @asynccontextmanager
    async def session_context(self, begin_transaction: bool = False):
        session = await self.session()
        async with session:
            if begin_transaction:
                async with session.begin():
                    yield session
            else:
                yield session


def provide_database_interface() -> DBInterface:
    return DBInterface()
