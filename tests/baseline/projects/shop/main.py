from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI

from api import health, orders
from core.database import initialize_database, shutdown_database


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await initialize_database()
    try:
        yield
    finally:
        await shutdown_database()


app = FastAPI(title="shop", lifespan=lifespan)
app.include_router(health.router)
app.include_router(orders.router, prefix="/api")
