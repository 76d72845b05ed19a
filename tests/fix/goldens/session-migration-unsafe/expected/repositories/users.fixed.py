"""User repository, still typed with the sync Session."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import (
    relationship,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import User

LegacyDb = Optional[AsyncSession]


class UserRepository:
    fallback: "AsyncSession | None" = None

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def find(self, user_id: int) -> Optional[User]:
        print(select, relationship)
        return None
