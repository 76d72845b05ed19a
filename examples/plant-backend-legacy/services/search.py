from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def search_agents(session: AsyncSession, term: str) -> list:
    sql = f"SELECT id FROM agents WHERE name ILIKE '%{term}%'"  # expect: DBF502
    result = await session.execute(text(sql))
    return list(result.scalars())


async def agents_by_column(session: AsyncSession, column: str, value: str) -> list:
    result = await session.execute("SELECT id FROM agents WHERE " + column + " = '" + value + "'")  # expect: DBF501, DBF502
    return list(result.scalars())
