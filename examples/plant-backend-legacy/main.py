# The legacy app: tables created by a sync startup hook, no database health route, pool never closed.
from fastapi import FastAPI

from api import agents, skills
from core.database import Base
from core.session import sync_engine

app = FastAPI(title="plant-backend-legacy")  # expect: DBF601, DBF602
app.include_router(skills.router, prefix="/api")
app.include_router(agents.router, prefix="/api")


@app.on_event("startup")
def create_tables() -> None:
    Base.metadata.create_all(bind=sync_engine)


@app.get("/health")
def health() -> dict:  # expect: DBF302
    return {"status": "ok"}
