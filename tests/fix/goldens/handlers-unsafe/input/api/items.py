from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import get_db_session

router = APIRouter()


@router.get("/items")
def list_items(session: AsyncSession = Depends(get_db_session)) -> list[int]:
    result = session.execute(select(1))
    return list(result.scalars())


@router.get("/ping")
def ping() -> dict[str, str]:
    return {"ping": "pong"}


@router.post("/items")
async def add_item(session: AsyncSession = Depends(get_db_session)) -> None:
    await session.add(object())
    session.commit()
