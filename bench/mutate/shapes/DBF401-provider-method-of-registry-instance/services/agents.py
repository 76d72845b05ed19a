# Sessions opened with `async with db_registry.async_session() as session`: a method of a module-level instance,
# decorated with @asynccontextmanager and annotated AsyncGenerator[AsyncSession, None] (letta's whole service layer).
import asyncio

from sqlalchemy import select, text

from core.database import db_registry


class AgentManager:
    async def rename(self, agent_id: str, name: str) -> None:
        async with db_registry.async_session() as session:
            await session.execute(text("UPDATE agents SET name = :n WHERE id = :i"), {"n": name, "i": agent_id})
            session.flush()  # expect: DBF401

    async def create(self, agent: object) -> None:
        async with db_registry.async_session() as session:
            await session.add(agent)  # expect: DBF402
            await session.flush()

    async def sync_all(self) -> None:
        async with db_registry.async_session() as session:
            await session.execute(select(1))
            await asyncio.gather(session.flush(), session.commit())  # expect: DBF404

    async def count(self) -> int:
        async with db_registry.async_session() as session:
            return int(await session.scalar("SELECT count(*) FROM agents") or 0)  # expect: DBF501
