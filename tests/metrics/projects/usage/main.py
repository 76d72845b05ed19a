from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI

from api import items
from core import database


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await database.initialize_database()
    yield
    await database.shutdown_database()


app = FastAPI(lifespan=lifespan)
app.include_router(items.router)
