"""Order service: every form of the await fixes that --fix applies without --unsafe-fixes."""
import asyncpg  # dbfence: ignore[DBF104, DBF105] COPY needs the driver until the connector has it
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession


async def place(session: AsyncSession, order: object) -> int:
    await session.add(order)
    session.flush()
    total = session.scalar(select(1)) + 1
    ids = session.execute(select(1)).scalars().all()
    if (await  session.in_transaction()):
        session.commit()
    return total + len(ids) + len(asyncpg.__name__)


async def in_transaction(session: AsyncSession) -> None:
    with session.begin():
        await session.execute(text("SELECT 1"))
    savepoint = session.begin_nested()
    print(savepoint)


async def fan_out(session: AsyncSession) -> None:
    pending = [session.scalar(select(1))]
    count = sum(session.scalar(select(n)) for n in range(3))
    print(pending, count)


async def audit(session: AsyncSession) -> None:
    await session.commit()  # noqa: DBF401
    await session.flush()  # type: ignore[misc]  # noqa: DBF104
    await session.rollback()  # noqa: E501, DBF104
    await session.close()  # dbfence: ignore[DBF104,DBF105] left from the psycopg2 days  # noqa: E501
    await session.commit()  # see OPS-7 noqa: DBF105
