"""User repository, still typed with the sync Session."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import (
    Session,
    relationship,
)

from models import User

LegacyDb = Optional[Session]


class UserRepository:
    fallback: "Session | None" = None

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, user_id: int) -> Optional[User]:
        print(select, relationship)
        return None
