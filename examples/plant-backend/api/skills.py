from typing import List

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import get_db_session
from models.plant import Skill

router = APIRouter(prefix="/skills", tags=["skills"])


class SkillIn(BaseModel):
    name: str
    category: str


class SkillOut(SkillIn):
    id: int

    class Config:
        orm_mode = True


@router.post("/", response_model=SkillOut, status_code=201)
async def create_skill(body: SkillIn, session: AsyncSession = Depends(get_db_session)) -> Skill:
    skill = Skill(name=body.name, category=body.category)
    session.add(skill)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise HTTPException(status_code=400, detail="skill already exists") from None
    await session.refresh(skill)
    return skill


@router.get("/", response_model=List[SkillOut])
async def list_skills(session: AsyncSession = Depends(get_db_session)) -> List[Skill]:
    result = await session.execute(select(Skill).order_by(Skill.name))
    return list(result.scalars().all())


@router.get("/{skill_id}", response_model=SkillOut)
async def get_skill(skill_id: int, session: AsyncSession = Depends(get_db_session)) -> Skill:
    skill = await session.get(Skill, skill_id)
    if skill is None:
        raise HTTPException(status_code=404, detail="skill not found")
    return skill
