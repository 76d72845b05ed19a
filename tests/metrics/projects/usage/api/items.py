from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import DB, SessionDep
from core.database import get_db_session, health_check_database
from services.repo import ItemRepo, get_repo
from services.report import called_without_session, summarize

router = APIRouter(prefix="/items")


@router.get("/")
async def list_items(session: AsyncSession = Depends(get_db_session)) -> int:
    # get_db_session hands the session over (this comment is a grep hit too)
    return await summarize(session)


@router.get("/annotated")
async def annotated(session: SessionDep) -> int:
    await called_without_session(None)
    return 0


@router.get("/alias")
async def alias(session: AsyncSession = DB) -> int:
    return 0


@router.get("/repo")
async def through_repo(repo: ItemRepo = Depends(get_repo)) -> list[str]:
    return await repo.names(repo.session)


@router.get("/ping")
def ping() -> str:
    return "pong"


@router.get("/health/db")
async def health() -> bool:
    return await health_check_database()


async def report(session: AsyncSession = Depends(get_db_session)) -> int:
    return 0


router.add_api_route("/report", report)
