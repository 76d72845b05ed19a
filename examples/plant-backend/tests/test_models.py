import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.plant import Skill


@pytest.mark.asyncio
async def test_skill_round_trip(db_session: AsyncSession) -> None:
    db_session.add(Skill(name="welding", category="fabrication"))
    await db_session.commit()
    names = (await db_session.execute(select(Skill.name))).scalars().all()
    assert names == ["welding"]
