from typing import List, Optional

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import get_db_session
from models.plant import Agent

router = APIRouter(prefix="/agents", tags=["agents"])


class AgentIn(BaseModel):
    name: str
    email: str
    skill_id: Optional[int] = None


class AgentOut(AgentIn):
    id: int

    class Config:
        orm_mode = True


@router.post("/", response_model=AgentOut, status_code=201)
async def create_agent(body: AgentIn, session: AsyncSession = Depends(get_db_session)) -> Agent:
    agent = Agent(name=body.name, email=body.email, skill_id=body.skill_id)
    session.add(agent)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise HTTPException(status_code=400, detail="agent email already registered or unknown skill") from None
    await session.refresh(agent)
    return agent


@router.get("/", response_model=List[AgentOut])
async def list_agents(session: AsyncSession = Depends(get_db_session)) -> List[Agent]:
    result = await session.execute(select(Agent).order_by(Agent.id))
    return list(result.scalars().all())


@router.get("/{agent_id}", response_model=AgentOut)
async def get_agent(agent_id: int, session: AsyncSession = Depends(get_db_session)) -> Agent:
    agent = await session.get(Agent, agent_id)
    if agent is None:
        raise HTTPException(status_code=404, detail="agent not found")
    return agent
