from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession


def list_heroes(session: AsyncSession) -> None:
    print(select, session)
