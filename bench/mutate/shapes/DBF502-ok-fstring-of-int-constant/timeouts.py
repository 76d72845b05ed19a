# A module-level name bound once to an int literal is a constant piece, like a string constant (phoenix's
# `PG_STATEMENT_TIMEOUT_MS = 30_000` in `text(f"SET LOCAL statement_timeout = '{PG_STATEMENT_TIMEOUT_MS}'")`).
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

STATEMENT_TIMEOUT_MS = 30_000
RATIO = 0.5


async def limit_statement(session: AsyncSession) -> None:
    await session.execute(text(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT_MS}'"))
    await session.execute(text(f"SELECT {RATIO} * 2"))


async def limit_remaining(session: AsyncSession, remaining_ms: int) -> None:
    await session.execute(text(f"SET LOCAL statement_timeout = '{remaining_ms}'"))  # expect: DBF502
