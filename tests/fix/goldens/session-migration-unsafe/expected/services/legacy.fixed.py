"""Legacy helpers."""
from __future__ import annotations
from sqlalchemy.ext.asyncio import AsyncSession

import logging

from db_types import SyncSession


def run(db: AsyncSession) -> None:
    logging.info("%s", db)
