import asyncio

from fastapi import APIRouter, HTTPException
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import SessionFactory  # expect: DBF101
from core.session import open_session
from models.plant import Agent

router = APIRouter(prefix="/agents", tags=["agents"])


@router.post("/", status_code=201)
async def create_agent(name: str, email: str) -> dict:
    async with SessionFactory() as session:
        agent = Agent(name=name, email=email)
        await session.add(agent)  # expect: DBF402
        try:
            session.commit()  # expect: DBF401
        except IntegrityError:
            raise HTTPException(status_code=400, detail="agent already exists")
        return {"id": agent.id}


@router.get("/stats")
async def agent_stats() -> dict:
    async with SessionFactory() as session:
        agents, skills = await asyncio.gather(  # expect: DBF404
            session.scalar(text("SELECT count(*) FROM agents")),
            session.scalar(text("SELECT count(*) FROM skills")),
        )
    return {"agents": agents, "skills": skills}


@router.get("/{agent_id}")
async def get_agent(agent_id: str) -> dict:
    db = open_session()
    row = db.execute(text(f"SELECT id, name, email FROM agents WHERE id = {agent_id}")).first()  # expect: DBF303, DBF502
    if row is None:
        raise HTTPException(status_code=404, detail="agent not found")
    return dict(row._mapping)


def rename_agent(session: AsyncSession, agent_id: int, name: str) -> None:
    session.execute(text("UPDATE agents SET name = :name WHERE id = :id"), {"name": name, "id": agent_id})  # expect: DBF403
