import asyncio

from sqlalchemy import select

from server.types import Context, DbSessionFactory


async def project_count(context: Context) -> int:
    async with context.db() as session:
        return int(session.scalar(select(1)) or 0)  # expect: DBF401


class SpanCleaner:
    def __init__(self, db: DbSessionFactory) -> None:
        self._db = db

    async def run(self, span: object) -> None:
        async with self._db() as session:
            await session.add(span)  # expect: DBF402
            await session.flush()

    async def both(self) -> None:
        async with self._db() as session:
            await session.execute(select(1))
            await asyncio.gather(session.flush(), session.commit())  # expect: DBF404
            await session.execute("DELETE FROM spans")  # expect: DBF501
