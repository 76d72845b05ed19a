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
app.include_router(health.router)
app.include_router(skills.router, prefix="/api")
app.include_router(agents.router, prefix="/api")
