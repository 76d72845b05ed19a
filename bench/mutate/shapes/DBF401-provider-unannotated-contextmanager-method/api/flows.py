# Sessions from `async with db.session_context() as session`, `db` an annotated parameter (a FastAPI dependency
# or a function argument, as prefect's @db_injector passes it) or a local from the provider function.
import asyncio

from fastapi import APIRouter, Depends
from sqlalchemy import select, text

from core.database import DBInterface, provide_database_interface

router = APIRouter()


@router.get("/flows/{flow_id}")
async def read_flow(flow_id: str, db: DBInterface = Depends(provide_database_interface)) -> object:
    async with db.session_context() as session:
        return session.get(object, flow_id)  # expect: DBF401


async def delete_flow(db: DBInterface, flow_id: str) -> None:
    async with db.session_context(begin_transaction=True) as session:
        await session.execute(text("DELETE FROM flow WHERE id = :i"), {"i": flow_id})
        await session.expunge_all()  # expect: DBF402


async def touch_all() -> None:
    db = provide_database_interface()
    async with db.session_context(begin_transaction=True) as session:
        await session.execute(select(1))
        await asyncio.gather(*[session.flush() for _ in range(2)])  # expect: DBF404
        await session.execute("SELECT 1")  # expect: DBF501
