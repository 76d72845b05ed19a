from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


async def monthly(session: AsyncSession) -> int:
    return await session.scalar(text("SELECT 1"))


def legacy_monthly(db: Session) -> None:
    print(db)
