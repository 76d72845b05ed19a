from fastapi import APIRouter, HTTPException

from core.database import health_check_database

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/db")
async def database_health() -> dict:
    if not await health_check_database():
        raise HTTPException(status_code=503, detail="database unavailable")
    return {"database": "ok"}
