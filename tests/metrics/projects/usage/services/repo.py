from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import Base, get_db_session


class ItemRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def names(self, session: AsyncSession) -> list[str]:
        return list(await session.scalars(select(Base)))


async def get_repo(session: AsyncSession = Depends(get_db_session)) -> ItemRepo:
    return ItemRepo(session)
