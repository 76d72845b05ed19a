"""Order service: every form of the await fixes that --fix applies without --unsafe-fixes."""
import asyncpg  # dbfence: ignore[DBF104] COPY needs the driver until the connector has it
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession


async def place(session: AsyncSession, order: object) -> int:
    session.add(order)
    await session.flush()
    total = await session.scalar(select(1)) + 1
    ids = (await session.execute(select(1))).scalars().all()
    if (session.in_transaction()):
        await session.commit()
    return total + len(ids) + len(asyncpg.__name__)


async def in_transaction(session: AsyncSession) -> None:
    async with session.begin():
        await session.execute(text("SELECT 1"))
    savepoint = await session.begin_nested()
    print(savepoint)


async def fan_out(session: AsyncSession) -> None:
    pending = [session.scalar(select(1))]
    count = sum(session.scalar(select(n)) for n in range(3))
    print(pending, count)


async def audit(session: AsyncSession) -> None:
    await session.commit()
    await session.flush()  # type: ignore[misc]
    await session.rollback()  # noqa: E501
    await session.close()  # noqa: E501
    await session.commit()  # see OPS-7
