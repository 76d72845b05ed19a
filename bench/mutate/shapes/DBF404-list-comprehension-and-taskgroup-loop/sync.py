# DBF404 as catalogued (catalog v2, issue 11 item 8): a list comprehension of session calls given to gather
# counts as several (the generator form is already reported), and create_task(...) in a loop inside a TaskGroup
# hands one session to several tasks (prefect saved_searches, SurfSense routes: sessions are AsyncSession params).
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def flush_many(session: AsyncSession, items: list[object]) -> None:
    await asyncio.gather(*[session.refresh(i) for i in items])  # expect: DBF404


async def flush_in_tasks(session: AsyncSession, items: list[object]) -> None:
    async with asyncio.TaskGroup() as tg:
        for i in items:
            tg.create_task(session.refresh(i))  # expect: DBF404


async def flush_generator(session: AsyncSession, items: list[object]) -> None:
    await asyncio.gather(*(session.refresh(i) for i in items))  # expect: DBF404
