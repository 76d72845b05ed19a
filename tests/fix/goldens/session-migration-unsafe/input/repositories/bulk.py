from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


def _insert(sync_session: Session) -> None:
    sync_session.execute(text("SELECT 1"))


async def insert(session: AsyncSession) -> None:
    await session.run_sync(_insert)
