"""Orders: still half on the sync API."""
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.database import Base, get_db_session

router = APIRouter()


@router.get("/orders")
async def list_orders(session: AsyncSession = Depends(get_db_session)) -> list[object]:
    return list(await session.scalars(select(Base)))


@router.post("/orders/close")
async def close_orders(session: AsyncSession = Depends(get_db_session)) -> None:
    session.commit()
    session.commit()


def order_count(session: Session) -> int:
    return 0
