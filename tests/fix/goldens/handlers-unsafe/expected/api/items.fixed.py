from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import get_db_session

router = APIRouter()


@router.get("/items")
async def list_items(session: AsyncSession = Depends(get_db_session)) -> list[int]:
    result = await session.execute(select(1))
    return list(result.scalars())


@router.get("/ping")
async def ping() -> dict[str, str]:
    return {"ping": "pong"}


@router.post("/items")
async def add_item(session: AsyncSession = Depends(get_db_session)) -> None:
    session.add(object())
    await session.commit()
