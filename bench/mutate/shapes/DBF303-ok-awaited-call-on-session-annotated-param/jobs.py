# A parameter mis-annotated with the sync Session whose methods are awaited (letta's
# JobManager._verify_job_access_async): the annotation is the defect (DBF201/DBF202); the awaited call does not
# block the event loop, so it is no DBF303 (awaiting a sync Session.execute() would be a TypeError).
from sqlalchemy import select
from sqlalchemy.orm import Session  # expect: DBF201


class JobManager:
    async def verify(self, session: Session, job_id: str) -> object:  # expect: DBF202
        result = await session.execute(select(1).where(1 == 1))
        return result.scalar_one_or_none()

    async def really_blocks(self, session: Session) -> None:  # expect: DBF202
        session.execute(select(1))  # expect: DBF303
