"""The plant backend: FastAPI app whose lifespan opens and closes the connector's pool.

Run: DATABASE_URL=postgresql+asyncpg://user:pass@host/db python3 -m uvicorn main:app
"""
from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI

from api import agents, health, skills
from core.database import initialize_database, shutdown_database


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await initialize_database()
    try:
        yield
    finally:
        await shutdown_database()


app = FastAPI(title="plant-backend", lifespan=lifespan)
# FastAPI before 0.93 (Debian 12 ships 0.92) has no `lifespan` parameter and keeps it in `app.extra`;
# the router runs whatever its `lifespan_context` is, on every version.
app.router.lifespan_context = lifespan
app.include_router(health.router)
app.include_router(skills.router, prefix="/api")
app.include_router(agents.router, prefix="/api")
