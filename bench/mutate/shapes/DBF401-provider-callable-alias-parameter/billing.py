# A parameter typed with an alias of Callable[[], AbstractAsyncContextManager[AsyncSession]] (SurfSense's
# BillableSessionFactory), defaulting to a project @asynccontextmanager function; `async with factory() as s`.
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import SessionFactory

SessionMaker = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@asynccontextmanager
async def shielded_session() -> AsyncIterator[AsyncSession]:
    async with SessionFactory() as session:
        yield session


async def record_usage(session_factory: SessionMaker, amount: int) -> None:
    async with session_factory() as audit_session:
        await audit_session.execute(text("INSERT INTO usage (amount) VALUES (:a)"), {"a": amount})
        audit_session.commit()  # expect: DBF401


async def charge(amount: int, factory: SessionMaker | None = None) -> None:
    session_factory = factory or shielded_session
    async with session_factory() as quota_session:
        quota_session.execute(text("SELECT 1"))  # expect: DBF401
