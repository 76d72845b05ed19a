import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import Base


@pytest.mark.asyncio
async def test_orders_query(db_session: AsyncSession) -> None:
    assert (await db_session.scalars(select(Base))).all() == []
